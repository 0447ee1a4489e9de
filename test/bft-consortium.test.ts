// The README walkthrough "a consortium chain of four organisations", run as written (ports
// mapped to free ones): keys, genesis file, four nodes, a fifth organisation voted in and a
// fourth voted out through the CLI. Then on the same chain: a node with a key outside the
// set is refused as a peer, and a validator whose two conflicting votes the test signs
// with its key is caught by evidence (sendrawtransaction) and removed.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../dist/index.js';
import * as B from '../dist/bft/index.js';
import { createEvidenceTx } from '../dist/chain/modules/bft/builders.js';
import { encodeTx } from '../dist/chain/tx.js';
import { ed25519 } from '../dist/sig/index.js';
import { sha256 } from '../dist/hash/index.js';
import { cli, startCli, type RunningCli } from './support/cli.js';
import { readmeBlocks, shellCommand, shellWords } from './support/readme.js';
import { cookieCall, until } from './support/testnet.js';

await ready();
const dir = mkdtempSync(join(tmpdir(), 'hashlane-consortium-'));
const running: RunningCli[] = [];
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop('SIGINT', 20_000)));
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const port = (s.address() as AddressInfo).port;
  await new Promise((ok) => s.close(ok));
  return port;
}

/** The README's fixed ports (175xx) -> free ports of this machine, the same one for each. */
const ports = new Map<string, string>();
const mapPorts = async (line: string) => {
  for (const p of new Set(line.match(/\b175\d\d\b/g) ?? [])) if (!ports.has(p)) ports.set(p, String(await freePort()));
  return line.replace(/\b175\d\d\b/g, (p) => ports.get(p)!);
};

const vars: Record<string, string> = {};
const expand = (line: string, raw: string) =>
  line.replace(/\$([A-Z_0-9]+)/g, (_, v: string) => {
    if (vars[v] === undefined) throw new Error(`README walkthrough uses $${v} before it is set: ${raw}`);
    return vars[v]!;
  });

interface Org {
  name: string;
  rpc: string;
  cookie: string;
  proc: RunningCli;
}
const orgs = new Map<string, Org>();

const call = (org: string, method: string, params: unknown[] = []) => cookieCall(orgs.get(org)!.rpc, orgs.get(org)!.cookie, method, params, org);
const tryCall = (org: string, method: string, params: unknown[] = []) => call(org, method, params).catch(() => null);

const keyOf = (org: string) => JSON.parse(readFileSync(join(dir, org, 'consortium-devnet', 'validator.key'), 'utf8')) as { publicKey: string; secretKey: string };
const addresses = async (org = 'org-a') => ((await call(org, 'getvalidators')) as { address: string }[]).map((v) => v.address).sort();

async function startNode(words: string[]): Promise<Org> {
  const name = words[words.indexOf('--data-dir') + 1]!;
  const proc = startCli(words.slice(1), { cwd: dir });
  running.push(proc);
  const rpc = (await proc.waitFor(/hashlane node on consortium-devnet: .*rpc (http:\/\/127\.0\.0\.1:\d+\/)/, 60_000))[1]!;
  const org = { name, rpc, cookie: join(dir, name, 'consortium-devnet', '.cookie'), proc };
  orgs.set(name, org);
  await until(`${name}'s RPC`, () => tryCall(name, 'getblockcount').then((h) => h !== null), 30_000);
  return org;
}

/** Runs one README line as the CLI; captures `# -> VAR`; waits as a user would for what the next line needs. */
async function runLine(raw: string): Promise<string> {
  const line = shellCommand(raw);
  const words = shellWords(expand(await mapPorts(line), raw), dir);
  expect(words[0], raw).toBe('hashlane');
  if (words[1] === 'node') {
    await startNode(words);
    return '';
  }
  const org = words.includes('--data-dir') ? words[words.indexOf('--data-dir') + 1]! : '';
  const isVote = words[1] === 'validator' && words[2] === 'vote';
  let before = 0;
  if (isVote) {
    // A vote costs a fee: its validator must have proposed a block (the reward) on this node's chain.
    const me = keyOf(org).publicKey;
    await until(`${org} to have coins for the fee`, async () => Number((await tryCall(org, 'getaccount', [me]))?.balance ?? 0) > 0, 60_000);
    before = (await call(org, 'getaccount', [me])).nonce;
  }
  const r = await cli(words.slice(1), { cwd: dir, timeoutMs: 60_000 });
  expect(r.code, `${line}\n${r.stderr}`).toBe(0);
  const capture = /#\s*->\s*(\w+)\s*$/.exec(raw)?.[1];
  if (capture) vars[capture] = r.stdout.trim().split('\n')[0]!;
  if (isVote) {
    expect(r.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
    // In a block, on every node that stays (the account's nonce moved past the vote there);
    // the node of a validator being voted out may be cut off by that very block.
    const me = keyOf(org).publicKey;
    const leaving = words[3] === 'remove' ? words[4] : null;
    const stay = [...orgs.keys()].filter((o) => keyOf(o).publicKey !== leaving);
    await until(`${org}'s vote in a block on ${stay.join(', ')}`, async () => (await Promise.all(stay.map((o) => tryCall(o, 'getaccount', [me])))).every((a) => a?.nonce > before), 60_000);
    // The validator set that votes follows the authority state one block later.
    const h = Math.max(...(await Promise.all(stay.map((o) => call(o, 'getblockcount')))));
    await until(`one more block on ${stay.join(', ')}`, async () => (await Promise.all(stay.map((o) => tryCall(o, 'getblockcount')))).every((x) => x !== null && x > h), 60_000);
  }
  return r.stdout;
}

/**
 * A block's lines in steps: consecutive lines of different organisations doing the same
 * thing (each making its key, each casting its vote on one proposal) form one step and run
 * at once, as the organisations would; every other line is a step of its own.
 */
function steps(code: string): string[][] {
  const out: string[][] = [];
  const what = (raw: string) => {
    const w = shellCommand(raw).split(/\s+/);
    return w[1] === 'validator' ? w.slice(0, w[2] === 'vote' ? 5 : 3).join(' ') : null;
  };
  for (const raw of code.split('\n').filter((l) => shellCommand(l))) {
    const last = out[out.length - 1];
    if (last && what(raw) !== null && what(raw) === what(last[0]!)) last.push(raw);
    else out.push([raw]);
  }
  return out;
}

const walkthrough = readmeBlocks().filter((b) => b.marker?.includes('test/bft-consortium.test.ts'));

describe('README walkthrough: a consortium chain of four organisations', () => {
  beforeAll(() => expect(walkthrough, 'the README has the three consortium blocks').toHaveLength(3));

  it('makes four keys and a genesis file naming them', async () => {
    for (const step of steps(walkthrough[0]!.code)) await Promise.all(step.map(runLine));
    const genesis = JSON.parse(readFileSync(join(dir, 'genesis.json'), 'utf8'));
    expect(genesis.chain).toBe('consortium-devnet');
    expect(genesis.validators.map((v: { name: string; publicKey: string; power: string }) => [v.name, v.publicKey, v.power])).toEqual(
      ['a', 'b', 'c', 'd'].map((x) => [`org-${x}`, vars[`KEY_${x.toUpperCase()}`], '1']),
    );
  }, 60_000);

  it('starts the four nodes, which finalize blocks together', async () => {
    const lines = walkthrough[1]!.code.split('\n').filter((l) => shellCommand(l));
    for (const l of lines) await mapPorts(l); // one free port per README port before they start at once
    await Promise.all(lines.map((raw) => runLine(raw)));
    expect([...orgs.keys()].sort()).toEqual(['org-a', 'org-b', 'org-c', 'org-d']);
    await until('all four to finalize height 2', async () => (await Promise.all([...orgs.keys()].map((o) => tryCall(o, 'getblockchaininfo')))).every((i) => i && i.finalized >= 2), 90_000);
  }, 120_000);

  it('votes a fifth organisation in and the fourth out', async () => {
    const outputs: Record<string, string> = {};
    for (const step of steps(walkthrough[2]!.code)) {
      const outs = await Promise.all(step.map(runLine));
      const raw = step[0]!;
      const out = outs[0]!;
      const method = /consortium-devnet (\w+)$/.exec(shellCommand(raw))?.[1];
      if (method) outputs[method] = out;
      if (method === 'getblockchaininfo') expect(JSON.parse(out)).toMatchObject({ chain: 'consortium-devnet', consensus: 'bft' });
      if (method === 'getvalidators' && !vars.KEY_E) expect(JSON.parse(out).map((v: { address: string }) => v.address).sort()).toEqual([vars.KEY_A, vars.KEY_B, vars.KEY_C, vars.KEY_D].sort());
      if (method === 'getproposals') {
        const [p] = JSON.parse(out);
        expect(p).toMatchObject({ action: 'add', subject: vars.KEY_E });
        expect(p.voters.sort()).toEqual([vars.KEY_A, vars.KEY_B].sort());
      }
    }
    expect(JSON.parse(outputs.getvalidators!).map((v: { address: string }) => v.address).sort()).toEqual([vars.KEY_A, vars.KEY_B, vars.KEY_C, vars.KEY_E].sort());
    // Every node agrees, org-e's node included (it synced once it was let in).
    for (const o of ['org-a', 'org-b', 'org-c', 'org-e']) await until(`${o} to see the new set`, async () => JSON.stringify(await addresses(o)) === JSON.stringify([vars.KEY_A, vars.KEY_B, vars.KEY_C, vars.KEY_E].sort()), 30_000);
    // The new set finalizes without org-d: stop its node.
    expect(await orgs.get('org-d')!.proc.stop('SIGINT')).toBe(0);
    orgs.delete('org-d');
    const h = (await call('org-a', 'getblockchaininfo')).finalized;
    await until('the new set to finalize 3 more blocks', async () => (await Promise.all(['org-a', 'org-b', 'org-c', 'org-e'].map((o) => tryCall(o, 'getblockchaininfo')))).every((i) => i && i.finalized >= h + 3), 60_000);
  }, 240_000);
});

describe('the consortium after the walkthrough', () => {
  it('refuses a peer whose key is not in the set', async () => {
    const key = (await cli(['validator', 'key', '--data-dir', 'outsider'], { cwd: dir })).stdout.trim();
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const a = await freePort();
    const r = await freePort();
    const aP2p = ports.get('17521')!;
    const outsider = await startNode(['hashlane', 'node', '--chain', 'consortium-devnet', '--genesis', 'genesis.json', '--data-dir', 'outsider', '--p2p-port', String(a), '--rpc-port', String(r), '--peer', `127.0.0.1:${aP2p}`]);
    const peerIdOf = (await cli(['validator', 'key', '--data-dir', 'outsider', '--peer-id'], { cwd: dir })).stdout.trim().split('\n')[1]!;
    await new Promise((ok) => setTimeout(ok, 6000));
    expect(await call('outsider', 'getconnectioncount')).toBe(0);
    expect(await call('outsider', 'getblockcount')).toBe(0);
    expect(((await call('org-a', 'getpeerinfo')) as { peerid: string }[]).map((p) => p.peerid)).not.toContain(peerIdOf);
    expect(await outsider.proc.stop('SIGINT')).toBe(0);
    orgs.delete('outsider');
  }, 60_000);

  it('removes a validator caught signing two conflicting votes (evidence any node may send)', async () => {
    const cheat = keyOf('org-c');
    const info = await call('org-a', 'getblockchaininfo');
    const height = info.blocks;
    const vote = (seed: number): B.Vote => {
      const blockId = sha256(new Uint8Array([seed, height & 255, height >> 8]));
      const signature = ed25519.sign(B.voteSignBytes(info.chainid, B.PRECOMMIT, height, 0, blockId), Buffer.from(cheat.secretKey, 'hex'));
      return { type: B.PRECOMMIT, height, round: 0, blockId, validator: Buffer.from(cheat.publicKey, 'hex'), signature };
    };
    // Reported by org-a's key (any account with coins for the fee may send it).
    const reporter = keyOf('org-a');
    const acct = await call('org-a', 'getaccount', [reporter.publicKey]);
    const make = (fee: bigint) => createEvidenceTx({ chainId: info.chainid, nonce: acct.nextnonce, fee, evidence: { a: vote(1), b: vote(2) } }, Buffer.from(reporter.secretKey, 'hex'));
    const tx = make(BigInt(encodeTx(make(0n)).length));
    expect(await call('org-a', 'sendrawtransaction', [Buffer.from(encodeTx(tx)).toString('hex')])).toMatch(/^[0-9a-f]{64}$/);
    for (const o of ['org-a', 'org-b', 'org-e']) await until(`${o} to drop org-c from the set`, async () => !(await addresses(o)).includes(cheat.publicKey), 60_000);
    expect(await addresses()).toEqual([vars.KEY_A, vars.KEY_B, vars.KEY_E].sort());
    // The same evidence again is refused: each offence counts once.
    await expect(call('org-a', 'sendrawtransaction', [Buffer.from(encodeTx(tx)).toString('hex')])).rejects.toThrow();
    const h = (await call('org-a', 'getblockchaininfo')).finalized;
    await until('a, b and e to finalize on', async () => (await Promise.all(['org-a', 'org-b', 'org-e'].map((o) => tryCall(o, 'getblockchaininfo')))).every((i) => i && i.finalized >= h + 2), 60_000);
  }, 120_000);
});
