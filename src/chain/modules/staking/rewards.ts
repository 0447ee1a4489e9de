// Reward math shared by the staking and dpos modules: one pool per validator (or elected
// delegate), F1-style cumulative reward-per-share accumulators in exact integers, and the
// per-account reward balances they settle into. Cosmos x/distribution's F1 idea, without
// floats: every quantity is a bigint, and every division remainder is kept somewhere named.
//
// Units. Rewards inside the accumulators are "scaled": 1 base unit of the coin = SCALE
// scaled units. A pool's accumulator is scaled units per share; a position of `s` shares
// whose snapshot is `snap` has earned exactly s * (acc - snap) scaled units (no rounding:
// acc only ever grows by whole scaled units per share).
//
// Rounding rule (the only divisions):
//   1. a pool given `x` scaled units spreads floor(x / shares) per share; the remainder
//      (x mod shares, < shares scaled units) goes back to the module's carry, which is
//      added to the next block's distribution;
//   2. commission on a delegator's share is floor(per * (BP - rate) / BP) per share for the
//      delegator, the rest of `per` (rounded up) for the operator — exact in total;
//   3. the module's per-block split (staking: per unit of stake; dpos: per elected delegate)
//      floors and carries its remainder the same way;
//   4. paying out a reward balance pays floor(balance / SCALE) base units and keeps the
//      sub-unit remainder in the balance (paid once it adds up to a whole unit).
// So what was issued always equals what was paid + the reward balances still held + the
// carry, exactly, in scaled units (staking: + the rule-1 remainder of each validator pool
// not yet settled, which joins the carry when it settles; zero while the pool's tokens
// equal its shares, i.e. until it is slashed; the pending-reward views do not count it,
// test/staking-slash.test.ts adds it up); the "dust" that is never paid at a given moment is the
// carry (< the divisor, i.e. far below one base unit) plus each account's sub-unit
// remainder (< 1 base unit per account). test/staking-rewards.test.ts proves the identity
// over random histories.
import { Reader, Writer } from '../../codec.js';
import { DecodeError } from '../../errors.js';
import { binKey } from '../../hex.js';
import type { ModuleStore } from '../../module.js';

/** Scaled units per base unit: accumulators carry 18 decimal places below the base unit (Cosmos's sdk.Dec precision). */
export const SCALE = 10n ** 18n;
/** Basis points: rates and fractions are in 1/10000. */
export const BP = 10_000n;

type Get = Pick<ModuleStore, 'get'>;

/** What a pool's reward accumulators need; the owning module stores the rest of its record. */
export interface Pool {
  /** Shares of every bonded position of the pool. */
  shares: bigint;
  /** Shares held by the pool's operator (no commission on them). */
  selfShares: bigint;
  /** Cumulative scaled reward per share of the operator's own position. */
  accSelf: bigint;
  /** Cumulative scaled reward per share of delegator positions (commission taken). */
  accDel: bigint;
  /** Commission rate on delegators' rewards, basis points. */
  commission: number;
  /** Scaled commission earned by the operator and not yet moved to its reward balance. */
  commissionOwed: bigint;
}

export interface Position {
  shares: bigint;
  /** The pool accumulator (accSelf or accDel) when this position last settled. */
  snap: bigint;
}

/**
 * Gives `scaled` units to the pool's shareholders; returns the remainder that could not be
 * spread (rule 1), which the caller adds to its carry. O(1) whatever the number of shareholders.
 */
export function distribute(p: Pool, scaled: bigint): bigint {
  if (scaled <= 0n) return 0n;
  if (p.shares === 0n) return scaled;
  const per = scaled / p.shares;
  const net = (per * (BP - BigInt(p.commission))) / BP;
  p.accSelf += per;
  p.accDel += net;
  p.commissionOwed += (per - net) * (p.shares - p.selfShares);
  return scaled - per * p.shares;
}

/** The accumulator a position of `owner` in the pool of `operator` follows. */
export const accOf = (p: Pool, self: boolean): bigint => (self ? p.accSelf : p.accDel);

/** Scaled units a position has earned since it last settled (exact). */
export const earned = (p: Pool, pos: Position, self: boolean): bigint => pos.shares * (accOf(p, self) - pos.snap);

// ---- bigint storage codec (unsigned, minimal big-endian, length-prefixed) ----

const MAX_BIG_BYTES = 64;

export function writeBig(w: Writer, v: bigint, field: string): Writer {
  if (v < 0n) throw new DecodeError('encode-range', `${field} is negative (${v}); stored amounts are unsigned`);
  let hex = v === 0n ? '' : v.toString(16);
  if (hex.length & 1) hex = '0' + hex;
  const b = new Uint8Array(hex.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return w.varbytes(b, MAX_BIG_BYTES, field);
}

export function readBig(r: Reader, field: string): bigint {
  const b = r.varbytes(field, MAX_BIG_BYTES);
  if (b.length > 0 && b[0] === 0) throw new DecodeError('decode-non-canonical', `${field} has a leading zero byte`);
  // 6 bytes at a time in a number (exact below 2^53), then into the bigint.
  let v = 0n;
  let i = b.length % 6 || 6;
  let chunk = 0;
  for (let j = 0; j < Math.min(i, b.length); j++) chunk = chunk * 256 + b[j];
  v = BigInt(chunk);
  for (; i < b.length; i += 6) {
    chunk = 0;
    for (let j = i; j < i + 6; j++) chunk = chunk * 256 + b[j];
    v = (v << 48n) | BigInt(chunk);
  }
  return v;
}

export const be32 = (n: number): Uint8Array => new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
export const u32Of = (v: Uint8Array | undefined): number => (v ? ((v[0] << 24) | (v[1] << 16) | (v[2] << 8) | v[3]) >>> 0 : 0);
export const sk = (prefix: string, ...parts: Uint8Array[]): string => prefix + parts.map(binKey).join('');

// ---- lists of 32-byte keys (an account's validators, a queue slot) ----

export function readList(s: Get, key: string): Uint8Array[] {
  const b = s.get(key);
  const out: Uint8Array[] = [];
  if (b) for (let i = 0; i < b.length; i += 32) out.push(b.slice(i, i + 32));
  return out;
}

export function writeList(s: ModuleStore, key: string, list: Uint8Array[]): void {
  if (list.length === 0) return s.set(key, undefined);
  const out = new Uint8Array(list.length * 32);
  list.forEach((x, i) => out.set(x, i * 32));
  s.set(key, out);
}

// ---- reward balances: r/<account> -> scaled units settled and not yet paid ----

export function rewardBalance(store: Get, account: Uint8Array): bigint {
  const v = store.get(sk('r', account));
  if (!v) return 0n;
  const r = new Reader(v, 'reward balance');
  const n = readBig(r, 'reward');
  r.end();
  return n;
}

export function addReward(store: ModuleStore, account: Uint8Array, scaled: bigint): void {
  if (scaled === 0n) return;
  setReward(store, account, rewardBalance(store, account) + scaled);
}

function setReward(store: ModuleStore, account: Uint8Array, scaled: bigint): void {
  store.set(sk('r', account), scaled === 0n ? undefined : writeBig(new Writer(40), scaled, 'reward').finish());
}

/** Takes the whole base units out of an account's reward balance (rule 4); returns them. */
export function takeReward(store: ModuleStore, account: Uint8Array): bigint {
  const bal = rewardBalance(store, account);
  const units = bal / SCALE;
  setReward(store, account, bal - units * SCALE);
  return units;
}

// ---- the carry: remainders of rule 1 and 3, redistributed with the next block ----

export function readCarry(store: Get): bigint {
  const v = store.get('k');
  if (!v) return 0n;
  const r = new Reader(v, 'carry');
  const n = readBig(r, 'carry');
  r.end();
  return n;
}

export function writeCarry(store: ModuleStore, scaled: bigint): void {
  store.set('k', scaled === 0n ? undefined : writeBig(new Writer(40), scaled, 'carry').finish());
}

// ---- liveness: a sliding window of the last N commits per validator (Cosmos x/slashing) ----

export interface Liveness {
  /** Commits observed since the validator (re)joined; the window is full once >= window. */
  seen: number;
  missed: number;
  /** One bit per slot of the window, 1 = missed; slot = seen mod window. */
  bits: Uint8Array;
}

export function readLiveness(store: Get, key: string, window: number): Liveness {
  const v = store.get(key);
  if (!v) return { seen: 0, missed: 0, bits: new Uint8Array(Math.ceil(window / 8)) };
  const r = new Reader(v, 'liveness');
  const l = { seen: r.u32('liveness.seen'), missed: r.u32('liveness.missed'), bits: r.fixed(Math.ceil(window / 8), 'liveness.bits') };
  r.end();
  return l;
}

/**
 * Records whether the validator signed one commit; returns true when it is now down: the
 * window is full and it missed more than `window - minSigned` of its slots. The record is
 * cleared then (a jailed validator starts a fresh window when it returns).
 */
export function recordSigned(store: ModuleStore, key: string, window: number, minSigned: number, signed: boolean): boolean {
  const l = readLiveness(store, key, window);
  const slot = l.seen % window;
  const was = (l.bits[slot >> 3] >> (slot & 7)) & 1;
  const now = signed ? 0 : 1;
  if (was !== now) {
    l.bits[slot >> 3] ^= 1 << (slot & 7);
    l.missed += now - was;
  }
  l.seen = Math.min(l.seen + 1, 0xffffffff);
  if (l.seen >= window && l.missed > window - minSigned) {
    store.set(key, undefined);
    return true;
  }
  store.set(key, new Writer(8 + l.bits.length).u32(l.seen, 'seen').u32(l.missed, 'missed').fixed(l.bits, l.bits.length, 'bits').finish());
  return false;
}

// ---- release queue: q/<height u32 BE> -> accounts (32 bytes each) with something due then ----

export function scheduleRelease(store: ModuleStore, height: number, account: Uint8Array): void {
  const key = sk('q', be32(height));
  const list = readList(store, key);
  if (!list.some((a) => a.every((x, i) => x === account[i]))) writeList(store, key, [...list, account]);
}

/** Accounts with releases due at `height`; the queue entry is removed. */
export function takeDue(store: ModuleStore, height: number): Uint8Array[] {
  const key = sk('q', be32(height));
  const list = readList(store, key);
  if (list.length) store.set(key, undefined);
  return list;
}
