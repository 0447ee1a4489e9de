// The staking module (proof of stake): validators bond coins, others delegate to them, the
// top K by bonded stake form the BFT validator set (recomputed at epoch boundaries), every
// block's reward is split over ALL bonded stake by the seed's rule
// Reward = Stake / TotalStake x BlockReward, and misbehaviour is slashed. Cosmos SDK's
// x/staking + x/distribution (F1) + x/slashing in one folder.
//
// Rewards (exact integers; the rounding rule is in rewards.ts): a global accumulator
// G = cumulative scaled reward per unit of bonded (non-jailed) stake grows once per block
// (O(1)); a validator's pool is brought up to date only when something about it changes
// (stake, slash, jail, claim): it receives tokens x (G - gSnap) and spreads it per share
// through the shared pool code, commission taken on delegator shares. Delegators hold
// shares of the pool (Cosmos's shares/tokens), so a slash burns a fraction of the pool's
// tokens and every delegator loses that fraction at once, with no per-delegator work.
// Unbonding stake earns nothing and stays slashable, but only for offences committed at or
// after the height it began unbonding (Cosmos skips entries created before the infraction
// height: that stake had left before the validator misbehaved). So a validator's unbonding
// stake is split into one share pool per block it began in (b/..., keyed by its release
// height = begin + unbondingBlocks, linked newest first from the record's ubHead): an
// entry holds shares of its block's pool, a slash walks the pools from the newest back to
// the offence height — at most evidenceMaxAge + 1 pools (offence heights are clamped to
// that age), one per block, never one per delegator — and every entry of a pool is
// released in the same block, which deletes the pool. Rounding: a slash burns
// floor(tokens x bp / 10000) of the bonded pool and of each pool it reaches; an entry is
// worth floor(shares x tokens / poolShares), the pool's last holder taking the rest, so the
// escrow always holds exactly the bonded plus unbonding tokens, and coins leave it only to
// their owners or burned (g.slashed counts the burns).
//
// Slashing (x/slashing): downtime burns downtimeSlash of the bonded stake and of what began
// unbonding in this block, and jails until unjailDelay has passed. Double-sign burns
// doubleSignSlash and tombstones: jailed for ever (unjail fails bad-staking-tombstoned), and
// every later punish of it (evidence of another offence, downtime) is a no-op, so its
// delegators are slashed once; they may still undelegate, redelegate away and claim.
//
// Redelegation moves stake to the destination at once, but it stays slashable for the
// source's offences committed at or before the move (otherwise a double-signer's delegators
// could all redelegate away between the offence and its evidence and lose nothing). As in
// Cosmos, the move is recorded (redelegations.ts: delegator, destination, the shares bought
// there, tokens moved) in one bucket per (source, block), kept for
// window = min(evidenceMaxAge, unbondingBlocks - 1) blocks and pruned one block's worth per
// endBlock. A slash of the source for an offence at height H also cuts the fraction of the
// shares of every entry begun at or after H and not matured (the unbonding pools' rule), and
// burns that many shares from the delegator's position at the destination, settled first —
// at most what the position still holds: what the delegator has since undelegated from
// there is out of reach (Cosmos slashes only the destination delegation too), so the slash
// is never more than there is. Redelegating on from the destination while such an entry
// lives is refused (bad-staking-redelegation-transitive, Cosmos's transitive check), or
// S -> D -> E in two blocks would escape S's slash without any unbonding wait. Each bucket holds at most
// maxRedelegationsPerBlock entries (one more fails bad-staking-redelegation-busy), so a slash
// touches at most (window + 1) x cap entries, never all delegators; the destination's other
// delegators lose nothing (shares are burned at their value rounded down) and the destination
// is not punished. The moved stake is the destination's own stake as well: the
// destination's offences slash it with the rest of its pool (a delegation is slashed for
// its validator's offences whenever it joined, as in Cosmos), and the entry, being shares,
// follows that loss. A tombstoned source records nothing (it is never slashed again).
//
// Voting power = bonded stake >> shift, where shift is the smallest that keeps the active
// set's total power <= 2^60 (the ValidatorSet bound); a validator whose power rounds to 0
// is left out. The shift is 0 for any total below 2^60 base units (11.5e9 coins at 8 decimals).
//
// State (namespace "staking"):
//   g                  -> G (scaled per unit) | T (bonded stake of non-jailed validators) | issued | slashed
//   k                  -> carry (scaled units waiting for the next block, rewards.ts)
//   v/<operator>       -> validator record (encodeVal)
//   c/<consensus key>  -> operator
//   n, l/<i u32 BE>    -> number of validators, operator by registration index (epoch scan)
//   d/<op><account>    -> position: shares | snap
//   p/<account>        -> operators the account has positions with (32 bytes each)
//   u/<account>        -> unbonding entries: (operator 32 | shares | release height u32)*
//   b/<op><release u32 BE> -> unbonding pool of the block release - unbondingBlocks: tokens | shares | prev release u32
//   q/<height u32 BE>  -> accounts with unbonding released at that height
//   r/<account>        -> settled scaled rewards not yet claimed
//   a                  -> active set: (operator 32 | consensus key 32 | power | since u32)*
//   x/<source><begin u32 BE> -> redelegations away from source begun then: prev begin u32 | (delegator | destination | shares | tokens)*
//   y/<source>         -> begin height of the source's newest redelegation bucket
//   z/<begin u32 BE>   -> sources with a redelegation bucket begun then (the prune list)
//   w/<account>        -> (source | begin u32)*: the buckets holding the account's redelegations (getstaking)
//   m/<operator>       -> liveness window (rewards.ts recordSigned)
// Coins: bonded and unbonding stake is held by STAKING_ESCROW, settled rewards by
// STAKING_REWARDS (minted there from reward + fees - claimed each block); slashes burn
// from the escrow. Nobody can sign for either address.
import { Reader, Writer } from '../../codec.js';
import type { ValidatorSetKeeper } from '../../consensus.js';
import { DecodeError } from '../../errors.js';
import { binKey, bytesEqual, fromHex, toHex } from '../../hex.js';
import type { ChainModule, KindSpec, ModuleStore, StateQuery } from '../../module.js';
import type { ChainParams } from '../../params.js';
import type { Transaction } from '../../tx.js';
import { bytesParam, hex32, units } from '../assets/index.js';
import type { BankKeeper } from '../bank/index.js';
import { DEFAULT_EVIDENCE_MAX_AGE } from '../bft/index.js';
import { stakingParams, type StakingParams } from './params.js';
import { pruneRedelegations, readBucket, recordRedelegation, redelegationHead, redelegationRoom, redelegationsOf, redelegationWindow, writeBucket } from './redelegations.js';
import { cmpBytes, emptyCodec, fail, indexAppend, indexAt, indexCount, kindOn, page, short, sweepLiveness, type Get } from './set.js';
import {
  accOf, addReward, be32, readList, writeList, BP, distribute, earned, readBig, readCarry, recordSigned, rewardBalance, SCALE, scheduleRelease, sk, takeDue, takeReward, writeBig, writeCarry,
  type Pool, type Position,
} from './rewards.js';

export const StakingKind = { Register: 0x48, Delegate: 0x49, Undelegate: 0x4a, Redelegate: 0x4b, Claim: 0x4c, Unjail: 0x4d } as const;

// sha256("hashlane/staking/escrow") and sha256("hashlane/staking/rewards"), written out
// because module load runs before the engine is ready (a test recomputes them).
export const STAKING_ESCROW = fromHex('42b457511e36dae9b33a01302cf5ec9099746112f0d467bd29ca5616e6d62064');
export const STAKING_REWARDS = fromHex('efe845fa50c6362088efdd1374e6ff7be974754925a98f30a5d81714047860ba');

/** Largest total voting power of a set (ValidatorSet admits up to 2^60 per validator; the total stays in that bound too). */
export const MAX_TOTAL_POWER = 1n << 60n;

export interface RegisterBody {
  consensusKey: Uint8Array;
  /** Basis points of delegators' rewards kept by the validator. */
  commission: number;
  /** Initial self-bond (>= minSelfBond). */
  amount: bigint;
}
export interface DelegateBody {
  validator: Uint8Array;
  amount: bigint;
}
export interface RedelegateBody {
  from: Uint8Array;
  to: Uint8Array;
  amount: bigint;
}
export type EmptyBody = Record<string, never>;

export interface ValidatorRecord extends Pool {
  operator: Uint8Array;
  consensusKey: Uint8Array;
  jailed: boolean;
  /** Caught double-signing: jailed for ever (jailedUntil = 2^32 - 1), never punished again. */
  tombstoned: boolean;
  jailedUntil: number;
  /** Bonded stake (self + delegated) after slashes. */
  tokens: bigint;
  /** Unbonding stake: the sum of the tokens of the validator's unbonding pools (b/...). */
  ubTokens: bigint;
  /** Release height of its newest unbonding pool (0: none ever); the pools link back from it. */
  ubHead: number;
  /** G when the pool was last brought up to date. */
  gSnap: bigint;
}

export interface UnbondingEntry {
  validator: Uint8Array;
  /** Shares of the validator's unbonding pool released at `release`. */
  shares: bigint;
  release: number;
}

/** One unbonding pool: the stake of one validator that began unbonding in one block (so is released in one block). */
export interface UnbondingPool {
  tokens: bigint;
  shares: bigint;
  /** Release height of the validator's next older pool (0: none); pools are released oldest first. */
  prev: number;
}

export interface ActiveEntry {
  operator: Uint8Array;
  consensusKey: Uint8Array;
  power: bigint;
  /** Height at which it (re)entered the set; downtime counts only commits it surely was expected in. */
  since: number;
}

/** The keeper: the ValidatorSetKeeper the BFT engine asks, plus read calls. */
export interface StakingKeeper extends ValidatorSetKeeper {
  /** getvalidators' staking fields of a member (by consensus key): operator, stake, self-bond, commission (basis points), jailed, tombstoned. */
  details(publicKey: Uint8Array): Record<string, unknown>;
  validator(operator: Uint8Array): ValidatorRecord | undefined;
}


const paramsCache = new WeakMap<ChainParams, StakingParams>();
/** The chain's staking section with defaults (cached per params object). */
export function stakingOf(params: ChainParams): StakingParams {
  let p = paramsCache.get(params);
  if (!p) paramsCache.set(params, (p = stakingParams(params.staking)));
  return p;
}

// ---- records ----

/** The record's status byte: bonded, jailed (may unjail after jailedUntil), tombstoned (jailed for ever). */
export const ValStatus = { Bonded: 0, Jailed: 1, Tombstoned: 2 } as const;
const NEVER = 0xffffffff;

export function encodeVal(v: ValidatorRecord): Uint8Array {
  const status = v.tombstoned ? ValStatus.Tombstoned : v.jailed ? ValStatus.Jailed : ValStatus.Bonded;
  const w = new Writer(200).fixed(v.consensusKey, 32, 'val.consensusKey').u32(v.commission, 'val.commission').u8(status, 'val.status').u32(v.jailedUntil, 'val.jailedUntil');
  for (const [n, x] of [['tokens', v.tokens], ['shares', v.shares], ['selfShares', v.selfShares], ['ubTokens', v.ubTokens], ['gSnap', v.gSnap], ['accSelf', v.accSelf], ['accDel', v.accDel]] as const) writeBig(w, x, `val.${n}`);
  return w.u32(v.ubHead, 'val.ubHead').finish();
}

/** The status byte, strictly: one of ValStatus, and a tombstone never expires. */
function readStatus(r: Reader): { jailed: boolean; tombstoned: boolean; jailedUntil: number } {
  const status = r.u8('val.status');
  const jailedUntil = r.u32('val.jailedUntil');
  if (status > ValStatus.Tombstoned) throw new DecodeError('decode-bad-value', `validator: status ${status} is none of bonded (0), jailed (1), tombstoned (2)`);
  if (status === ValStatus.Tombstoned && jailedUntil !== NEVER) throw new DecodeError('decode-bad-value', `validator: a tombstoned validator is jailed until ${NEVER}, got ${jailedUntil}`);
  return { jailed: status !== ValStatus.Bonded, tombstoned: status === ValStatus.Tombstoned, jailedUntil };
}

export function decodeVal(operator: Uint8Array, bytes: Uint8Array): ValidatorRecord {
  const r = new Reader(bytes, 'validator');
  const consensusKey = r.fixed(32, 'val.consensusKey');
  const commission = r.u32('val.commission');
  const { jailed, tombstoned, jailedUntil } = readStatus(r);
  const b = (n: string) => readBig(r, `val.${n}`);
  const v: ValidatorRecord = {
    operator, consensusKey, commission, jailed, tombstoned, jailedUntil,
    tokens: b('tokens'), shares: b('shares'), selfShares: b('selfShares'), ubTokens: b('ubTokens'), gSnap: b('gSnap'), accSelf: b('accSelf'), accDel: b('accDel'),
    ubHead: r.u32('val.ubHead'),
    commissionOwed: 0n,
  };
  r.end();
  return v;
}

const poolKey = (op: Uint8Array, release: number) => sk('b', op, be32(release));

export function readPool(s: Get, op: Uint8Array, release: number): UnbondingPool | undefined {
  const b = s.get(poolKey(op, release));
  if (!b) return undefined;
  const r = new Reader(b, 'unbonding pool');
  const p = { tokens: readBig(r, 'pool.tokens'), shares: readBig(r, 'pool.shares'), prev: r.u32('pool.prev') };
  r.end();
  return p;
}
const writePool = (s: ModuleStore, op: Uint8Array, release: number, p: UnbondingPool) =>
  s.set(poolKey(op, release), p.shares === 0n && p.tokens === 0n ? undefined : writeBig(writeBig(new Writer(48), p.tokens, 'pool.tokens'), p.shares, 'pool.shares').u32(p.prev, 'pool.prev').finish());
/** What `shares` of a pool are worth (the last holder gets the rounding rest). */
const poolValue = (p: UnbondingPool, shares: bigint) => (shares === p.shares ? p.tokens : p.shares === 0n ? 0n : (shares * p.tokens) / p.shares);

const readVal = (s: Get, op: Uint8Array) => {
  const b = s.get(sk('v', op));
  return b ? decodeVal(op, b) : undefined;
};
const needVal = (s: Get, op: Uint8Array) => readVal(s, op) ?? fail('bad-staking-unknown-validator', `no validator with operator ${short(op)} is registered`);

interface Global {
  G: bigint;
  T: bigint;
  issued: bigint;
  /** Stake burned by slashes, in total (the only way coins leave the escrow other than to their owners). */
  slashed: bigint;
}
function readGlobal(s: Get): Global {
  const b = s.get('g');
  if (!b) return { G: 0n, T: 0n, issued: 0n, slashed: 0n };
  const r = new Reader(b, 'staking global');
  const g = { G: readBig(r, 'G'), T: readBig(r, 'T'), issued: readBig(r, 'issued'), slashed: readBig(r, 'slashed') };
  r.end();
  return g;
}
const writeGlobal = (s: ModuleStore, g: Global) => s.set('g', writeBig(writeBig(writeBig(writeBig(new Writer(80), g.G, 'G'), g.T, 'T'), g.issued, 'issued'), g.slashed, 'slashed').finish());

function readPos(s: Get, op: Uint8Array, acct: Uint8Array): Position {
  const b = s.get(sk('d', op, acct));
  if (!b) return { shares: 0n, snap: 0n };
  const r = new Reader(b, 'position');
  const p = { shares: readBig(r, 'shares'), snap: readBig(r, 'snap') };
  r.end();
  return p;
}
const writePos = (s: ModuleStore, op: Uint8Array, acct: Uint8Array, p: Position) =>
  s.set(sk('d', op, acct), p.shares === 0n ? undefined : writeBig(writeBig(new Writer(48), p.shares, 'shares'), p.snap, 'snap').finish());

export function readUnbonding(s: Get, acct: Uint8Array): UnbondingEntry[] {
  const b = s.get(sk('u', acct));
  if (!b) return [];
  const r = new Reader(b, 'unbonding');
  const out: UnbondingEntry[] = [];
  while (r.remaining > 0) out.push({ validator: r.fixed(32, 'unbonding.validator'), shares: readBig(r, 'unbonding.shares'), release: r.u32('unbonding.release') });
  return out;
}
function writeUnbonding(s: ModuleStore, acct: Uint8Array, list: UnbondingEntry[]): void {
  if (list.length === 0) return s.set(sk('u', acct), undefined);
  const w = new Writer(64 * list.length);
  for (const e of list) writeBig(w.fixed(e.validator, 32, 'unbonding.validator'), e.shares, 'unbonding.shares').u32(e.release, 'unbonding.release');
  s.set(sk('u', acct), w.finish());
}

export function readActive(s: Get): ActiveEntry[] {
  const b = s.get('a');
  if (!b) return [];
  const r = new Reader(b, 'active set');
  const out: ActiveEntry[] = [];
  while (r.remaining > 0) out.push({ operator: r.fixed(32, 'active.operator'), consensusKey: r.fixed(32, 'active.consensusKey'), power: readBig(r, 'active.power'), since: r.u32('active.since') });
  return out;
}
function writeActive(s: ModuleStore, set: ActiveEntry[]): void {
  const w = new Writer(80 * set.length + 8);
  for (const e of set) writeBig(w.fixed(e.operator, 32, 'active.operator').fixed(e.consensusKey, 32, 'active.consensusKey'), e.power, 'active.power').u32(e.since, 'active.since');
  s.set('a', set.length ? w.finish() : undefined);
}

// ---- the operations (each on a store; the bank through its keeper) ----

interface Ops {
  store: ModuleStore;
  params: ChainParams;
  p: StakingParams;
  bank: BankKeeper;
  g: Global;
}

function ops(store: ModuleStore, params: ChainParams, call: <T>(m: string) => T): Ops {
  return { store, params, p: stakingOf(params), bank: call<BankKeeper>('bank'), g: readGlobal(store) };
}

/** Brings a validator's pool up to G and moves its commission to the operator's reward balance. */
function settleVal(o: Ops, v: ValidatorRecord): void {
  if (!v.jailed && v.gSnap !== o.g.G) {
    const rest = distribute(v, v.tokens * (o.g.G - v.gSnap));
    if (rest) writeCarry(o.store, readCarry(o.store) + rest);
    addReward(o.store, v.operator, v.commissionOwed);
    v.commissionOwed = 0n;
  }
  v.gSnap = o.g.G;
}

/** Moves what a position earned into its owner's reward balance. */
function settlePos(o: Ops, v: ValidatorRecord, acct: Uint8Array): Position {
  const pos = readPos(o.store, v.operator, acct);
  const self = bytesEqual(v.operator, acct);
  addReward(o.store, acct, earned(v, pos, self));
  pos.snap = accOf(v, self);
  return pos;
}

const valueOf = (v: ValidatorRecord, shares: bigint) => (shares === v.shares ? v.tokens : v.shares === 0n ? 0n : (shares * v.tokens) / v.shares);

function save(o: Ops, v: ValidatorRecord): void {
  o.store.set(sk('v', v.operator), encodeVal(v));
  writeGlobal(o.store, o.g);
}

/** Bonds `amount` of `acct` (already moved to the escrow) into validator `v`'s pool; returns the shares it bought. */
function bondInto(o: Ops, v: ValidatorRecord, acct: Uint8Array, amount: bigint): bigint {
  if (amount <= 0n) fail('bad-staking-amount', 'a bond needs a positive amount');
  if (v.shares > 0n && v.tokens === 0n) fail('bad-staking-validator-empty', `validator ${short(v.operator)} has no tokens left behind its shares`);
  const shares = v.shares === 0n ? amount : (amount * v.shares) / v.tokens;
  if (shares === 0n) fail('bad-staking-amount', `${amount} buys no share of validator ${short(v.operator)} (one share is worth ${v.tokens / v.shares})`);
  settleVal(o, v);
  const self = bytesEqual(v.operator, acct);
  const pos = settlePos(o, v, acct);
  if (pos.shares === 0n) {
    const key = sk('p', acct);
    const list = readList(o.store, key);
    if (list.length >= o.p.maxDelegations) fail('bad-staking-too-many', `the account already has positions with ${list.length} validators, at most ${o.p.maxDelegations}`);
    list.push(v.operator);
    writeList(o.store, key, list);
  }
  pos.shares += shares;
  v.shares += shares;
  if (self) v.selfShares += shares;
  v.tokens += amount;
  if (!v.jailed) o.g.T += amount;
  writePos(o.store, v.operator, acct, pos);
  save(o, v);
  return shares;
}

/** Takes `amount` (or a bit more: whole shares) out of `acct`'s position in `v`; returns the tokens removed. */
function unbondFrom(o: Ops, v: ValidatorRecord, acct: Uint8Array, amount: bigint, height: number): bigint {
  if (amount <= 0n) fail('bad-staking-amount', 'an unbond needs a positive amount');
  settleVal(o, v);
  const pos = settlePos(o, v, acct);
  const worth = valueOf(v, pos.shares);
  if (pos.shares === 0n || v.tokens === 0n) fail('bad-staking-no-position', `the account has no bonded stake with validator ${short(v.operator)}`);
  let shares = (amount * v.shares + v.tokens - 1n) / v.tokens;
  if (shares > pos.shares) fail('bad-staking-insufficient', `unbonding ${amount} from validator ${short(v.operator)}; the position is worth ${worth}`);
  if (amount >= worth) shares = pos.shares;
  const tokens = valueOf(v, shares);
  const self = bytesEqual(v.operator, acct);
  if (self) {
    const left = valueOf(v, pos.shares - shares);
    if (left > 0n && left < o.p.minSelfBond) fail('bad-staking-min-self-bond', `the self-bond would drop to ${left}, below the minimum ${o.p.minSelfBond}; unbond all of it or keep at least the minimum`);
  }
  takeShares(o, v, acct, pos, shares, tokens, height);
  return tokens;
}

/**
 * Takes `shares` worth `tokens` out of a settled position and its pool, and saves both. A
 * position emptied leaves the account's list; an operator whose own position this empties
 * is jailed (Cosmos: below min self-delegation -> jailed; no validator runs without a self-bond).
 */
function takeShares(o: Ops, v: ValidatorRecord, acct: Uint8Array, pos: Position, shares: bigint, tokens: bigint, height: number): void {
  const self = bytesEqual(v.operator, acct);
  pos.shares -= shares;
  v.shares -= shares;
  if (self) v.selfShares -= shares;
  v.tokens -= tokens;
  if (!v.jailed) o.g.T -= tokens;
  writePos(o.store, v.operator, acct, pos);
  if (shares > 0n && pos.shares === 0n) {
    const key = sk('p', acct);
    writeList(o.store, key, readList(o.store, key).filter((x) => !bytesEqual(x, v.operator)));
    if (self && !v.jailed) jail(o, v, height);
  }
  save(o, v);
}

function jail(o: Ops, v: ValidatorRecord, height: number): void {
  settleVal(o, v);
  if (!v.jailed) {
    v.jailed = true;
    o.g.T -= v.tokens;
  }
  if (!v.tombstoned) v.jailedUntil = Math.min(NEVER, height + o.p.unjailDelay);
  o.store.set(sk('m', v.operator), undefined);
  // The set never becomes empty: a chain without validators could never seal a block again.
  const set = readActive(o.store);
  if (set.length > 1) writeActive(o.store, set.filter((e) => !bytesEqual(e.operator, v.operator)));
  save(o, v);
}

/**
 * The oldest offence height a slash at `height` looks back to: evidence is at most
 * evidenceMaxAge blocks old (the bft module refuses older), and the clamp here keeps a
 * slash's walk over the unbonding pools within that bound whatever the caller passes.
 */
function offenceAt(o: Ops, height: number, offenceHeight: number): number {
  const maxAge = o.params.evidenceMaxAge ?? DEFAULT_EVIDENCE_MAX_AGE;
  return Math.min(height, Math.max(offenceHeight, height - maxAge, 0));
}

/**
 * Burns `bp` basis points (rounded down, per pool) of the validator's bonded stake and of
 * the stake that began unbonding at or after `offenceHeight`: stake that had begun leaving
 * before the offence was not behind it (Cosmos skips unbonding entries created before the
 * infraction height). Pools are keyed by release height = begin + unbondingBlocks and
 * linked newest first, so the walk stops at the first pool begun before the offence; it
 * touches at most height - offenceHeight + 1 <= evidenceMaxAge + 1 pools (one per block),
 * whatever the number of delegators. A pool released at this very height is matured
 * (Cosmos: completion time reached) and is left alone.
 */
function slash(o: Ops, v: ValidatorRecord, bp: number, offenceHeight: number, height: number): bigint {
  settleVal(o, v);
  const bonded = (v.tokens * BigInt(bp)) / BP;
  v.tokens -= bonded;
  if (!v.jailed) o.g.T -= bonded;
  let unbonding = 0n;
  const from = offenceHeight + o.p.unbondingBlocks;
  for (let at = v.ubHead; at > height && at >= from; ) {
    const pool = readPool(o.store, v.operator, at);
    if (!pool) break; // released, and so is every older pool
    const cut = (pool.tokens * BigInt(bp)) / BP;
    pool.tokens -= cut;
    unbonding += cut;
    writePool(o.store, v.operator, at, pool);
    at = pool.prev;
  }
  v.ubTokens -= unbonding;
  const moved = slashRedelegations(o, v, bp, offenceHeight, height);
  o.g.slashed += bonded + unbonding + moved;
  if (bonded + unbonding + moved > 0n) o.bank.burn(STAKING_ESCROW, bonded + unbonding + moved);
  save(o, v);
  return bonded + unbonding + moved;
}

/**
 * The stake redelegated away from `src` at or after the offence height, and not matured
 * (begun more than unbondingBlocks before this height: the same rule as the unbonding
 * pools, so an entry begun exactly unbondingBlocks ago is left alone), loses the fraction
 * where it now is: each entry's shares of its destination are cut by bp (rounded down), and
 * that many shares (at most what the delegator's position there still holds) are burned
 * from the position. Stake the delegator has since undelegated or redelegated again is out
 * of reach (Cosmos slashes only the destination delegation too); what is left is slashed,
 * never more than there is. The buckets walk newest first and stop at the first one begun
 * before the offence, matured or pruned: at most window + 1 buckets of at most
 * maxRedelegationsPerBlock entries. Returns the tokens burned (the caller burns them).
 */
function slashRedelegations(o: Ops, src: ValidatorRecord, bp: number, offenceHeight: number, height: number): bigint {
  let burned = 0n;
  for (let at = redelegationHead(o.store, src.operator); at >= offenceHeight && at + o.p.unbondingBlocks > height; ) {
    const bucket = readBucket(o.store, src.operator, at);
    if (!bucket) break; // pruned, and so is every older bucket
    let changed = false;
    for (const e of bucket.entries) {
      const cut = (e.shares * BigInt(bp)) / BP;
      if (cut === 0n) continue;
      e.shares -= cut;
      changed = true;
      burned += burnShares(o, e.dst, e.delegator, cut, height);
    }
    if (changed) writeBucket(o.store, src.operator, at, bucket);
    at = bucket.prev;
  }
  return burned;
}

/**
 * Removes up to `shares` of `acct`'s position with validator `op` and returns their worth
 * (rounded down, so the share price never falls and the pool's other holders lose
 * nothing), which leaves the escrow with the caller's burn. The pool and the position are
 * settled first (F1: what they earned before the cut stays earned). The destination is not
 * punished: it stays bonded or jailed as it was; only the self-bond rule applies as in an
 * undelegation (an operator whose own position this empties is jailed: no validator runs
 * without a self-bond).
 */
function burnShares(o: Ops, op: Uint8Array, acct: Uint8Array, shares: bigint, height: number): bigint {
  const v = needVal(o.store, op);
  settleVal(o, v);
  const pos = settlePos(o, v, acct);
  const take = shares < pos.shares ? shares : pos.shares;
  const tokens = take === 0n ? 0n : valueOf(v, take);
  takeShares(o, v, acct, pos, take, tokens, height);
  return tokens;
}

/**
 * Double-sign: slashed once, jailed and tombstoned (Cosmos x/slashing): it can never
 * unjail, and nothing more is taken from it or its delegators, whatever further evidence
 * or downtime names it. Downtime: the small slash and a jail it may leave after unjailDelay.
 */
function punish(o: Ops, consensusKey: Uint8Array, offence: 'double-sign' | 'downtime', height: number, offenceHeight: number): void {
  const op = o.store.get(sk('c', consensusKey));
  if (!op) return; // not a staking validator (never registered): nothing to take
  const v = needVal(o.store, op);
  if (v.tombstoned) return;
  slash(o, v, offence === 'double-sign' ? o.p.doubleSignSlash : o.p.downtimeSlash, offenceAt(o, height, offenceHeight), height);
  if (offence === 'double-sign') {
    v.tombstoned = true;
    v.jailedUntil = NEVER;
  }
  jail(o, v, height);
}

function startUnbonding(o: Ops, v: ValidatorRecord, acct: Uint8Array, tokens: bigint, height: number): void {
  // Nothing to hold (a position worth less than a base unit): no entry, so every stored pool holds tokens.
  if (tokens === 0n) return;
  const list = readUnbonding(o.store, acct);
  if (list.length >= o.p.maxUnbondings) fail('bad-staking-too-many', `the account has ${list.length} unbonding entries, at most ${o.p.maxUnbondings}; wait for one to be released`);
  const release = height + o.p.unbondingBlocks;
  // One pool per (validator, block): the first unbonding of the block opens it, linked to the previous newest.
  const pool = readPool(o.store, v.operator, release) ?? { tokens: 0n, shares: 0n, prev: v.ubHead };
  // A pool's share price never rises (nothing is added to it but at that price, slashes only lower it), so shares >= tokens.
  const shares = pool.shares === 0n || pool.tokens === 0n ? tokens : (tokens * pool.shares) / pool.tokens;
  list.push({ validator: v.operator, shares, release });
  pool.shares += shares;
  pool.tokens += tokens;
  v.ubTokens += tokens;
  v.ubHead = release;
  writePool(o.store, v.operator, release, pool);
  writeUnbonding(o.store, acct, list);
  scheduleRelease(o.store, release, acct);
  save(o, v);
}

/** Pays the entries due at `height`: every entry of a pool is due in the same block, so its pools empty (and are deleted) here. */
function release(o: Ops, height: number): void {
  const vals = new Map<string, { v: ValidatorRecord; pool: UnbondingPool }>();
  for (const acct of takeDue(o.store, height)) {
    const keep: UnbondingEntry[] = [];
    for (const e of readUnbonding(o.store, acct)) {
      if (e.release !== height) {
        keep.push(e);
        continue;
      }
      const id = binKey(e.validator);
      let x = vals.get(id);
      if (!x) {
        // Every entry's pool exists (entries hold tokens, a slash never takes a pool's last unit); the fallback only keeps the chain going.
        const pool = readPool(o.store, e.validator, height) ?? { tokens: 0n, shares: 0n, prev: 0 };
        vals.set(id, (x = { v: needVal(o.store, e.validator), pool }));
      }
      const tokens = poolValue(x.pool, e.shares);
      x.pool.shares -= e.shares;
      x.pool.tokens -= tokens;
      x.v.ubTokens -= tokens;
      if (tokens > 0n) o.bank.transfer(STAKING_ESCROW, acct, tokens);
    }
    writeUnbonding(o.store, acct, keep);
  }
  for (const { v, pool } of vals.values()) {
    writePool(o.store, v.operator, height, pool);
    if (v.ubHead === height) v.ubHead = 0; // its newest pool is gone, so are all
    o.store.set(sk('v', v.operator), encodeVal(v));
  }
}

function register(o: Ops, operator: Uint8Array, b: RegisterBody, height: number): void {
  if (o.store.get(sk('v', operator))) fail('bad-staking-registered', `account ${short(operator)} is already a validator`);
  if (o.store.get(sk('c', b.consensusKey))) fail('bad-staking-consensus-key', `consensus key ${short(b.consensusKey)} is already used by a validator`);
  if (b.amount < o.p.minSelfBond) fail('bad-staking-min-self-bond', `the self-bond ${b.amount} is below the minimum ${o.p.minSelfBond}`);
  const v: ValidatorRecord = {
    operator, consensusKey: b.consensusKey, commission: b.commission, jailed: false, tombstoned: false, jailedUntil: 0,
    tokens: 0n, shares: 0n, selfShares: 0n, ubTokens: 0n, ubHead: 0, gSnap: o.g.G, accSelf: 0n, accDel: 0n, commissionOwed: 0n,
  };
  o.store.set(sk('c', b.consensusKey), operator);
  indexAppend(o.store, operator);
  o.bank.transfer(operator, STAKING_ESCROW, b.amount);
  bondInto(o, v, operator, b.amount);
  void height;
}

function claim(o: Ops, acct: Uint8Array): bigint {
  const own = readVal(o.store, acct);
  const ops = readList(o.store, sk('p', acct));
  if (own && !ops.some((x) => bytesEqual(x, acct))) ops.push(acct);
  for (const op of ops) {
    const v = needVal(o.store, op);
    settleVal(o, v);
    writePos(o.store, op, acct, settlePos(o, v, acct));
    save(o, v);
  }
  const paid = takeReward(o.store, acct);
  if (paid > 0n) o.bank.transfer(STAKING_REWARDS, acct, paid);
  return paid;
}

// ---- the active set ----

/** Powers for stakes: stake >> shift, the smallest shift keeping the total <= 2^60; zero powers dropped. */
export function powersOf<T extends { stake: bigint }>(list: T[]): (T & { power: bigint })[] {
  let total = 0n;
  for (const x of list) total += x.stake;
  let shift = 0n;
  while (total >> shift > MAX_TOTAL_POWER) shift++;
  return list.map((x) => ({ ...x, power: x.stake >> shift })).filter((x) => x.power > 0n);
}

/** The fields an election needs, read from a stored record without decoding the rest (10,000 candidates per epoch). */
function candidateOf(bytes: Uint8Array): { consensusKey: Uint8Array; jailed: boolean; tokens: bigint } {
  const r = new Reader(bytes, 'validator');
  const consensusKey = r.view_(32, 'val.consensusKey');
  r.u32('val.commission');
  const { jailed } = readStatus(r);
  return { consensusKey, jailed, tokens: readBig(r, 'val.tokens') };
}

/** The top K by stake (ties: smaller consensus key first). */
export function recomputeActive(store: ModuleStore, p: StakingParams, height: number): ActiveEntry[] {
  const n = indexCount(store);
  const cands: { operator: Uint8Array; consensusKey: Uint8Array; stake: bigint }[] = [];
  for (let i = 0; i < n; i++) {
    const operator = indexAt(store, i);
    const c = candidateOf(store.get(sk('v', operator))!);
    if (!c.jailed && c.tokens > 0n) cands.push({ operator, consensusKey: c.consensusKey, stake: c.tokens });
  }
  cands.sort((a, b) => (a.stake === b.stake ? cmpBytes(a.consensusKey, b.consensusKey) : a.stake > b.stake ? -1 : 1));
  const prev = new Map(readActive(store).map((e) => [binKey(e.operator), e.since]));
  const set = powersOf(cands.slice(0, p.maxValidators)).map((c) => ({ operator: c.operator, consensusKey: c.consensusKey, power: c.power, since: prev.get(binKey(c.operator)) ?? height }));
  if (set.length) writeActive(store, set);
  return set;
}

// ---- kinds ----

function amountCheck(tx: Transaction<{ amount: bigint }>): void {
  if (tx.body.amount === 0n) fail('bad-staking-amount', 'the amount must be positive');
}

const kind = kindOn((ctx) => ops(ctx.store, ctx.params, ctx.call));

const registerKind = kind<RegisterBody>({
  kind: StakingKind.Register,
  name: 'register-validator',
  codec: {
    write: (w, b) => void w.fixed(b.consensusKey, 32, 'register.consensusKey').u32(b.commission, 'register.commission').u64(b.amount, 'register.amount'),
    read: (r) => ({ consensusKey: r.fixed(32, 'register.consensusKey'), commission: r.u32('register.commission'), amount: r.u64('register.amount') }),
  },
  check(tx) {
    if (tx.body.commission > 10_000) fail('bad-staking-commission', `commission is ${tx.body.commission} basis points, at most 10000 (100 %)`);
    amountCheck(tx);
  },
  spend: (tx) => tx.body.amount,
  run(o, tx, ctx) {
    register(o, tx.from, tx.body, ctx.height);
    return `registered validator ${toHex(tx.from)}`;
  },
  toJson: (b) => ({ consensuskey: toHex(b.consensusKey), commission: b.commission, amount: b.amount.toString() }),
  fromJson: (j) => ({ consensusKey: hex32(j.consensuskey, 'consensuskey'), commission: intField(j.commission, 'commission', 0xffffffff), amount: units(j.amount, 'amount') }),
});

function intField(v: unknown, name: string, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw new DecodeError('decode-bad-json', `${name} must be an integer in [0, ${max}]`);
  return v;
}

const delegateCodec = (name: string) => ({
  write: (w: Writer, b: DelegateBody) => void w.fixed(b.validator, 32, `${name}.validator`).u64(b.amount, `${name}.amount`),
  read: (r: Reader): DelegateBody => ({ validator: r.fixed(32, `${name}.validator`), amount: r.u64(`${name}.amount`) }),
});
const delegateJson = {
  toJson: (b: DelegateBody) => ({ validator: toHex(b.validator), amount: b.amount.toString() }),
  fromJson: (j: Record<string, unknown>): DelegateBody => ({ validator: hex32(j.validator, 'validator'), amount: units(j.amount, 'amount') }),
};

const delegateKind = kind<DelegateBody>({
  kind: StakingKind.Delegate,
  name: 'delegate',
  codec: delegateCodec('delegate'),
  check: amountCheck,
  spend: (tx) => tx.body.amount,
  run(o, tx) {
    const v = needVal(o.store, tx.body.validator);
    o.bank.transfer(tx.from, STAKING_ESCROW, tx.body.amount);
    bondInto(o, v, tx.from, tx.body.amount);
    return `bonded ${tx.body.amount} with ${toHex(v.operator)}`;
  },
  ...delegateJson,
});

const undelegateKind = kind<DelegateBody>({
  kind: StakingKind.Undelegate,
  name: 'undelegate',
  codec: delegateCodec('undelegate'),
  check: amountCheck,
  run(o, tx, ctx) {
    const v = needVal(o.store, tx.body.validator);
    const tokens = unbondFrom(o, v, tx.from, tx.body.amount, ctx.height);
    startUnbonding(o, v, tx.from, tokens, ctx.height);
    return `unbonding ${tokens} until height ${ctx.height + o.p.unbondingBlocks}`;
  },
  ...delegateJson,
});

const redelegateKind = kind<RedelegateBody>({
  kind: StakingKind.Redelegate,
  name: 'redelegate',
  codec: {
    write: (w, b) => void w.fixed(b.from, 32, 'redelegate.from').fixed(b.to, 32, 'redelegate.to').u64(b.amount, 'redelegate.amount'),
    read: (r) => ({ from: r.fixed(32, 'redelegate.from'), to: r.fixed(32, 'redelegate.to'), amount: r.u64('redelegate.amount') }),
  },
  check(tx) {
    amountCheck(tx);
    if (bytesEqual(tx.body.from, tx.body.to)) fail('bad-staking-redelegate-same', 'redelegation needs two different validators');
  },
  run(o, tx, ctx) {
    const src = needVal(o.store, tx.body.from);
    const dst = needVal(o.store, tx.body.to);
    // A tombstoned source is never slashed again: nothing to record, and no cap on leaving it.
    const track = !src.tombstoned;
    // Cosmos's transitive check: stake that came into src by a redelegation still slashable
    // for its own source may not hop on, or S -> D -> E in two blocks would escape S's slash.
    for (const e of redelegationsOf(o.store, tx.from)) {
      if (bytesEqual(e.dst, src.operator)) fail('bad-staking-redelegation-transitive', `stake redelegated into ${short(src.operator)} from ${short(e.src)} at height ${e.begin} stays slashable there until height ${e.begin + redelegationWindow(o.p.unbondingBlocks, ctx.params.evidenceMaxAge ?? DEFAULT_EVIDENCE_MAX_AGE) + 1}; undelegate it, or redelegate it after that`);
    }
    if (track) redelegationRoom(o.store, src.operator, ctx.height, tx.from, dst.operator, o.p.maxRedelegationsPerBlock);
    const tokens = unbondFrom(o, src, tx.from, tx.body.amount, ctx.height);
    const shares = bondInto(o, dst, tx.from, tokens);
    if (track) recordRedelegation(o.store, src.operator, ctx.height, { delegator: tx.from, dst: dst.operator, shares, tokens });
    return `moved ${tokens} from ${toHex(src.operator)} to ${toHex(dst.operator)}`;
  },
  toJson: (b) => ({ validator: toHex(b.from), to: toHex(b.to), amount: b.amount.toString() }),
  fromJson: (j) => ({ from: hex32(j.validator, 'validator'), to: hex32(j.to, 'to'), amount: units(j.amount, 'amount') }),
});

const claimKind = kind<EmptyBody>({
  kind: StakingKind.Claim,
  name: 'claim-rewards',
  codec: emptyCodec,
  check: () => undefined,
  run: (o, tx) => `claimed ${claim(o, tx.from)}`,
  toJson: () => ({}),
  fromJson: () => ({}),
});

const unjailKind = kind<EmptyBody>({
  kind: StakingKind.Unjail,
  name: 'unjail',
  codec: emptyCodec,
  check: () => undefined,
  run(o, tx, ctx) {
    const v = needVal(o.store, tx.from);
    if (v.tombstoned) fail('bad-staking-tombstoned', `validator ${short(v.operator)} was caught double-signing: it is jailed for ever`);
    if (!v.jailed) fail('bad-staking-not-jailed', `validator ${short(v.operator)} is not jailed`);
    if (ctx.height < v.jailedUntil) fail('bad-staking-jailed', `validator ${short(v.operator)} may unjail from height ${v.jailedUntil}, this is ${ctx.height}`);
    if (valueOf(v, v.selfShares) < o.p.minSelfBond) fail('bad-staking-min-self-bond', `the self-bond ${valueOf(v, v.selfShares)} is below the minimum ${o.p.minSelfBond}; bond more first`);
    v.jailed = false;
    v.gSnap = o.g.G;
    o.g.T += v.tokens;
    save(o, v);
    return `unjailed; back in the set from the next epoch`;
  },
  toJson: () => ({}),
  fromJson: () => ({}),
});

// ---- views ----

/** A validator's pool as it would be if settled now (for views; nothing written). */
function settledCopy(v: ValidatorRecord, G: bigint): ValidatorRecord {
  const c = { ...v };
  if (!c.jailed) distribute(c, c.tokens * (G - c.gSnap));
  return c;
}

function validatorJson(v: ValidatorRecord, active: Map<string, ActiveEntry>) {
  const a = active.get(binKey(v.operator));
  return {
    operator: toHex(v.operator),
    consensuskey: toHex(v.consensusKey),
    stake: v.tokens.toString(),
    selfbond: valueOf(v, v.selfShares).toString(),
    unbonding: v.ubTokens.toString(),
    commission: v.commission,
    jailed: v.jailed,
    tombstoned: v.tombstoned,
    jaileduntil: v.jailed && !v.tombstoned ? v.jailedUntil : null,
    active: a !== undefined,
    power: a ? a.power.toString() : '0',
  };
}

/** The module's carry (scaled units not yet spread) and coins issued to stakers: with the accounts' exact pending rewards, the whole ledger (tests). */
export function stakingLedger(q: Pick<StateQuery, 'read'>): { carry: bigint; issued: bigint; bonded: bigint; slashed: bigint } {
  const s: Get = { get: (k) => q.read(staking.namespace, k) };
  const g = readGlobal(s);
  return { carry: readCarry(s), issued: g.issued, bonded: g.T, slashed: g.slashed };
}

/** What an account has staked and earned: the getstaking view (amounts as decimal strings, base units). */
export const stakingOfAccount = (q: Pick<StateQuery, 'read'>, acct: Uint8Array) => accountView(q, acct).json;

function accountView(q: Pick<StateQuery, 'read'>, acct: Uint8Array) {
  const s: Get = { get: (k) => q.read(staking.namespace, k) };
  const g = readGlobal(s);
  let pending = rewardBalance(s, acct);
  const delegations = readList(s, sk('p', acct)).map((op) => {
    const v = settledCopy(needVal(s, op), g.G);
    const pos = readPos(s, op, acct);
    const e = earned(v, pos, bytesEqual(op, acct));
    pending += e;
    return { validator: toHex(op), shares: pos.shares.toString(), amount: valueOf(v, pos.shares).toString(), pendingreward: (e / SCALE).toString() };
  });
  const own = readVal(s, acct);
  if (own) pending += settledCopy(own, g.G).commissionOwed;
  const unbonding = readUnbonding(s, acct).map((e) => {
    const pool = readPool(s, e.validator, e.release);
    return { validator: toHex(e.validator), amount: (pool ? poolValue(pool, e.shares) : 0n).toString(), releaseheight: e.release };
  });
  // Moves still slashable for the source's offences: the tokens moved, the shares of the destination a slash of the source would cut its fraction of.
  const redelegations = redelegationsOf(s, acct).map((e) => ({ validator: toHex(e.src), to: toHex(e.dst), amount: e.tokens.toString(), shares: e.shares.toString(), beginheight: e.begin }));
  const active = new Map(readActive(s).map((e) => [binKey(e.operator), e]));
  let bonded = 0n;
  for (const d of delegations) bonded += BigInt(d.amount);
  return { pending, json: { address: toHex(acct), bonded: bonded.toString(), delegations, unbonding, redelegations, pendingrewards: (pending / SCALE).toString(), validator: own ? validatorJson(own, active) : null } };
}

/** An account's pending rewards in scaled units (settled balance + unsettled positions + commission), exact. */
export const pendingRewardsScaled = (q: Pick<StateQuery, 'read'>, acct: Uint8Array): bigint => accountView(q, acct).pending;

const MAX_LIST = 200;

export const staking: ChainModule<StakingKeeper> = {
  name: 'staking',
  namespace: 'staking',
  kinds: [registerKind, delegateKind, undelegateKind, redelegateKind, claimKind, unjailKind] as unknown as readonly KindSpec<never>[],
  genesis(ctx) {
    const o = ops(ctx.store, ctx.params, ctx.call);
    const genesis = o.p.genesis.length
      ? o.p.genesis
      : (ctx.params.validators ?? []).map((v) => ({ operator: v.publicKey, consensusKey: v.publicKey, stake: v.power * o.p.genesisStakePerPower, commission: 0 }));
    for (const g of genesis) {
      o.bank.mint(g.operator, g.stake);
      register(o, g.operator, { consensusKey: g.consensusKey, commission: g.commission, amount: g.stake }, 0);
    }
    recomputeActive(ctx.store, o.p, 0);
  },
  keeper(ctx) {
    const o = () => ops(ctx.store, ctx.params, ctx.call);
    return {
      members: () => readActive(ctx.store).map((e) => ({ publicKey: e.consensusKey, power: e.power })),
      punish: (pk, offence, height, offenceHeight = height) => punish(o(), pk, offence, height, offenceHeight),
      details(pk) {
        const op = ctx.store.get(sk('c', pk));
        const v = op && readVal(ctx.store, op);
        if (!v) return {};
        const j = validatorJson(v, new Map(readActive(ctx.store).map((e) => [binKey(e.operator), e])));
        return { operator: j.operator, stake: j.stake, selfbond: j.selfbond, commission: j.commission, jailed: j.jailed, tombstoned: j.tombstoned };
      },
      validator: (op) => readVal(ctx.store, op),
    };
  },
  endBlock(ctx) {
    const o = ops(ctx.store, ctx.params, ctx.call);
    release(o, ctx.height);
    pruneRedelegations(o.store, ctx.height, redelegationWindow(o.p.unbondingBlocks, ctx.params.evidenceMaxAge ?? DEFAULT_EVIDENCE_MAX_AGE));
    const amount = ctx.reward + ctx.fees - ctx.claimed;
    if (amount > 0n) {
      o.bank.mint(STAKING_REWARDS, amount);
      o.g.issued += amount;
      const scaled = amount * SCALE + readCarry(o.store);
      if (o.g.T === 0n) writeCarry(o.store, scaled);
      else {
        o.g.G += scaled / o.g.T;
        writeCarry(o.store, scaled % o.g.T);
      }
      writeGlobal(o.store, o.g);
    }
    sweepLiveness(ctx, o.store, readActive(o.store), o.p, (op) => {
      const v = needVal(o.store, op);
      // A tombstoned validator can still be the set's last member (the set never empties); it is not punished again.
      if (v.tombstoned) return;
      slash(o, v, o.p.downtimeSlash, ctx.height, ctx.height);
      jail(o, v, ctx.height);
    });
    if (ctx.height % o.p.epochLength === 0) recomputeActive(ctx.store, o.p, ctx.height);
  },
  rpc: {
    getstaking: {
      description: 'getstaking address — bonded stake per validator, unbonding entries with their release heights, redelegations still slashable for the source validator\'s offences (with their begin heights), pending rewards (base units), and the validator record if the address operates one',
      params: [{ name: 'address', type: 'hex', maxBytes: 32 }],
      handler: (q, [addr]) => stakingOfAccount(q, bytesParam(addr, 'address')),
    },
    listvalidators: {
      description: `listvalidators [start=0] [count=${MAX_LIST}] — registered validators in registration order: stake, self-bond, commission (basis points), jailed, tombstoned, active, power; and the total`,
      params: [
        { name: 'start', type: 'int', optional: true },
        { name: 'count', type: 'int', optional: true },
      ],
      handler(q, [start, count]) {
        const s: Get = { get: (k) => q.read(staking.namespace, k) };
        const active = new Map(readActive(s).map((e) => [binKey(e.operator), e]));
        const { total, rows } = page(s, start, count, MAX_LIST, (op) => validatorJson(needVal(s, op), active));
        return { total, validators: rows };
      },
    },
    getstakinginfo: {
      description: 'getstakinginfo — the staking parameters, total bonded stake, coins issued to stakers, the active set size',
      params: [],
      handler(q) {
        const s: Get = { get: (k) => q.read(staking.namespace, k) };
        const p = stakingOf(q.params);
        const g = readGlobal(s);
        return {
          module: 'staking',
          bonded: g.T.toString(),
          issued: g.issued.toString(),
          slashed: g.slashed.toString(),
          active: readActive(s).length,
          maxvalidators: p.maxValidators,
          epochlength: p.epochLength,
          unbondingblocks: p.unbondingBlocks,
          doublesignslash: p.doubleSignSlash,
          downtimeslash: p.downtimeSlash,
          signedwindow: p.signedWindow,
          minsigned: p.minSigned,
          unjaildelay: p.unjailDelay,
          minselfbond: p.minSelfBond.toString(),
          maxredelegationsperblock: p.maxRedelegationsPerBlock,
        };
      },
    },
  },
  cli: [
    { verb: 'wallet stake', kind: StakingKind.Delegate, summary: 'wallet stake <amount> [--consensus-key k --commission bp]: bond to your own validator (registers it the first time)', args: [{ name: 'amount', description: 'amount in coins', type: 'amount' }] },
    { verb: 'wallet unstake', kind: StakingKind.Undelegate, summary: 'wallet unstake <amount>: unbond from your own validator (released after the unbonding period)', args: [{ name: 'amount', description: 'amount in coins', type: 'amount' }] },
    { verb: 'wallet delegate', kind: StakingKind.Delegate, summary: 'wallet delegate <validator> <amount>', args: [{ name: 'validator', description: "the validator's operator address", type: 'address' }, { name: 'amount', description: 'amount in coins', type: 'amount' }] },
    { verb: 'wallet undelegate', kind: StakingKind.Undelegate, summary: 'wallet undelegate <validator> <amount>', args: [{ name: 'validator', description: "the validator's operator address", type: 'address' }, { name: 'amount', description: 'amount in coins', type: 'amount' }] },
    { verb: 'wallet claim', kind: StakingKind.Claim, summary: 'wallet claim: pay out the settled rewards', args: [] },
  ],
};
