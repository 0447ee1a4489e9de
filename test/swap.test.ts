// Atomic swaps across two independently running regtest networks (two node processes with
// different chain ids, and a second node of chain A for a reorg): the README walkthrough
// through the CLI, refunds on both sides, a reorg that removes a lock before its
// confirmations, and the chain refusing wrong / wrong-size secrets, late and double claims.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../dist/index.js';
import * as C from '../dist/chain/index.js';
import { sha256 } from '../dist/hash/index.js';
import * as swap from '../dist/swap/index.js';
import { ed25519 } from '../dist/sig/index.js';
import { cli, startCli, type RunningCli } from './support/cli.js';
import { readmeBlocks, shellCommand, shellWords } from './support/readme.js';

await ready();
const CHAIN_B_ID = 0x686c7262; // "hlrb"
let dir: string;
const nodes: RunningCli[] = [];
type Net = swap.ChainEndpoint & { rpc: string; dataDir: string; chain: string };
let A: Net;
let A2: Net;
let B: Net;

async function startNode(name: string, extra: string[] = []): Promise<Net> {
  const dataDir = join(dir, name);
  const n = startCli(['node', '--chain', 'regtest', '--data-dir', dataDir, '--bind', '127.0.0.1', '--p2p-port', '0', '--rpc-port', '0', '--no-stratum', ...extra]);
  nodes.push(n);
  const url = (await n.waitFor(/rpc (http:\/\/127\.0\.0\.1:\d+\/)/, 60_000))[1]!;
  return { rpc: url, dataDir, chain: 'regtest', label: name };
}

const rpc = (c: swap.ChainEndpoint, method: string, params: unknown[] = []) => import('../dist/cli/rpc-client.js').then((m) => m.rpcCall(c, method, params)) as Promise<any>;
const mine = (c: swap.ChainEndpoint, n = 1, to?: Uint8Array) => (to ? rpc(c, 'generatetoaddress', [n, C.toHex(to)]) : rpc(c, 'generate', [n]));
const h = (c: swap.ChainEndpoint) => swap.height(c);

beforeAll(async () => {
  await ready();
  dir = await mkdtemp(join(tmpdir(), 'hashlane-swap-'));
  [A, B, A2] = await Promise.all([startNode('a'), startNode('b', ['--chain-id', String(CHAIN_B_ID)]), startNode('a2')]);
}, 120_000);
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop('SIGINT')));
  await rm(dir, { recursive: true, force: true });
});

const key = (seed: number) => {
  const sk = sha256(new Uint8Array([seed, 0x18]));
  return { sk, pk: ed25519.getPublicKey(sk), hex: C.toHex(ed25519.getPublicKey(sk)) };
};

describe('two independent chains', () => {
  it('have different chain ids and genesis blocks', async () => {
    const [ia, ib, ia2] = await Promise.all([rpc(A, 'getblockchaininfo'), rpc(B, 'getblockchaininfo'), rpc(A2, 'getblockchaininfo')]);
    expect(ia.chainid).toBe(C.regtestParams.chainId);
    expect(ib.chainid).toBe(CHAIN_B_ID);
    expect(ib.genesis).not.toBe(ia.genesis);
    expect(ia2.genesis).toBe(ia.genesis);
  });
});

describe('README walkthrough: a stablecoin issued on chain B swapped for chain A coin (CLI)', () => {
  it('runs the walkthrough block as written and prints a timeline', async () => {
    const block = readmeBlocks().find((b) => b.marker?.includes('test/swap.test.ts') && b.code.includes(' initiate '));
    expect(block, 'the README has the walkthrough block').toBeDefined();
    const cwd = join(dir, 'walkthrough');
    await import('node:fs/promises').then((fs) => fs.mkdir(cwd, { recursive: true }));
    const vars: Record<string, string> = { A: A.rpc, B: B.rpc, DA: A.dataDir, DB: B.dataDir };
    const timeline: string[] = [];
    for (const raw of block!.code.split('\n')) {
      const line = shellCommand(raw);
      if (!line) continue;
      const capture = /#\s*->\s*(.*)$/.exec(raw)?.[1];
      const words = shellWords(line.replace(/\$([A-Z_0-9]+)/g, (_, v: string) => {
        if (vars[v] === undefined) throw new Error(`README walkthrough uses $${v} before it is set: ${raw}`);
        return vars[v]!;
      }), cwd);
      expect(words[0]).toBe('hashlane');
      const r = await cli(words.slice(1), { cwd, env: { HASHLANE_PASSPHRASE: 'walkthrough' }, timeoutMs: 60_000 });
      expect(r.code, `${line}\n${r.stderr}`).toBe(0);
      for (const c of capture?.split(/\s+/).filter(Boolean) ?? []) {
        const [name, field] = c.split('=');
        vars[name!] = field ? String(JSON.parse(r.stdout)[field.replace(/^\./, '')]) : r.stdout.trim();
      }
      const verb = words.find((w) => ['issue', 'mint', 'initiate', 'participate', 'audit', 'redeem', 'extract-secret'].includes(w));
      if (verb) timeline.push(`${verb.padEnd(14)} ${words.includes('--keystore') ? words[words.indexOf('--keystore') + 1]!.replace('.json', '').padEnd(6) : '      '} on ${words[words.indexOf('--rpc') + 1] === A.rpc ? 'A' : 'B'}: heights after it A ${await h(A)}, B ${await h(B)}`);
      if (/asset balance/.test(line)) expect(r.stdout.trim()).toBe('2500.000000 USDX');
    }
    console.log(`swap timeline (heights after each step):\n  ${timeline.join('\n  ')}`);
    // Bob was paid on A, Alice on B; the locks are settled.
    const [la, lb] = [(await swap.getHtlc(A, vars.HTLC_A!))!, (await swap.getHtlc(B, vars.HTLC_B!))!];
    expect(la.state).toBe('claimed');
    expect(lb.state).toBe('claimed');
    // The rules as heights: B's lock after A's, B's timeout the shorter, each claim before its timeout, B first.
    expect(lb.timeout - lb.lockedat).toBeLessThanOrEqual((la.timeout - la.lockedat) / 2);
    expect(lb.resolvedat!).toBeLessThan(lb.timeout);
    expect(la.resolvedat!).toBeLessThan(la.timeout);
    console.log(`mined: A lock at A ${la.lockedat} (timeout ${la.timeout}); B lock at B ${lb.lockedat} (timeout ${lb.timeout}); Alice's claim at B ${lb.resolvedat}; Bob's claim at A ${la.resolvedat}`);
    expect(BigInt((await rpc(A, 'getbankaccount', [vars.BOB])).balance)).toBeGreaterThan(10_0000_0000n);
  }, 300_000);
});

describe('hashlane wallet asset and swap CLI', () => {
  it('asset send, freeze (a frozen account cannot send), unfreeze, burn, info, list; swap usage and audit errors', async () => {
    const cwd = join(dir, 'cli');
    await import('node:fs/promises').then((fs) => fs.mkdir(cwd, { recursive: true }));
    const env = { HASHLANE_PASSPHRASE: 'cli test' };
    const run = async (args: string[], code = 0) => {
      const r = await cli(args, { cwd, env, timeoutMs: 60_000 });
      expect(r.code, `${args.join(' ')}\n${r.stdout}${r.stderr}`).toBe(code);
      return r;
    };
    const onB = ['--rpc', B.rpc, '--data-dir', B.dataDir, '--chain', 'regtest'];
    const issuer = (await run(['wallet', '--keystore', 'i.json', 'create', '--kdf-memory', '8'])).stdout.trim();
    const holder = (await run(['wallet', '--keystore', 'h.json', 'create', '--kdf-memory', '8'])).stdout.trim();
    await mine(B, 1, C.fromHex(issuer));
    await mine(B, 1, C.fromHex(holder));
    const id = (await run(['wallet', '--keystore', 'i.json', ...onB, 'asset', 'issue', 'EURX', 'Euro token', '--decimals', '2', '--initial', '1000'])).stdout.trim();
    await mine(B);
    await run(['wallet', '--keystore', 'i.json', ...onB, 'asset', 'send', id, holder, '250.5']);
    await mine(B);
    expect((await run(['wallet', ...onB, 'asset', 'balance', id, holder])).stdout.trim()).toBe('250.50 EURX');
    await run(['wallet', '--keystore', 'i.json', ...onB, 'asset', 'freeze', id, holder]);
    await mine(B);
    expect((await run(['wallet', ...onB, 'asset', 'balance', id, holder])).stdout.trim()).toBe('250.50 EURX (frozen)');
    await run(['wallet', '--keystore', 'h.json', ...onB, 'asset', 'send', id, issuer, '1']);
    await mine(B);
    expect((await rpc(B, 'getbalance', [holder, id]))).toBe('250.50');
    await run(['wallet', '--keystore', 'i.json', ...onB, 'asset', 'unfreeze', id, holder]);
    await mine(B);
    await run(['wallet', '--keystore', 'h.json', ...onB, 'asset', 'send', id, issuer, '1']);
    await run(['wallet', '--keystore', 'i.json', ...onB, 'asset', 'burn', id, '100']);
    await mine(B);
    expect((await rpc(B, 'getbalance', [holder, id]))).toBe('249.50');
    const info = JSON.parse((await run(['wallet', ...onB, 'asset', 'info', id])).stdout);
    expect(info).toMatchObject({ symbol: 'EURX', supply: '900.00', burned: '100.00', powers: ['mint', 'burn', 'freeze'] });
    expect((await run(['wallet', ...onB, 'asset', 'list'])).stdout).toContain(`${id} EURX 900.00 (Euro token)`);
    // Usage errors (exit 2) and a failed audit (exit 1), one line each.
    const bad = await run(['swap', ...onB, 'redeem', 'zz', '00'], 2);
    expect(bad.stderr.trim()).toBe('hashlane swap redeem: <htlc> "zz" is not 32 bytes of hex; expected 64 hex digits');
    const missing = await run(['swap', ...onB, 'audit', 'ab'.repeat(32), '--amount', '1', '--recipient', holder], 1);
    expect(missing.stderr).toMatch(/^hashlane swap audit: .*has no HTLC .*expected a lock\n$/);
    const none = await run(['swap', ...onB, 'extract-secret', 'cd'.repeat(32)], 1);
    expect(none.stderr).toMatch(/no claim on this chain revealed the secret/);
  }, 240_000);
});

describe('swap library across the two running chains', () => {
  const alice = key(1);
  const bob = key(2);
  const amountA = 5_0000_0000n; // 5 coins on A
  let usdx: string;

  beforeAll(async () => {
    await mine(A, 2, alice.pk);
    await mine(A, 1, bob.pk);
    await mine(B, 2, bob.pk);
    await mine(B, 1, alice.pk);
    // Bob issues a token on B and keeps 10,000 of it.
    const nonce = (await rpc(B, 'getaccount', [bob.hex])).nextnonce;
    await swap.submitSigned(B, bob.sk, C.AssetKind.Issue, { symbol: 'BUSD', name: 'B dollar', decimals: 2, maxSupply: 0n, powers: 7, initialSupply: 1_000_000n });
    await mine(B);
    usdx = C.toHex(C.assetId(bob.pk, nonce));
    expect((await rpc(B, 'getasset', [usdx])).supply).toBe('10000.00');
  }, 60_000);

  /** Alice locks on A, Bob audits and locks on B; returns the swap. */
  async function open(timeoutBlocks = 20) {
    const s = (await swap.newSecret());
    const tA = (await h(A)) + timeoutBlocks;
    const la = await swap.lock(A, alice.sk, { recipient: bob.hex, amount: amountA, hashlock: s.hashlock, timeout: tA });
    await mine(A);
    const au = await swap.audit(A, la.htlc, { amount: amountA, recipient: bob.hex, hashlock: s.hashlock, minRemaining: 4, confirmations: 1 });
    const tB = swap.participantTimeout(au.remaining, await h(B));
    expect(tB - (await h(B))).toBeLessThanOrEqual(Math.floor(au.remaining / 2));
    const lb = await swap.lock(B, bob.sk, { recipient: alice.hex, amount: 25_000n, asset: usdx, hashlock: s.hashlock, timeout: tB });
    await mine(B);
    return { ...s, htlcA: la.htlc, htlcB: lb.htlc, tA, tB };
  }

  it('refuses a participant timeout longer than half the initiator time left', () => {
    expect(() => swap.participantTimeout(20, 100, 11)).toThrow(/more than half/);
    expect(swap.participantTimeout(20, 100)).toBe(110);
    expect(() => swap.participantTimeout(3, 100)).toThrow(/at least 4/);
  });

  it('audit names every mismatch: amount, recipient, hashlock, time left, confirmations', async () => {
    const s = (await swap.newSecret());
    const la = await swap.lock(A, alice.sk, { recipient: bob.hex, amount: amountA, hashlock: s.hashlock, timeout: (await h(A)) + 6 });
    await mine(A);
    const err = await swap.audit(A, la.htlc, { amount: amountA + 1n, recipient: alice.hex, hashlock: (await swap.newSecret()).hashlock, minRemaining: 10, confirmations: 3 }).catch((e) => e);
    expect(err).toBeInstanceOf(swap.SwapError);
    for (const what of ['amount is', 'recipient is', 'hashlock is', 'blocks remain', 'confirmation']) expect(err.message).toContain(what);
  });

  it('watch: the participant redeems on A as soon as the initiator reveals the secret on B', async () => {
    const s = await open();
    const steps: string[] = [`locks: A ${await h(A)} (timeout ${s.tA}) | B ${await h(B)} (timeout ${s.tB})`];
    const bobWatch = swap.watch({ sk: bob.sk, own: { chain: B, htlc: s.htlcB }, other: { chain: A, htlc: s.htlcA, expect: { amount: amountA, minRemaining: 0, confirmations: 1 } }, pollMs: 50, deadlineMs: 60_000 });
    const aliceWatch = swap.watch({ sk: alice.sk, secret: s.secret, own: { chain: A, htlc: s.htlcA }, other: { chain: B, htlc: s.htlcB, expect: { amount: 25_000n, asset: usdx, hashlock: s.hashlock, minRemaining: 0, confirmations: 1 } }, pollMs: 50, deadlineMs: 60_000 });
    let done = false;
    const settled = Promise.all([aliceWatch, bobWatch]).finally(() => (done = true));
    // Both networks keep producing blocks while the watchers act.
    while (!done) {
      await Promise.all([mine(A), mine(B)]);
      await new Promise((r) => setTimeout(r, 150));
    }
    const [ra, rb] = await settled;
    expect(ra.redeemed).toMatch(/^[0-9a-f]{64}$/);
    expect(rb.redeemed).toMatch(/^[0-9a-f]{64}$/);
    expect(ra.refunded).toBeNull();
    const [ha, hb] = [await swap.getHtlc(A, s.htlcA), await swap.getHtlc(B, s.htlcB)];
    expect(hb!.state).toBe('claimed');
    expect(ha!.state).toBe('claimed');
    expect(ha!.resolvedat!).toBeLessThan(s.tA);
    expect(ha!.resolvedat!).toBeGreaterThanOrEqual(ha!.lockedat);
    steps.push(`alice claims on B at ${hb!.resolvedat}, bob claims on A at ${ha!.resolvedat}`);
    console.log(`watch timeline: ${steps.join('; ')}`);
  }, 120_000);

  it('participant never locks: the initiator refunds at the timeout (and not before)', async () => {
    const s = (await swap.newSecret());
    const tA = (await h(A)) + 5;
    const la = await swap.lock(A, alice.sk, { recipient: bob.hex, amount: amountA, hashlock: s.hashlock, timeout: tA });
    await mine(A);
    await expect(swap.refund(A, alice.sk, la.htlc)).rejects.toThrow(/more block/);
    const before = BigInt((await rpc(A, 'getbankaccount', [alice.hex])).balance);
    const watching = swap.watch({ sk: alice.sk, secret: s.secret, own: { chain: A, htlc: la.htlc }, other: { chain: B, htlc: '00'.repeat(32), expect: { amount: 1n, minRemaining: 0, confirmations: 1 } }, pollMs: 50, deadlineMs: 60_000 });
    let done = false;
    watching.finally(() => (done = true));
    while (!done) {
      await mine(A);
      await new Promise((r) => setTimeout(r, 100));
    }
    const r = await watching;
    expect(r.refunded).toMatch(/^[0-9a-f]{64}$/);
    const hA = await swap.getHtlc(A, la.htlc);
    expect(hA!.state).toBe('refunded');
    expect(hA!.resolvedat!).toBeGreaterThanOrEqual(tA);
    expect(BigInt((await rpc(A, 'getbankaccount', [alice.hex])).balance)).toBeGreaterThan(before);
  }, 120_000);

  it('initiator never redeems: the participant refunds on B at its timeout, then the initiator on A at its own', async () => {
    const s = await open(12);
    const bobR = swap.watch({ sk: bob.sk, own: { chain: B, htlc: s.htlcB }, other: { chain: A, htlc: s.htlcA, expect: { amount: amountA, minRemaining: 0, confirmations: 1 } }, pollMs: 50, deadlineMs: 90_000 });
    const aliceR = swap.watch({ sk: alice.sk, own: { chain: A, htlc: s.htlcA }, other: { chain: B, htlc: s.htlcB, expect: { amount: 25_000n, asset: usdx, minRemaining: 0, confirmations: 1 } }, pollMs: 50, deadlineMs: 90_000 });
    let done = false;
    const both = Promise.all([bobR, aliceR]).finally(() => (done = true));
    while (!done) {
      await Promise.all([mine(A), mine(B)]);
      await new Promise((r) => setTimeout(r, 100));
    }
    const [rb, ra] = await both;
    expect(rb.refunded).toMatch(/^[0-9a-f]{64}$/);
    expect(ra.refunded).toMatch(/^[0-9a-f]{64}$/);
    const [hA, hB] = [await swap.getHtlc(A, s.htlcA), await swap.getHtlc(B, s.htlcB)];
    expect(hB!.state).toBe('refunded');
    expect(hA!.state).toBe('refunded');
    expect(hB!.resolvedat!).toBeGreaterThanOrEqual(s.tB);
    expect(hA!.resolvedat!).toBeGreaterThanOrEqual(s.tA);
    console.log(`refund timeline: A lock timeout ${s.tA} refunded at ${hA!.resolvedat} | B lock timeout ${s.tB} refunded at ${hB!.resolvedat}`);
  }, 150_000);

  it('a reorg on A removes the lock before its confirmations: the participant never acts', async () => {
    // A2 is a second node of chain A that has not seen A's blocks: bring it to A's chain first.
    for (let i = (await h(A2)) + 1; i <= (await h(A)); i++) await rpc(A2, 'submitblock', [await rpc(A, 'getblock', [await rpc(A, 'getblockhash', [i]), 0])]);
    expect(await rpc(A2, 'getbestblockhash')).toBe(await rpc(A, 'getbestblockhash'));
    const s = (await swap.newSecret());
    const bobNonceB = (await rpc(B, 'getaccount', [bob.hex])).nonce;
    const la = await swap.lock(A, alice.sk, { recipient: bob.hex, amount: amountA, hashlock: s.hashlock, timeout: (await h(A)) + 30 });
    await mine(A);
    const lockHeight = await h(A);
    // Bob wants 3 confirmations: with 1 he refuses.
    const first = await swap.audit(A, la.htlc, { amount: amountA, recipient: bob.hex, hashlock: s.hashlock, minRemaining: 4, confirmations: 3 }).catch((e) => e);
    expect(first.message).toMatch(/1 confirmation, expected 3/);
    // A competing, longer branch without the lock (mined on A2) reaches A.
    await mine(A2, 3);
    for (let i = lockHeight; i <= (await h(A2)); i++) await rpc(A, 'submitblock', [await rpc(A2, 'getblock', [await rpc(A2, 'getblockhash', [i]), 0])]);
    expect(await rpc(A, 'getbestblockhash')).toBe(await rpc(A2, 'getbestblockhash'));
    expect(await swap.getHtlc(A, la.htlc)).toBeNull();
    const again = await swap.audit(A, la.htlc, { amount: amountA, recipient: bob.hex, hashlock: s.hashlock, minRemaining: 4, confirmations: 3 }).catch((e) => e);
    expect(again.reason).toBe('audit-missing');
    // Bob sent nothing on B.
    expect((await rpc(B, 'getaccount', [bob.hex])).nonce).toBe(bobNonceB);
    console.log(`reorg timeline: lock mined on A at ${lockHeight}; A2's branch ${lockHeight}..${await h(A2)} replaced it before 3 confirmations; B stayed at ${await h(B)} with no lock`);
  }, 120_000);

  it('the chain refuses a wrong-size secret, a wrong secret, a claim after the timeout and a double claim', async () => {
    const s = await open(20);
    const send = (body: C.HtlcClaimBody) => swap.submitSigned(B, alice.sk, C.HtlcKind.Claim, body);
    // The library refuses before spending a fee...
    await expect(swap.redeem(B, alice.sk, s.htlcB, '00'.repeat(31))).rejects.toThrow(/31 bytes; expected exactly 32/);
    await expect(swap.redeem(B, alice.sk, s.htlcB, 'ab'.repeat(32))).rejects.toThrow(/not the hashlock/);
    // ...and the chain itself: a wrong size never enters the mempool,
    await expect(send({ id: C.fromHex(s.htlcB), secret: new Uint8Array(33) })).rejects.toThrow(/bad-htlc-secret-size/);
    // a wrong secret is mined as a failed claim (fee paid, the HTLC stays open).
    await send({ id: C.fromHex(s.htlcB), secret: new Uint8Array(32).fill(0xab) });
    await mine(B);
    expect((await swap.getHtlc(B, s.htlcB))!.state).toBe('open');
    await swap.redeem(B, alice.sk, s.htlcB, s.secret);
    await mine(B);
    expect((await swap.getHtlc(B, s.htlcB))!.state).toBe('claimed');
    // Double claim: the library and the chain refuse.
    await expect(swap.redeem(B, alice.sk, s.htlcB, s.secret)).rejects.toThrow(/already claimed/);
    const balance = (await rpc(B, 'getassetbalance', [alice.hex, usdx])).units;
    await send({ id: C.fromHex(s.htlcB), secret: C.fromHex(s.secret) });
    await mine(B);
    expect((await rpc(B, 'getassetbalance', [alice.hex, usdx])).units).toBe(balance);
    // Claim after the timeout: Bob lets A's lock run out, then his claim is refused.
    while ((await h(A)) + 1 < s.tA) await mine(A, Math.min(10, s.tA - (await h(A)) - 1));
    await mine(A);
    await expect(swap.redeem(A, bob.sk, s.htlcA, s.secret)).rejects.toThrow(/timed out/);
    await swap.submitSigned(A, bob.sk, C.HtlcKind.Claim, { id: C.fromHex(s.htlcA), secret: C.fromHex(s.secret) });
    await mine(A);
    expect((await swap.getHtlc(A, s.htlcA))!.state).toBe('open');
    await swap.refund(A, alice.sk, s.htlcA);
    await mine(A);
    expect((await swap.getHtlc(A, s.htlcA))!.state).toBe('refunded');
  }, 120_000);
});
