// hashlane testnet on proof of work (what needs no validators), its failure handling,
// --bft-timeouts passed to every node of a bft testnet, and the two commands a consortium
// starts with: validator key and genesis.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './support/cli.js';
import { paramsFromGenesisJson } from '../dist/chain/genesis-file.js';
import * as C from '../dist/chain/index.js';
import { ready } from '../dist/index.js';
import { finalizedAll, samePrefix, startTestnet, until } from './support/testnet.js';


const tmp = mkdtempSync(join(tmpdir(), 'hashlane-testnet-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('hashlane testnet --consensus pow', () => {
  it('starts wired nodes, prints one JSON line each, and stops them all on SIGINT', async () => {
    const net = await startTestnet(['--consensus', 'pow', '--block-interval', '300'], { nodes: 3 });
    try {
      expect(net.nodes.map((n) => n.node)).toEqual([0, 1, 2]);
      for (const n of net.nodes) {
        expect(n.rpc).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
        expect(n.cookie).toBe(join(net.dir, `node-${n.node}`, 'regtest', '.cookie'));
        expect(n.p2p).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${n.peerid}$`));
      }
      // Every node sees the two others, and the blocks node 0 mines reach all of them.
      await until('a full mesh', async () => (await Promise.all([0, 1, 2].map((i) => net.call(i, 'getconnectioncount')))).every((c) => c === 2), 30_000).catch((err) => {
        // What each node's p2p layer said, to tell a lost dial from a ban.
        for (const n of net.nodes) console.log(`node ${n.node} p2p log:\n` + readFileSync(join(net.dir, `node-${n.node}`, 'node.log'), 'utf8').split('\n').filter((l) => /p2p|peer/i.test(l)).slice(-30).join('\n'));
        throw err;
      });
      const h = await until('node 0 to mine 3 blocks', async () => ((await net.call(0, 'getblockcount')) >= 3 ? await net.call(0, 'getblockcount') : null), 30_000);
      const hash = await net.call(0, 'getblockhash', [h]);
      for (const i of [1, 2]) await until(`node ${i} to have block ${h}`, async () => (await net.tryCall(i, 'getblockhash', [h])) === hash, 20_000);
      expect(await net.cli.stop('SIGINT', 30_000)).toBe(0);
      for (const n of net.nodes) expect(alive(n.pid), `node ${n.node} still running after the testnet stopped`).toBe(false);
    } finally {
      await net.stop();
    }
  }, 120_000);

  it('says which node died and stops the others; with --keep-going it keeps them and the node can be restarted', async () => {
    const net = await startTestnet(['--consensus', 'pow', '--miners', '0'], { nodes: 2 });
    try {
      await net.kill(1);
      await net.cli.waitFor(/node 1 exited unexpectedly \(SIGKILL\); its log: .*node-1[/\\]node\.log/, 10_000);
      expect(await net.cli.exit).toBe(1);
      expect(alive(net.nodes[0]!.pid)).toBe(false);
    } finally {
      await net.stop();
    }
    const kept = await startTestnet(['--consensus', 'pow', '--miners', '0', '--keep-going'], { nodes: 2 });
    try {
      await kept.kill(1);
      await kept.cli.waitFor(/node 1 exited unexpectedly/, 10_000);
      expect(await kept.call(0, 'getblockcount')).toBe(0);
      await kept.restart(1);
      await until('node 1 to reconnect', async () => (await kept.call(0, 'getconnectioncount')) === 1 && (await kept.call(1, 'getconnectioncount')) === 1, 30_000);
    } finally {
      await kept.stop();
    }
  }, 120_000);

  it('refuses what it cannot run, in one line', async () => {
    const pos = await cli(['testnet', '--consensus', 'pos', '--miners', '2', '--data-dir', join(tmp, 'pos')]);
    expect(pos.code).toBe(2);
    expect(pos.stderr).toMatch(/^hashlane testnet: --miners with --consensus pos; expected --consensus pow \(validators, not miners, make the blocks\)\n$/);
    const none = await cli(['testnet', '--data-dir', join(tmp, 'none')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^hashlane testnet: .*--consensus/);
    const ports = await cli(['testnet', '--consensus', 'pow', '--nodes', '4', '--base-port', '65530', '--data-dir', join(tmp, 'ports')]);
    expect(ports.code).toBe(2);
    expect(ports.stderr).toMatch(/runs past port 65535; expected a base port <= 65524/);
    const miners = await cli(['testnet', '--consensus', 'pow', '--nodes', '2', '--miners', '3', '--data-dir', join(tmp, 'm')]);
    expect(miners.stderr).toMatch(/--miners 3 is more than --nodes 2/);
    const many = await cli(['testnet', '--consensus', 'pow', '--nodes', '1000']);
    expect(many.code).toBe(2);
    expect(many.stderr).toMatch(/--nodes 1000 is out of range; expected an integer in 1\.\.64/);
  }, 60_000);
});

describe('hashlane testnet --bft-timeouts', () => {
  it('refuses it on proof of work and hostile values, with exit code 2', async () => {
    const pow = await cli(['testnet', '--consensus', 'pow', '--bft-timeouts', '300,300,300,100', '--data-dir', join(tmp, 'pow-t')]);
    expect(pow.code).toBe(2);
    expect(pow.stderr).toMatch(/^hashlane testnet: --bft-timeouts with --consensus pow; expected --consensus bft, pos or dpos/);
    const bad = await cli(['testnet', '--consensus', 'bft', '--bft-timeouts', '300,300,300,5', '--data-dir', join(tmp, 'bad-t')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^hashlane testnet: --bft-timeouts "300,300,300,5": commit 5 ms is out of range; expected four integers of milliseconds/);
  }, 60_000);

  it('passes the timeouts to every node; the chain (genesis) is the same and it finalizes', async () => {
    const net = await startTestnet(['--consensus', 'bft', '--bft-timeouts', '300,300,300,100'], { nodes: 2 });
    try {
      const chainT = C.consortiumDevnetParams.bftTimeouts!;
      for (const i of [0, 1]) expect((await net.call(i, 'getconsensusstate')).timeouts, `node ${i}`).toEqual({ ...chainT, propose: 300, prevote: 300, precommit: 300, commit: 100 });
      // The genesis hash is the genesis file's, flag or not: timeouts are not consensus.
      await ready();
      const params = paramsFromGenesisJson(JSON.parse(readFileSync(join(net.dir, 'genesis.json'), 'utf8')));
      expect(await net.call(0, 'getblockhash', [0])).toBe(C.toDisplayHex(C.blockHash(C.genesisBlock(params).header)));
      const infos = await finalizedAll(net, 3, undefined, 60_000);
      await samePrefix(net, Math.min(...infos.map((x) => x!.finalized)));
      const saved = JSON.parse(readFileSync(join(net.dir, 'testnet.json'), 'utf8')) as { nodes: { args: string[] }[] };
      for (const n of saved.nodes) expect(n.args.join(' ')).toContain('--bft-timeouts 300,300,300,100');
    } finally {
      await net.stop();
    }
  }, 120_000);
});

describe('hashlane validator key', () => {
  it('creates the key once and prints the same public key on every later call', async () => {
    const dir = join(tmp, 'org-a');
    const first = await cli(['validator', 'key', '--data-dir', dir, '--peer-id']);
    expect(first.code, first.stderr).toBe(0);
    const [pub, peer] = first.stdout.trim().split('\n');
    expect(pub).toMatch(/^[0-9a-f]{64}$/);
    expect(peer).toMatch(/^12D3KooW/);
    expect(first.stderr).toContain(`created the validator key ${join(dir, 'consortium-devnet', 'validator.key')}`);
    const again = await cli(['validator', 'key', '--data-dir', dir]);
    expect(again.stdout).toBe(`${pub}\n`);
    expect(again.stderr).toMatch(/^using the validator key/);
    const out = join(tmp, 'elsewhere', 'v.key');
    const other = await cli(['validator', 'key', '--out', out]);
    expect(other.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(other.stdout).not.toBe(first.stdout.split('\n')[0] + '\n');
  });

  it('refuses a file that is not a key instead of replacing it', async () => {
    const bad = join(tmp, 'bad.key');
    writeFileSync(bad, 'not a key');
    const r = await cli(['validator', 'key', '--out', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^hashlane validator key: .*bad\.key: not JSON; .*; expected the key file "hashlane validator key" writes\n$/);
    expect(readFileSync(bad, 'utf8')).toBe('not a key');
  });
});

describe('hashlane genesis', () => {
  const a = 'a'.repeat(64);
  const b = 'b'.repeat(64);
  it('writes the validators with equal power and the send allowlist', async () => {
    const out = join(tmp, 'genesis.json');
    const r = await cli(['genesis', '--validator', `org-a=${a}`, '--validator', `org-b=${b}`, '--allow', 'c'.repeat(64), '--chain-id', '7', '--genesis-time', '1700000000', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({
      chain: 'consortium-devnet',
      chainId: 7,
      genesisTime: 1700000000,
      validators: [
        { name: 'org-a', publicKey: a, power: '1' },
        { name: 'org-b', publicKey: b, power: '1' },
      ],
      sendAllowlist: ['c'.repeat(64)],
    });
    const printed = await cli(['genesis', '--validator', `org-a=${a}`]);
    expect(JSON.parse(printed.stdout).validators).toEqual([{ name: 'org-a', publicKey: a, power: '1' }]);
  });

  it.each([
    [[], /no --validator; expected at least one --validator <name>=<public key>/],
    [['--validator', 'org-a'], /is not name=key/],
    [['--validator', 'org-a=abcd'], /the key has 4 hex digits; expected a 32-byte Ed25519 public key/],
    [['--validator', `org-a=${a}`, '--validator', `org-a=${b}`], /--validator org-a is given twice/],
    [['--validator', `org-a=${a}`, '--validator', `org-b=${a}`], /--validator org-b has the same key as org-a/],
    [['--validator', `org a=${a}`], /--validator name "org a" is not allowed/],
    [['--validator', `org-a=${a}`, '--allow', 'xyz'], /--allow "xyz" is not an account/],
    [['--validator', `org-a=${a}`, '--chain', 'devnet'], /--chain "devnet" is not allowed; expected one of: consortium-devnet/],
  ])('refuses %j', async (args, message) => {
    const r = await cli(['genesis', ...(args as string[])]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stdout).toBe('');
  });
});
