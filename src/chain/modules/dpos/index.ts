// The dpos module (delegated proof of stake, EOS-style): holders lock stake and vote for up
// to M delegates, each voted delegate counting the voter's whole stake; every epoch the top
// N delegates by votes (default 21) form the BFT set with EQUAL power 1 (the engine's
// proposer rotation is then plain round robin). Each block's reward (new coins + fees not
// claimed) is split equally among the elected delegates that are not jailed, and each
// delegate's share among its voters in proportion to their stake, the delegate keeping its
// commission — the same pool and accumulator code as the staking module
// (staking/rewards.ts), so Reward = Stake / TotalStake x BlockReward holds inside each
// delegate's pool. Per-block cost is O(N), whatever the number of voters.
//
// A delegate that misses its slots (signs fewer than minSigned of its last signedWindow
// commits) is jailed: out of the set at once, not electable until it unjails after
// unjailDelay blocks. One caught double-signing is tombstoned (as in Cosmos x/slashing):
// jailed for ever, unjail fails bad-dpos-tombstoned, and later punishments of it are
// no-ops. Voters' stake is never slashed here (the voter did not sign anything); the
// penalty is the lost rewards and the lost seat, and voters may unstake or vote elsewhere.
//
// State (namespace "dpos"):
//   v/<operator>      -> delegate: consensus key | commission u32 | status u8 (0 free, 1 jailed, 2 tombstoned) | jailedUntil u32 | votes | selfVotes | accSelf | accDel
//   c/<consensus key> -> operator;  n, l/<i u32 BE> -> delegates by registration index
//   s/<voter>         -> stake | (operator 32 | snap)* : the voter's locked stake and its votes
//   u/<voter>         -> unbonding: (amount | release height u32)*;  q/<height> -> voters due then
//   r/<account>       -> settled scaled rewards;  k -> carry;  g -> issued
//   a                 -> elected set: (operator 32 | consensus key 32 | since u32)*
//   m/<operator>      -> liveness window
import { Reader, Writer } from '../../codec.js';
import type { ValidatorSetKeeper } from '../../consensus.js';
import { DecodeError } from '../../errors.js';
import { binKey, bytesEqual, fromHex, toHex } from '../../hex.js';
import type { ChainModule, KindSpec, ModuleStore, StateQuery } from '../../module.js';
import type { ChainParams } from '../../params.js';
import type { Transaction } from '../../tx.js';
import { bytesParam, hex32, units } from '../assets/index.js';
import type { BankKeeper } from '../bank/index.js';
import { cmpBytes, emptyCodec, fail, indexAppend, indexAt, indexCount, kindOn, page, short, sweepLiveness, type Get } from '../staking/set.js';
import { dposParams, type DposParams } from '../staking/params.js';
import {
  accOf, addReward, distribute, earned, readBig, readCarry, rewardBalance, SCALE, scheduleRelease, sk, takeDue, takeReward, writeBig, writeCarry,
  type Pool,
} from '../staking/rewards.js';

export const DposKind = { Register: 0x50, Stake: 0x51, Unstake: 0x52, Vote: 0x53, Claim: 0x54, Unjail: 0x55 } as const;

// sha256("hashlane/dpos/escrow"), sha256("hashlane/dpos/rewards") (a test recomputes them).
export const DPOS_ESCROW = fromHex('1cf5ebd1ecea6dd82862f0836699f759f5e87ab2ff1d53fb747ee3e171de6294');
export const DPOS_REWARDS = fromHex('1d08e13be80bcb6933f8d8a66c2d6533ecf2d4beb8add236b51ab8e13d507240');

export interface DelegateRecord extends Pool {
  operator: Uint8Array;
  consensusKey: Uint8Array;
  jailed: boolean;
  /** Caught double-signing: jailed for ever (jailedUntil = 2^32 - 1). */
  tombstoned: boolean;
  jailedUntil: number;
}
export interface Voter {
  stake: bigint;
  votes: { delegate: Uint8Array; snap: bigint }[];
}
export interface ElectedEntry {
  operator: Uint8Array;
  consensusKey: Uint8Array;
  since: number;
}
export interface DposRegisterBody {
  consensusKey: Uint8Array;
  commission: number;
}
export interface AmountBody {
  amount: bigint;
}
export interface VoteBody {
  delegates: Uint8Array[];
}

export interface DposKeeper extends ValidatorSetKeeper {
  /** getvalidators' dpos fields of a member (by consensus key): operator, votes, commission, jailed, tombstoned. */
  details(publicKey: Uint8Array): Record<string, unknown>;
}


const paramsCache = new WeakMap<ChainParams, DposParams>();
export function dposOf(params: ChainParams): DposParams {
  let p = paramsCache.get(params);
  if (!p) paramsCache.set(params, (p = dposParams(params.dpos)));
  return p;
}

// ---- records ----

const NEVER = 0xffffffff;

export function encodeDel(d: DelegateRecord): Uint8Array {
  const status = d.tombstoned ? 2 : d.jailed ? 1 : 0;
  const w = new Writer(160).fixed(d.consensusKey, 32, 'delegate.consensusKey').u32(d.commission, 'delegate.commission').u8(status, 'delegate.status').u32(d.jailedUntil, 'delegate.jailedUntil');
  for (const [n, x] of [['votes', d.shares], ['selfVotes', d.selfShares], ['accSelf', d.accSelf], ['accDel', d.accDel]] as const) writeBig(w, x, `delegate.${n}`);
  return w.finish();
}
export function decodeDel(operator: Uint8Array, b: Uint8Array): DelegateRecord {
  const r = new Reader(b, 'delegate');
  const consensusKey = r.fixed(32, 'delegate.consensusKey');
  const commission = r.u32('delegate.commission');
  const status = r.u8('delegate.status');
  const jailedUntil = r.u32('delegate.jailedUntil');
  if (status > 2) throw new DecodeError('decode-bad-value', `delegate: status ${status} is none of free (0), jailed (1), tombstoned (2)`);
  if (status === 2 && jailedUntil !== NEVER) throw new DecodeError('decode-bad-value', `delegate: a tombstoned delegate is jailed until ${NEVER}, got ${jailedUntil}`);
  const d: DelegateRecord = {
    operator, consensusKey, commission, jailed: status !== 0, tombstoned: status === 2, jailedUntil,
    shares: readBig(r, 'delegate.votes'), selfShares: readBig(r, 'delegate.selfVotes'), accSelf: readBig(r, 'delegate.accSelf'), accDel: readBig(r, 'delegate.accDel'), commissionOwed: 0n,
  };
  r.end();
  return d;
}
const readDel = (s: Get, op: Uint8Array) => {
  const b = s.get(sk('v', op));
  return b ? decodeDel(op, b) : undefined;
};
const needDel = (s: Get, op: Uint8Array) => readDel(s, op) ?? fail('bad-dpos-unknown-delegate', `no delegate with operator ${short(op)} is registered`);
const saveDel = (s: ModuleStore, d: DelegateRecord) => s.set(sk('v', d.operator), encodeDel(d));

export function readVoter(s: Get, acct: Uint8Array): Voter {
  const b = s.get(sk('s', acct));
  if (!b) return { stake: 0n, votes: [] };
  const r = new Reader(b, 'voter');
  const v: Voter = { stake: readBig(r, 'voter.stake'), votes: [] };
  while (r.remaining > 0) v.votes.push({ delegate: r.fixed(32, 'voter.delegate'), snap: readBig(r, 'voter.snap') });
  return v;
}
function writeVoter(s: ModuleStore, acct: Uint8Array, v: Voter): void {
  if (v.stake === 0n && v.votes.length === 0) return s.set(sk('s', acct), undefined);
  const w = writeBig(new Writer(64 + 64 * v.votes.length), v.stake, 'voter.stake');
  for (const x of v.votes) writeBig(w.fixed(x.delegate, 32, 'voter.delegate'), x.snap, 'voter.snap');
  s.set(sk('s', acct), w.finish());
}

function readUnbonding(s: Get, acct: Uint8Array): { amount: bigint; release: number }[] {
  const b = s.get(sk('u', acct));
  const out: { amount: bigint; release: number }[] = [];
  if (!b) return out;
  const r = new Reader(b, 'dpos unbonding');
  while (r.remaining > 0) out.push({ amount: readBig(r, 'unbonding.amount'), release: r.u32('unbonding.release') });
  return out;
}
function writeUnbonding(s: ModuleStore, acct: Uint8Array, list: { amount: bigint; release: number }[]): void {
  if (!list.length) return s.set(sk('u', acct), undefined);
  const w = new Writer(16 * list.length);
  for (const e of list) writeBig(w, e.amount, 'unbonding.amount').u32(e.release, 'unbonding.release');
  s.set(sk('u', acct), w.finish());
}

export function readElected(s: Get): ElectedEntry[] {
  const b = s.get('a');
  const out: ElectedEntry[] = [];
  if (!b) return out;
  const r = new Reader(b, 'elected');
  while (r.remaining > 0) out.push({ operator: r.fixed(32, 'elected.operator'), consensusKey: r.fixed(32, 'elected.consensusKey'), since: r.u32('elected.since') });
  return out;
}
function writeElected(s: ModuleStore, set: ElectedEntry[]): void {
  const w = new Writer(68 * set.length + 4);
  for (const e of set) w.fixed(e.operator, 32, 'elected.operator').fixed(e.consensusKey, 32, 'elected.consensusKey').u32(e.since, 'elected.since');
  s.set('a', set.length ? w.finish() : undefined);
}

const readIssued = (s: Get) => {
  const b = s.get('g');
  if (!b) return 0n;
  const r = new Reader(b, 'dpos issued');
  const n = readBig(r, 'issued');
  r.end();
  return n;
};

// ---- operations ----

interface Ops {
  store: ModuleStore;
  p: DposParams;
  bank: BankKeeper;
}
const ops = (store: ModuleStore, params: ChainParams, call: <T>(m: string) => T): Ops => ({ store, p: dposOf(params), bank: call<BankKeeper>('bank') });

/** Settles every vote of the voter into its reward balance and takes its stake out of the pools (or back in: sign +1). */
function moveVotes(o: Ops, acct: Uint8Array, v: Voter, sign: 1n | -1n): void {
  for (const x of v.votes) {
    const d = needDel(o.store, x.delegate);
    const self = bytesEqual(d.operator, acct);
    if (sign < 0n) addReward(o.store, acct, earned(d, { shares: v.stake, snap: x.snap }, self));
    x.snap = accOf(d, self);
    d.shares += sign * v.stake;
    if (self) d.selfShares += sign * v.stake;
    saveDel(o.store, d);
  }
}

function restake(o: Ops, acct: Uint8Array, change: (v: Voter) => void): Voter {
  const v = readVoter(o.store, acct);
  moveVotes(o, acct, v, -1n);
  change(v);
  moveVotes(o, acct, v, 1n);
  writeVoter(o.store, acct, v);
  return v;
}

function jail(o: Ops, d: DelegateRecord, height: number): void {
  d.jailed = true;
  if (!d.tombstoned) d.jailedUntil = Math.min(NEVER, height + o.p.unjailDelay);
  saveDel(o.store, d);
  o.store.set(sk('m', d.operator), undefined);
  const set = readElected(o.store);
  if (set.length > 1) writeElected(o.store, set.filter((e) => !bytesEqual(e.operator, d.operator)));
}

function register(o: Ops, operator: Uint8Array, b: DposRegisterBody): void {
  if (o.store.get(sk('v', operator))) fail('bad-dpos-registered', `account ${short(operator)} is already a delegate`);
  if (o.store.get(sk('c', b.consensusKey))) fail('bad-dpos-consensus-key', `consensus key ${short(b.consensusKey)} is already used by a delegate`);
  saveDel(o.store, { operator, consensusKey: b.consensusKey, commission: b.commission, jailed: false, tombstoned: false, jailedUntil: 0, shares: 0n, selfShares: 0n, accSelf: 0n, accDel: 0n, commissionOwed: 0n });
  o.store.set(sk('c', b.consensusKey), operator);
  indexAppend(o.store, operator);
}

function stake(o: Ops, acct: Uint8Array, amount: bigint): void {
  o.bank.transfer(acct, DPOS_ESCROW, amount);
  restake(o, acct, (v) => void (v.stake += amount));
}

function vote(o: Ops, acct: Uint8Array, delegates: Uint8Array[]): void {
  for (const d of delegates) needDel(o.store, d);
  restake(o, acct, (v) => void (v.votes = delegates.map((delegate) => ({ delegate, snap: 0n }))));
}

/** The top N delegates by votes (ties: smaller consensus key), jailed and vote-less ones excluded. */
export function elect(store: ModuleStore, p: DposParams, height: number): ElectedEntry[] {
  const n = indexCount(store);
  const cands: DelegateRecord[] = [];
  for (let i = 0; i < n; i++) {
    const op = indexAt(store, i);
    const d = decodeDel(op, store.get(sk('v', op))!);
    if (!d.jailed && d.shares > 0n) cands.push(d);
  }
  cands.sort((a, b) => (a.shares === b.shares ? cmpBytes(a.consensusKey, b.consensusKey) : a.shares > b.shares ? -1 : 1));
  const prev = new Map(readElected(store).map((e) => [binKey(e.operator), e.since]));
  const set = cands.slice(0, p.delegates).map((d) => ({ operator: d.operator, consensusKey: d.consensusKey, since: prev.get(binKey(d.operator)) ?? height }));
  if (set.length) writeElected(store, set);
  return set;
}

// ---- kinds ----

const kind = kindOn((ctx) => ops(ctx.store, ctx.params, ctx.call));
const amountCodec = (name: string) => ({
  write: (w: Writer, b: AmountBody) => void w.u64(b.amount, `${name}.amount`),
  read: (r: Reader): AmountBody => ({ amount: r.u64(`${name}.amount`) }),
});
const amountJson = {
  toJson: (b: AmountBody) => ({ amount: b.amount.toString() }),
  fromJson: (j: Record<string, unknown>): AmountBody => ({ amount: units(j.amount, 'amount') }),
};
const positive = (tx: Transaction<AmountBody>) => {
  if (tx.body.amount === 0n) fail('bad-dpos-amount', 'the amount must be positive');
};

/** Most delegates a vote body can name (the codec's bound; params.maxVotes is the rule). */
export const MAX_VOTES_CODEC = 64;

const registerKind = kind<DposRegisterBody>({
  kind: DposKind.Register,
  name: 'register-delegate',
  codec: {
    write: (w, b) => void w.fixed(b.consensusKey, 32, 'register-delegate.consensusKey').u32(b.commission, 'register-delegate.commission'),
    read: (r) => ({ consensusKey: r.fixed(32, 'register-delegate.consensusKey'), commission: r.u32('register-delegate.commission') }),
  },
  check(tx) {
    if (tx.body.commission > 10_000) fail('bad-dpos-commission', `commission is ${tx.body.commission} basis points, at most 10000 (100 %)`);
  },
  run(o, tx) {
    register(o, tx.from, tx.body);
    return `registered delegate ${toHex(tx.from)}`;
  },
  toJson: (b) => ({ consensuskey: toHex(b.consensusKey), commission: b.commission }),
  fromJson: (j) => {
    if (typeof j.commission !== 'number' || !Number.isInteger(j.commission) || j.commission < 0 || j.commission > 0xffffffff) throw new DecodeError('decode-bad-json', 'commission must be an integer (basis points, at most 10000 valid)');
    return { consensusKey: hex32(j.consensuskey, 'consensuskey'), commission: j.commission };
  },
});

const stakeKind = kind<AmountBody>({
  kind: DposKind.Stake,
  name: 'dpos-stake',
  codec: amountCodec('dpos-stake'),
  check: positive,
  spend: (tx) => tx.body.amount,
  run(o, tx) {
    stake(o, tx.from, tx.body.amount);
    return `staked ${tx.body.amount}`;
  },
  ...amountJson,
});

const unstakeKind = kind<AmountBody>({
  kind: DposKind.Unstake,
  name: 'dpos-unstake',
  codec: amountCodec('dpos-unstake'),
  check: positive,
  run(o, tx, ctx) {
    const { amount } = tx.body;
    const list = readUnbonding(o.store, tx.from);
    if (list.length >= o.p.maxUnbondings) fail('bad-dpos-too-many', `the account has ${list.length} unbonding entries, at most ${o.p.maxUnbondings}; wait for one to be released`);
    restake(o, tx.from, (v) => {
      if (v.stake < amount) fail('bad-dpos-insufficient', `unstaking ${amount}; the account has ${v.stake} staked`);
      v.stake -= amount;
    });
    const release = ctx.height + o.p.unbondingBlocks;
    writeUnbonding(o.store, tx.from, [...list, { amount, release }]);
    scheduleRelease(o.store, release, tx.from);
    return `unstaking ${amount} until height ${release}`;
  },
  ...amountJson,
});

const voteKind = kind<VoteBody>({
  kind: DposKind.Vote,
  name: 'vote',
  codec: {
    write(w, b) {
      w.varint(b.delegates.length, 'vote.count');
      for (const d of b.delegates) w.fixed(d, 32, 'vote.delegate');
    },
    read(r) {
      const n = r.varint('vote.count', MAX_VOTES_CODEC);
      const delegates: Uint8Array[] = [];
      for (let i = 0; i < n; i++) delegates.push(r.fixed(32, 'vote.delegate'));
      return { delegates };
    },
  },
  check(tx, params) {
    const { delegates } = tx.body;
    const max = dposOf(params).maxVotes;
    if (delegates.length > max) fail('bad-dpos-votes', `a vote names ${delegates.length} delegates, at most ${max}`);
    const seen = new Set(delegates.map(binKey));
    if (seen.size !== delegates.length) fail('bad-dpos-votes', 'a vote names a delegate twice');
  },
  run(o, tx) {
    vote(o, tx.from, tx.body.delegates);
    return `voting for ${tx.body.delegates.length} delegates`;
  },
  toJson: (b) => ({ delegates: b.delegates.map(toHex) }),
  fromJson: (j) => {
    if (!Array.isArray(j.delegates) || j.delegates.length > MAX_VOTES_CODEC) throw new DecodeError('decode-bad-json', `delegates must be an array of at most ${MAX_VOTES_CODEC} addresses`);
    return { delegates: j.delegates.map((d, i) => hex32(d, `delegates[${i}]`)) };
  },
});

function claim(o: Ops, acct: Uint8Array): bigint {
  restake(o, acct, () => undefined);
  const paid = takeReward(o.store, acct);
  if (paid > 0n) o.bank.transfer(DPOS_REWARDS, acct, paid);
  return paid;
}

const claimKind = kind<Record<string, never>>({
  kind: DposKind.Claim,
  name: 'dpos-claim',
  codec: emptyCodec,
  check: () => undefined,
  run: (o, tx) => `claimed ${claim(o, tx.from)}`,
  toJson: () => ({}),
  fromJson: () => ({}),
});

const unjailKind = kind<Record<string, never>>({
  kind: DposKind.Unjail,
  name: 'dpos-unjail',
  codec: emptyCodec,
  check: () => undefined,
  run(o, tx, ctx) {
    const d = needDel(o.store, tx.from);
    if (d.tombstoned) fail('bad-dpos-tombstoned', `delegate ${short(d.operator)} was caught double-signing: it is jailed for ever`);
    if (!d.jailed) fail('bad-dpos-not-jailed', `delegate ${short(d.operator)} is not jailed`);
    if (ctx.height < d.jailedUntil) fail('bad-dpos-jailed', `delegate ${short(d.operator)} may unjail from height ${d.jailedUntil}, this is ${ctx.height}`);
    d.jailed = false;
    saveDel(o.store, d);
    return 'unjailed; electable again from the next epoch';
  },
  toJson: () => ({}),
  fromJson: () => ({}),
});

// ---- views ----

function delegateJson(d: DelegateRecord, elected: Set<string>) {
  return { operator: toHex(d.operator), consensuskey: toHex(d.consensusKey), votes: d.shares.toString(), commission: d.commission, jailed: d.jailed, tombstoned: d.tombstoned, jaileduntil: d.jailed && !d.tombstoned ? d.jailedUntil : null, elected: elected.has(binKey(d.operator)) };
}

export const voterOf = (q: Pick<StateQuery, 'read'>, acct: Uint8Array) => voterView(q, acct).json;
/** An account's pending DPoS rewards in scaled units, exact. */
export const dposPendingScaled = (q: Pick<StateQuery, 'read'>, acct: Uint8Array): bigint => voterView(q, acct).pending;
/** Carry (scaled) and coins issued. */
export function dposLedger(q: Pick<StateQuery, 'read'>): { carry: bigint; issued: bigint } {
  const s: Get = { get: (k) => q.read(dpos.namespace, k) };
  return { carry: readCarry(s), issued: readIssued(s) };
}

function voterView(q: Pick<StateQuery, 'read'>, acct: Uint8Array) {
  const s: Get = { get: (k) => q.read(dpos.namespace, k) };
  const v = readVoter(s, acct);
  let pending = rewardBalance(s, acct);
  const votes = v.votes.map((x) => {
    const d = needDel(s, x.delegate);
    const e = earned(d, { shares: v.stake, snap: x.snap }, bytesEqual(d.operator, acct));
    pending += e;
    return { delegate: toHex(x.delegate), pendingreward: (e / SCALE).toString() };
  });
  const own = readDel(s, acct);
  const elected = new Set(readElected(s).map((e) => binKey(e.operator)));
  return { pending, json: {
    address: toHex(acct),
    bonded: v.stake.toString(),
    votes,
    unbonding: readUnbonding(s, acct).map((e) => ({ amount: e.amount.toString(), releaseheight: e.release })),
    pendingrewards: (pending / SCALE).toString(),
    delegate: own ? delegateJson(own, elected) : null,
  } };
}

const MAX_LIST = 200;

export const dpos: ChainModule<DposKeeper> = {
  name: 'dpos',
  namespace: 'dpos',
  kinds: [registerKind, stakeKind, unstakeKind, voteKind, claimKind, unjailKind] as unknown as readonly KindSpec<never>[],
  genesis(ctx) {
    const o = ops(ctx.store, ctx.params, ctx.call);
    const vals = ctx.params.validators ?? [];
    const derived = o.p.genesisDelegates.length === 0;
    const delegates = derived ? vals.map((v) => ({ operator: v.publicKey, consensusKey: v.publicKey, commission: 0 })) : o.p.genesisDelegates;
    for (const d of delegates) register(o, d.operator, d);
    const voters = derived && o.p.genesisVoters.length === 0 ? vals.map((v) => ({ account: v.publicKey, stake: v.power * o.p.genesisStakePerPower, votes: [v.publicKey] })) : o.p.genesisVoters;
    for (const v of voters) {
      o.bank.mint(v.account, v.stake);
      stake(o, v.account, v.stake);
      vote(o, v.account, v.votes);
    }
    elect(ctx.store, o.p, 0);
  },
  keeper(ctx) {
    return {
      members: () => readElected(ctx.store).map((e) => ({ publicKey: e.consensusKey, power: 1n })),
      punish(pk, offence, height) {
        const op = ctx.store.get(sk('c', pk));
        const d = op && needDel(ctx.store, op);
        if (!d || d.tombstoned) return;
        if (offence === 'double-sign') {
          d.tombstoned = true;
          d.jailedUntil = NEVER;
        }
        jail(ops(ctx.store, ctx.params, ctx.call), d, height);
      },
      details(pk) {
        const op = ctx.store.get(sk('c', pk));
        const d = op && readDel(ctx.store, op);
        return d ? { operator: toHex(d.operator), votes: d.shares.toString(), commission: d.commission, jailed: d.jailed, tombstoned: d.tombstoned } : {};
      },
    };
  },
  endBlock(ctx) {
    const o = ops(ctx.store, ctx.params, ctx.call);
    for (const acct of takeDue(o.store, ctx.height)) {
      const keep = [];
      let out = 0n;
      for (const e of readUnbonding(o.store, acct)) {
        if (e.release === ctx.height) out += e.amount;
        else keep.push(e);
      }
      writeUnbonding(o.store, acct, keep);
      if (out > 0n) o.bank.transfer(DPOS_ESCROW, acct, out);
    }
    const amount = ctx.reward + ctx.fees - ctx.claimed;
    const elected = readElected(o.store);
    if (amount > 0n) {
      o.bank.mint(DPOS_REWARDS, amount);
      o.store.set('g', writeBig(new Writer(16), readIssued(o.store) + amount, 'issued').finish());
      let scaled = amount * SCALE + readCarry(o.store);
      const paid = elected.map((e) => needDel(o.store, e.operator)).filter((d) => !d.jailed);
      if (paid.length) {
        const per = scaled / BigInt(paid.length);
        scaled -= per * BigInt(paid.length);
        for (const d of paid) {
          scaled += distribute(d, per);
          addReward(o.store, d.operator, d.commissionOwed);
          saveDel(o.store, d);
        }
      }
      writeCarry(o.store, scaled);
    }
    sweepLiveness(ctx, o.store, elected, o.p, (op) => {
      const d = needDel(o.store, op);
      // A tombstoned delegate can still be the last elected one (the set never empties); it is not jailed anew.
      if (!d.tombstoned) jail(o, d, ctx.height);
    });
    if (ctx.height % o.p.epochLength === 0) elect(ctx.store, o.p, ctx.height);
  },
  rpc: {
    getvoter: {
      description: 'getvoter address — DPoS: locked stake, the delegates it votes for with pending rewards, unbonding entries with release heights, pending rewards, and the delegate record if it is one',
      params: [{ name: 'address', type: 'hex', maxBytes: 32 }],
      handler: (q, [addr]) => voterOf(q, bytesParam(addr, 'address')),
    },
    listdelegates: {
      description: `listdelegates [start=0] [count=${MAX_LIST}] — DPoS delegates in registration order: votes, commission, jailed, tombstoned, elected; and the total`,
      params: [
        { name: 'start', type: 'int', optional: true },
        { name: 'count', type: 'int', optional: true },
      ],
      handler(q, [start, count]) {
        const s: Get = { get: (k) => q.read(dpos.namespace, k) };
        const elected = new Set(readElected(s).map((e) => binKey(e.operator)));
        const { total, rows } = page(s, start, count, MAX_LIST, (op) => delegateJson(needDel(s, op), elected));
        return { total, delegates: rows };
      },
    },
    getdposinfo: {
      description: 'getdposinfo — the DPoS parameters, the elected delegates (operators) and the coins issued to voters and delegates',
      params: [],
      handler(q) {
        const s: Get = { get: (k) => q.read(dpos.namespace, k) };
        const p = dposOf(q.params);
        return { module: 'dpos', issued: readIssued(s).toString(), elected: readElected(s).map((e) => toHex(e.operator)), delegates: p.delegates, maxvotes: p.maxVotes, epochlength: p.epochLength, unbondingblocks: p.unbondingBlocks, signedwindow: p.signedWindow, minsigned: p.minSigned, unjaildelay: p.unjailDelay };
      },
    },
  },
  cli: [
    { verb: 'wallet stake', kind: DposKind.Stake, summary: 'wallet stake <amount>: lock stake to vote with', args: [{ name: 'amount', description: 'amount in coins', type: 'amount' }] },
    { verb: 'wallet unstake', kind: DposKind.Unstake, summary: 'wallet unstake <amount>: unlock stake (released after the unbonding period)', args: [{ name: 'amount', description: 'amount in coins', type: 'amount' }] },
    { verb: 'wallet vote', kind: DposKind.Vote, summary: 'wallet vote <delegate>...: vote with the whole stake for up to M delegates (replaces the previous vote)', args: [] },
    { verb: 'wallet claim', kind: DposKind.Claim, summary: 'wallet claim: pay out the settled rewards', args: [] },
  ],
};
