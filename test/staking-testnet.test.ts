// `hashlane testnet --consensus pos|dpos --nodes 4` as real processes: the README's two lines
// on ephemeral ports. pos: the four validators finalize; stake moves between them (delegate,
// undelegate, redelegate signed with the validator keys of the data dirs and sent with
// sendrawtransaction; `hashlane wallet delegate|undelegate` from a wallet funded meanwhile)
// and they keep finalizing; from the epoch boundary on, every node's set has power = the new
// stakes; every account's pending reward equals a replay of Stake/TotalStake x (reward +
// fees) over every block, integer-exact with the module's carry; a validator whose two
// conflicting precommits the test signs with its key is slashed 5 % (its delegator too; its
// unbonding stake, which began before the offence, is spared), jailed for ever (tombstoned)
// and out of the set, and the other three go on. dpos: the four
// delegates finalize with equal power and equal rewards. And `hashlane genesis` for these
// presets (--stake, --fund).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../dist/index.js';
import * as B from '../dist/bft/index.js';
import * as C from '../dist/chain/index.js';
import { createEvidenceTx } from '../dist/chain/modules/bft/builders.js';
import { SCALE } from '../dist/chain/modules/staking/rewards.js';
import { TESTNET_FUNDS } from '../dist/cli/testnet.js';
import { sha256 } from '../dist/hash/index.js';
import { ed25519 } from '../dist/sig/index.js';
import { cli } from './support/cli.js';
import { readmeBlocks, shellCommand, shellWords } from './support/readme.js';
import { finalizedAll, startTestnet, until, type Testnet } from './support/testnet.js';

await ready();
const COIN = 100_000_000n;
const registry = new C.ModuleRegistry([...C.builtinModules, C.staking, C.dpos]);
const tmp = mkdtempSync(join(tmpdir(), 'hashlane-staking-testnet-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The README's `hashlane testnet --consensus <consensus>` line, as arguments after `hashlane`. */
function readmeTestnet(consensus: string): { args: string[]; nodes: number } {
  const block = readmeBlocks().find((b) => b.marker?.includes('test/staking-testnet.test.ts'));
  expect(block, 'the README shows hashlane testnet --consensus pos/dpos').toBeDefined();
  const line = block!.code.split('\n').find((l) => l.includes(`--consensus ${consensus} `));
  expect(line, `the README block has a --consensus ${consensus} line`).toBeDefined();
  const words = shellWords(shellCommand(line!), tmp);
  expect(words.slice(0, 2)).toEqual(['hashlane', 'testnet']);
  return { args: words.slice(2), nodes: Number(words[words.indexOf('--nodes') + 1]) };
}

interface Key {
  hex: string;
  pk: Uint8Array;
  sk: Uint8Array;
}
const keyIn = (net: Testnet, i: number): Key => {
  const k = JSON.parse(readFileSync(join(net.dir, `node-${i}`, 'validator.key'), 'utf8')) as { publicKey: string; secretKey: string };
  return { hex: k.publicKey, pk: C.fromHex(k.publicKey), sk: C.fromHex(k.secretKey) };
};

/** Signs a transaction with `k` (fee: a base unit per byte), sends it to node i; the txid. */
async function send(net: Testnet, i: number, k: Key, build: (a: { chainId: number; nonce: number; fee: bigint }) => C.Transaction): Promise<string> {
  const info = await net.call(i, 'getblockchaininfo');
  const acct = await net.call(i, 'getaccount', [k.hex]);
  const make = (fee: bigint) => build({ chainId: info.chainid, nonce: acct.nextnonce, fee });
  const tx = make(BigInt(C.encodeTx(make(0n), registry).length));
  return net.call(i, 'sendrawtransaction', [C.toHex(C.encodeTx(tx, registry))]);
}
const signed = (k: Key, kind: number, body: unknown) => (a: { chainId: number; nonce: number; fee: bigint }) =>
  C.signTx({ ...a, kind, from: k.pk, body }, k.sk, registry) as C.Transaction;

/** The height of the block that holds `txid` (as node i sees it). */
const included = (net: Testnet, i: number, txid: string) =>
  until(`tx ${txid.slice(0, 12)} in a block`, async () => (await net.tryCall(i, 'gettransaction', [txid]))?.blockheight as number | undefined, 60_000);

/** The fees of every block 1..upTo and whether its coinbase claimed nothing, read once per height. */
const blockCache = new Map<number, bigint>();
async function feesUpTo(net: Testnet, upTo: number): Promise<bigint[]> {
  for (let h = 1; h <= upTo; h++) {
    if (blockCache.has(h)) continue;
    const b = await net.call(0, 'getblock', [await net.call(0, 'getblockhash', [h]), 2]);
    // The staking module pays reward + fees; a template claiming any would shrink what it pays.
    expect(b.tx[0].kind, `block ${h}`).toBe('coinbase');
    expect(C.parseAmount(b.tx[0].amount, 8), `block ${h}'s coinbase claims nothing`).toBe(0n);
    let fees = 0n;
    for (const tx of b.tx) fees += C.parseAmount(tx.fee, 8);
    blockCache.set(h, fees);
  }
  return Array.from({ length: upTo }, (_, i) => blockCache.get(i + 1)!);
}

/**
 * The reward ledger replayed from outside: per block, amount = subsidy + fees (the coinbase
 * claims nothing), split over the bonded stake of non-jailed validators after the block's
 * transactions as the module does it (rewards.ts): per unit of stake floor((amount x SCALE +
 * carry) / T), the remainder carried to the next block. Every pool here has shares = tokens
 * (no slash of a bonded pool, commission 0), so a position of s shares earns s x that.
 */
class Ledger {
  /** `${account}/${validator}` -> shares, as of the current replay height. */
  positions = new Map<string, bigint>();
  jailed = new Set<string>();
  private events = new Map<number, (() => void)[]>();

  at(height: number, change: () => void): void {
    this.events.set(height, [...(this.events.get(height) ?? []), change]);
  }
  move(account: string, validator: string, delta: bigint): void {
    const k = `${account}/${validator}`;
    this.positions.set(k, (this.positions.get(k) ?? 0n) + delta);
  }
  /** A validator's bonded stake once every recorded change is applied to `genesis`. */
  stakeAfter(genesis: Map<string, bigint>, validator: string): bigint {
    this.positions = new Map(genesis);
    for (const h of [...this.events.keys()].sort((a, b) => a - b)) for (const e of this.events.get(h)!) e();
    let t = 0n;
    for (const [k, s] of this.positions) if (k.endsWith(`/${validator}`)) t += s;
    return t;
  }

  /** Replays blocks 1..fees.length on a copy of the genesis positions; what each account earned (scaled), the carry and the coins issued. */
  replay(genesis: Map<string, bigint>, fees: bigint[]): { earned: Map<string, bigint>; carry: bigint; issued: bigint } {
    this.positions = new Map(genesis);
    this.jailed = new Set();
    const earned = new Map<string, bigint>();
    let carry = 0n;
    let issued = 0n;
    fees.forEach((fee, i) => {
      const h = i + 1;
      for (const e of this.events.get(h) ?? []) e();
      const amount = C.blockSubsidy(h, C.posDevnetParams) + fee;
      issued += amount;
      let T = 0n;
      for (const [k, s] of this.positions) if (!this.jailed.has(k.split('/')[1]!)) T += s;
      const scaled = amount * SCALE + carry;
      if (T === 0n) return void (carry = scaled);
      const perUnit = scaled / T;
      carry = scaled % T;
      for (const [k, s] of this.positions) {
        const [acct, val] = k.split('/') as [string, string];
        if (!this.jailed.has(val)) earned.set(acct, (earned.get(acct) ?? 0n) + s * perUnit);
      }
    });
    return { earned, carry, issued };
  }
}

/** getstaking of `accounts` and getstakinginfo on node 0, all at one tip (asked again if a block came in between). */
async function snapshot(net: Testnet, accounts: string[]) {
  for (;;) {
    const before = (await net.call(0, 'getblockcount')) as number;
    const [views, info] = await Promise.all([Promise.all(accounts.map((a) => net.call(0, 'getstaking', [a]))), net.call(0, 'getstakinginfo')]);
    if ((await net.call(0, 'getblockcount')) === before) return { height: before, views: new Map(accounts.map((a, i) => [a, views[i]])), info };
  }
}

/** Throws unless the listed nodes have the same block at `height` (its hash commits to every block below it). */
async function sameBlockAt(net: Testnet, height: number, which: number[]): Promise<void> {
  const hashes = await Promise.all(which.map((i) => net.call(i, 'getblockhash', [height])));
  expect(new Set(hashes).size, `nodes ${which.join(',')} at height ${height}: ${hashes.join(' ')}`).toBe(1);
}

/** The set every listed node reports, as address -> power; throws unless all report the same. */
async function sameSet(net: Testnet, which: number[]): Promise<Map<string, string>> {
  const sets = await Promise.all(which.map(async (i) => ((await net.call(i, 'getvalidators')) as { address: string; power: string }[]).map((v) => `${v.address}=${v.power}`).sort().join(',')));
  expect(new Set(sets).size, `nodes ${which.join(',')} report different sets:\n${sets.join('\n')}`).toBe(1);
  return new Map(sets[0]!.split(',').map((e) => e.split('=') as [string, string]));
}

describe('hashlane genesis --chain pos-devnet|dpos-devnet', () => {
  const a = 'a'.repeat(64);
  const b = 'b'.repeat(64);
  const c = 'c'.repeat(64);
  it('sets genesis stakes (power = stake / 1000 coins) and funds accounts; the file opens with them', async () => {
    for (const chain of ['pos-devnet', 'dpos-devnet']) {
      const r = await cli(['genesis', '--chain', chain, '--validator', `v-a=${a}`, '--validator', `v-b=${b}`, '--stake', 'v-a=3000', '--fund', `${c}=12.5`, '--fund', `${a}=1`, '--genesis-time', '1700000000']);
      expect(r.code, r.stderr).toBe(0);
      const file = JSON.parse(r.stdout);
      expect(file).toMatchObject({ chain, genesisTime: 1700000000, validators: [{ name: 'v-a', publicKey: a, power: '3' }, { name: 'v-b', publicKey: b, power: '1' }] });
      expect(file.premine).toEqual([{ publicKey: c, amount: (1250n * COIN / 100n).toString() }, { publicKey: a, amount: COIN.toString() }]);
      const params = C.paramsFromGenesisJson(file);
      expect(params.premine.map((x: C.PremineAllocation) => x.amount)).toEqual([1250n * COIN / 100n, COIN]);
      const chainOf = await C.Chain.open({ params, now: () => 1700000000 + 10 });
      expect(chainOf.getAccount(C.fromHex(c)).balance).toBe(1250n * COIN / 100n);
      const rule = chain === 'pos-devnet' ? 'staking' : 'dpos';
      const members = chainOf.state.call<{ members(): { publicKey: Uint8Array; power: bigint }[] }>(rule).members();
      const power = new Map(members.map((m) => [C.toHex(m.publicKey), m.power]));
      // staking: power = bonded stake; dpos: every elected delegate has power 1.
      expect(power.get(a)).toBe(rule === 'staking' ? 3000n * COIN : 1n);
      expect(power.get(b)).toBe(rule === 'staking' ? 1000n * COIN : 1n);
    }
  });

  it.each([
    [['--validator', `v-a=${a}`, '--stake', 'v-a=2000'], /--stake with --chain consortium-devnet; expected --chain pos-devnet or dpos-devnet/],
    [['--chain', 'pos-devnet', '--validator', `v-a=${a}`, '--stake', 'v-a=1500'], /--stake v-a=1500 is not a positive multiple of 1000 coins/],
    [['--chain', 'pos-devnet', '--validator', `v-a=${a}`, '--stake', 'v-x=1000'], /--stake v-x=\.\.\. names no --validator; expected the name of one \(v-a\)/],
    [['--chain', 'pos-devnet', '--validator', `v-a=${a}`, '--stake', 'v-a=1000', '--stake', 'v-a=2000'], /--stake v-a is given twice/],
    [['--chain', 'pos-devnet', '--validator', `v-a=${a}`, '--stake', 'v-a'], /--stake "v-a" is not name=<coins>/],
    [['--chain', 'pos-devnet', '--validator', `v-a=${a}`, '--fund', 'xyz=5'], /--fund "xyz": not an account; expected a 32-byte public key/],
    [['--chain', 'pos-devnet', '--validator', `v-a=${a}`, '--fund', `${c}=-5`], /--fund/],
    [['--chain', 'pos-devnet', '--validator', `v-a=${a}`, '--fund', `${c}=0`], /expected a positive amount/],
  ])('refuses %j', async (args, message) => {
    const r = await cli(['genesis', ...(args as string[])]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stdout).toBe('');
  });
});

describe('hashlane testnet --consensus pos --nodes 4', () => {
  let net: Testnet;
  let keys: Key[];
  const ledger = new Ledger();
  const genesis = new Map<string, bigint>();
  const wallet = { file: '', hex: '' };
  const env = { HASHLANE_PASSPHRASE: 'staking testnet' };
  /** What this run measured (printed once at the end, for the README / the report). */
  const measured: Record<string, unknown> = {};
  let t0 = 0;
  beforeAll(async () => {
    const { args, nodes } = readmeTestnet('pos');
    t0 = Date.now();
    net = await startTestnet(args, { nodes });
    measured.startMs = Date.now() - t0;
    keys = net.nodes.map((n) => keyIn(net, n.node));
    for (const k of keys) genesis.set(`${k.hex}/${k.hex}`, 1000n * COIN);
  }, 150_000);
  afterAll(async () => {
    console.log(`pos testnet measured: ${JSON.stringify(measured)}`);
    await net?.stop();
  }, 60_000);

  /** Compares every account's pending reward and the issued total with the replay, at one tip of node 0. */
  async function rewardsMatch(accounts: string[]) {
    const snap = await snapshot(net, accounts);
    const { earned, carry, issued } = ledger.replay(genesis, await feesUpTo(net, snap.height));
    expect(BigInt(snap.info.issued), `coins issued to stakers up to height ${snap.height}`).toBe(issued);
    let paidOut = 0n;
    for (const a of accounts) {
      const mine = earned.get(a) ?? 0n;
      expect(BigInt(snap.views.get(a).pendingrewards), `pending reward of ${a.slice(0, 8)} at height ${snap.height}`).toBe(mine / SCALE);
      paidOut += mine;
    }
    // Every scaled unit issued is some account's or the carry's; what the accounts cannot yet
    // be paid (sub-unit rests) is below one base unit each.
    expect(paidOut + carry).toBe(issued * SCALE);
    let whole = 0n;
    for (const a of accounts) whole += BigInt(snap.views.get(a).pendingrewards);
    expect(issued - whole).toBeGreaterThanOrEqual(0n);
    expect(issued - whole).toBeLessThan(BigInt(accounts.length + 1));
    return snap;
  }

  it('finalizes; every node has the four genesis validators with power = stake = 1000 coins; each earns stake/total of every block', async () => {
    const infos = await finalizedAll(net, 3, undefined, 90_000);
    measured.finalized3Ms = Date.now() - t0;
    for (const info of infos) expect(info).toMatchObject({ chain: 'pos-devnet', consensus: 'bft' });
    const set = await sameSet(net, [0, 1, 2, 3]);
    expect([...set.keys()].sort()).toEqual(keys.map((k) => k.hex).sort());
    for (const p of set.values()) expect(p).toBe((1000n * COIN).toString());
    for (const k of keys) expect(BigInt((await net.call(0, 'getbankaccount', [k.hex])).balance)).toBe(TESTNET_FUNDS);
    // Before any stake moves: T = 4000 coins divides 10^18 x amount, so there is no carry and
    // each validator's reward is exactly its stake / total stake of all that was issued.
    const snap = await snapshot(net, keys.map((k) => k.hex));
    const issued = BigInt(snap.info.issued);
    expect(issued).toBeGreaterThanOrEqual(BigInt(snap.height) * C.posDevnetParams.blockReward);
    for (const k of keys) expect(BigInt(snap.views.get(k.hex).pendingrewards)).toBe((issued * 1000n * COIN) / (4000n * COIN));
    await rewardsMatch(keys.map((k) => k.hex));
  }, 120_000);

  it('keeps finalizing while stake moves; from the epoch boundary every node has power = the new stakes', async () => {
    const [k0, k1, k2, k3] = keys as [Key, Key, Key, Key];
    const start = (await net.call(0, 'getblockchaininfo')).finalized as number;
    const tMoves = Date.now();
    wallet.file = join(tmp, 'w.json');
    const created = await cli(['wallet', '--keystore', wallet.file, 'create', '--kdf-memory', '8'], { env });
    expect(created.code, created.stderr).toBe(0);
    wallet.hex = created.stdout.trim();
    // Four at once, each through another node: a delegation, an unbonding, a redelegation, a payment to the wallet.
    const [d, u, r, t] = await Promise.all([
      send(net, 0, k0, signed(k0, C.StakingKind.Delegate, { validator: k1.pk, amount: 2000n * COIN })),
      send(net, 2, k2, signed(k2, C.StakingKind.Undelegate, { validator: k2.pk, amount: 400n * COIN })),
      send(net, 3, k3, signed(k3, C.StakingKind.Redelegate, { from: k3.pk, to: k0.pk, amount: 300n * COIN })),
      send(net, 1, k1, (a) => C.createTransfer({ ...a, to: C.fromHex(wallet.hex), amount: 1000n * COIN, payload: new Uint8Array(0) }, k1.sk) as C.Transaction),
    ]);
    const [hd, hu, hr, ht] = await Promise.all([d, u, r, t].map((id, i) => included(net, i === 0 ? 0 : i === 1 ? 2 : i === 2 ? 3 : 1, id)));
    ledger.at(hd!, () => ledger.move(k0.hex, k1.hex, 2000n * COIN));
    ledger.at(hu!, () => ledger.move(k2.hex, k2.hex, -400n * COIN));
    ledger.at(hr!, () => (ledger.move(k3.hex, k3.hex, -300n * COIN), ledger.move(k3.hex, k0.hex, 300n * COIN)));
    expect(ht).toBeGreaterThan(0);
    // The wallet, as a user: delegate to node 3's validator, then unbond part of it.
    const w = async (args: string[]) => {
      const res = await cli(['wallet', '--keystore', wallet.file, '--rpc', net.nodes[1]!.rpc, '--rpc-cookie-file', net.nodes[1]!.cookie, ...args], { env, timeoutMs: 60_000 });
      expect(res.code, `wallet ${args.join(' ')}: ${res.stderr}`).toBe(0);
      return res.stdout.trim().split('\n').pop()!;
    };
    const hw = await included(net, 1, await w(['delegate', k3.hex, '500']));
    ledger.at(hw, () => ledger.move(wallet.hex, k3.hex, 500n * COIN));
    const hw2 = await included(net, 1, await w(['undelegate', k3.hex, '100']));
    ledger.at(hw2, () => ledger.move(wallet.hex, k3.hex, -100n * COIN));
    const last = Math.max(hd!, hu!, hr!, hw, hw2);
    // Blocks went on being finalized all along.
    const infos = await finalizedAll(net, last, undefined, 60_000);
    expect(Math.min(...infos.map((x) => x!.finalized))).toBeGreaterThan(start);

    // The new stakes; the set follows them at the first epoch boundary at or after the last change.
    const want = new Map([[k0.hex, 1300n], [k1.hex, 3000n], [k2.hex, 600n], [k3.hex, 1100n]].map(([k, c]) => [k as string, (c as bigint) * COIN]));
    for (const [k, s] of want) expect(ledger.stakeAfter(genesis, k), k).toBe(s);
    const epoch = (await net.call(0, 'getstakinginfo')).epochlength as number;
    const boundary = Math.ceil(last / epoch) * epoch;
    const seenAt = await Promise.all(
      net.nodes.map((n) =>
        until(`node ${n.node} to report the new powers`, async () => {
          const vs = (await net.call(n.node, 'getvalidators')) as { address: string; power: string; stake: string }[];
          const ok = vs.length === 4 && vs.every((v) => v.power === want.get(v.address)?.toString() && v.stake === v.power);
          return ok ? ((await net.call(n.node, 'getblockcount')) as number) : null;
        }, 90_000, 100),
      ),
    );
    for (const [i, h] of seenAt.entries()) expect(h, `node ${i} had the new powers at tip ${h}, before the epoch boundary ${boundary}`).toBeGreaterThanOrEqual(boundary);
    await sameSet(net, [0, 1, 2, 3]);
    const done = await finalizedAll(net, boundary + 2, undefined, 60_000);
    const reached = Math.min(...done.map((x) => x!.finalized));
    await sameBlockAt(net, reached, [0, 1, 2, 3]);
    Object.assign(measured, {
      moveHeights: { delegate: hd, undelegate: hu, redelegate: hr, transfer: ht, walletDelegate: hw, walletUndelegate: hw2 },
      epochBoundary: boundary,
      newPowersSeenAtTip: seenAt,
      movesFinalizedBlocks: reached - start,
      movesSeconds: (Date.now() - tMoves) / 1000,
    });
    const views = await snapshot(net, [k2.hex, wallet.hex]);
    expect(views.views.get(k2.hex).unbonding).toEqual([{ validator: k2.hex, amount: (400n * COIN).toString(), releaseheight: hu! + Number((await net.call(0, 'getstakinginfo')).unbondingblocks) }]);
    expect(views.views.get(wallet.hex).delegations).toMatchObject([{ validator: k3.hex, amount: (400n * COIN).toString() }]);
  }, 240_000);

  it('pays every account exactly its stake / total stake of each block (reward + fees), the carry and sub-unit rests accounted for', async () => {
    await rewardsMatch([...keys.map((k) => k.hex), wallet.hex]);
  }, 60_000);

  it('slashes a validator caught double-signing (5 % of bonded, its delegator too; unbonding begun before the offence spared), tombstones it, and the other three finalize on', async () => {
    const [k0, , , cheat] = keys as [Key, Key, Key, Key];
    const info = await net.call(0, 'getblockchaininfo');
    const height = info.blocks as number;
    // Two precommits for different blocks at one height and round, signed with node 3's key from its data dir.
    const vote = (seed: number): B.Vote => {
      const blockId = sha256(new Uint8Array([seed, height & 255, height >> 8]));
      const signature = ed25519.sign(B.voteSignBytes(info.chainid, B.PRECOMMIT, height, 0, blockId), cheat.sk);
      return { type: B.PRECOMMIT, height, round: 0, blockId, validator: cheat.pk, signature };
    };
    const slashBp = BigInt((await net.call(0, 'getstakinginfo')).doublesignslash);
    expect(slashBp).toBe(500n);
    const before = (await net.call(0, 'getstaking', [cheat.hex])).validator;
    const bonded = BigInt(before.stake);
    const unbonding = BigInt(before.unbonding);
    expect([bonded, unbonding]).toEqual([1100n * COIN, 100n * COIN]);
    const tEvidence = Date.now();
    const txid = await send(net, 0, k0, (a) => createEvidenceTx({ ...a, evidence: { a: vote(1), b: vote(2) } }, k0.sk));
    const he = await included(net, 0, txid);
    measured.evidence = { votesAt: height, includedAt: he, includedMs: Date.now() - tEvidence };
    ledger.at(he, () => ledger.jailed.add(cheat.hex));

    const after = (await net.call(0, 'getstaking', [cheat.hex])).validator;
    const left = bonded - (bonded * slashBp) / 10_000n;
    // The unbonding began before the votes' height: that stake had left, it keeps all of it.
    expect(after).toMatchObject({ jailed: true, tombstoned: true, active: false, stake: left.toString(), unbonding: unbonding.toString() });
    // Its self-bond and its delegator (the wallet) lose the same 5 % of their bonded stake.
    expect(after.selfbond).toBe(((700n * COIN * left) / bonded).toString());
    const w = await net.call(0, 'getstaking', [wallet.hex]);
    expect(w.delegations).toMatchObject([{ validator: cheat.hex, amount: (380n * COIN).toString() }]);
    expect(w.unbonding).toMatchObject([{ validator: cheat.hex, amount: (100n * COIN).toString() }]);

    const three = [0, 1, 2];
    await until('every node to drop the slashed validator from the set', async () => {
      const sets = await Promise.all(net.nodes.map((n) => net.call(n.node, 'getvalidators') as Promise<{ address: string }[]>));
      return sets.every((s) => s.length === 3 && !s.some((v) => v.address === cheat.hex));
    }, 60_000);
    const set = await sameSet(net, [0, 1, 2, 3]);
    expect(Object.fromEntries(set)).toEqual({ [keys[0]!.hex]: (1300n * COIN).toString(), [keys[1]!.hex]: (3000n * COIN).toString(), [keys[2]!.hex]: (600n * COIN).toString() });
    const f = Math.max(...(await Promise.all(three.map((i) => net.call(i, 'getblockchaininfo')))).map((x) => x.finalized as number));
    const tThree = Date.now();
    const on = await finalizedAll(net, Math.max(f, he) + 4, three, 90_000);
    const upTo = Math.min(...on.map((x) => x!.finalized));
    await sameBlockAt(net, upTo, three);
    measured.threeValidators = { from: f, to: upTo, msPerBlock: Math.round((Date.now() - tThree) / Math.max(1, upTo - f)) };
    // The slashed validator's positions stopped earning at the evidence block; the rest go on by the formula.
    await rewardsMatch([...keys.map((k) => k.hex), wallet.hex]);
  }, 180_000);
});

describe('hashlane testnet --consensus dpos --nodes 4', () => {
  let net: Testnet;
  beforeAll(async () => {
    const { args, nodes } = readmeTestnet('dpos');
    net = await startTestnet(args, { nodes });
  }, 150_000);
  afterAll(async () => net?.stop(), 60_000);

  it('finalizes; every node has the four delegates with equal power 1, and their rewards are equal', async () => {
    const infos = await finalizedAll(net, 3, undefined, 90_000);
    for (const info of infos) expect(info).toMatchObject({ chain: 'dpos-devnet', consensus: 'bft' });
    const keys = net.nodes.map((n) => keyIn(net, n.node).hex);
    const set = await sameSet(net, [0, 1, 2, 3]);
    expect([...set.keys()].sort()).toEqual([...keys].sort());
    for (const p of set.values()) expect(p).toBe('1');
    const dinfo = await net.call(0, 'getdposinfo');
    expect([...dinfo.elected].sort()).toEqual([...keys].sort());
    for (;;) {
      const h = await net.call(0, 'getblockcount');
      const [views, di] = await Promise.all([Promise.all(keys.map((k) => net.call(0, 'getvoter', [k]))), net.call(0, 'getdposinfo')]);
      if ((await net.call(0, 'getblockcount')) !== h) continue;
      const pending = views.map((v) => BigInt(v.pendingrewards));
      expect(new Set(pending).size, `pending rewards ${pending.join(', ')}`).toBe(1);
      const issued = BigInt(di.issued);
      expect(issued).toBeGreaterThanOrEqual(BigInt(h) * C.dposDevnetParams.blockReward);
      // Each of the four gets a quarter of every block (its own voter, commission 0); the rest is sub-unit dust and carry.
      expect(issued - 4n * pending[0]!).toBeGreaterThanOrEqual(0n);
      expect(issued - 4n * pending[0]!).toBeLessThan(5n);
      break;
    }
  }, 120_000);
});
