// The validator set of one height and CometBFT's weighted round-robin proposer priority.
//
// The rule (CometBFT types/validator_set.go, IncrementProposerPriority):
//   1. rescale: if max(priority) - min(priority) > 2 * totalPower, divide every priority by
//      ceil(diff / (2 * totalPower)) (truncating toward zero);
//   2. centre: subtract floor(sum(priority) / n) from every priority;
//   3. `times` times: add each validator's power to its priority, pick the validator with
//      the highest priority (ties: the smaller public key, byte order), subtract the total
//      power from the pick's priority. The last pick is the proposer.
// A new set starts at priority 0 and is incremented once, so round 0 of the first height
// already has a proposer; every next height increments the previous height's (round 0)
// set once; round r of a height uses a copy incremented r more times. A validator that
// joins starts at -(1.125 * totalPower), so it cannot propose right away by joining.
// Over any window of totalPower/gcd picks, each validator proposes in proportion to its power.
import type { Reader, Writer } from '../chain/codec.js';
import { DecodeError, ValidationError } from '../chain/errors.js';
import { toHex } from '../chain/hex.js';

export interface BftValidator {
  publicKey: Uint8Array;
  power: bigint;
}

interface Entry extends BftValidator {
  key: string;
  priority: bigint;
}

function cmpKey(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** Floor division of bigints (Go's big.Int Div for a positive divisor). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

export const MAX_VALIDATORS = 1024;

export class ValidatorSet {
  private readonly entries: Entry[];
  private readonly index = new Map<string, number>();
  readonly totalPower: bigint;

  private constructor(entries: Entry[]) {
    this.entries = entries;
    let total = 0n;
    entries.forEach((e, i) => {
      this.index.set(e.key, i);
      total += e.power;
    });
    this.totalPower = total;
  }

  /** A fresh set (priorities 0, then one increment: CometBFT's NewValidatorSet). Sorted by key. */
  static create(validators: readonly BftValidator[]): ValidatorSet {
    const set = new ValidatorSet(ValidatorSet.check(validators).map((v) => ({ ...v, priority: 0n })));
    set.increment(1);
    return set;
  }

  private static check(validators: readonly BftValidator[]): (BftValidator & { key: string })[] {
    if (!Array.isArray(validators) || validators.length === 0) throw new ValidationError('bad-validator-set', 'a validator set needs at least one validator');
    if (validators.length > MAX_VALIDATORS) throw new ValidationError('bad-validator-set', `${validators.length} validators, at most ${MAX_VALIDATORS}`);
    const seen = new Set<string>();
    const out = validators.map((v) => {
      if (!(v.publicKey instanceof Uint8Array) || v.publicKey.length !== 32) throw new ValidationError('bad-validator-set', 'a validator key must be 32 bytes');
      if (typeof v.power !== 'bigint' || v.power <= 0n || v.power > 1n << 60n) throw new ValidationError('bad-validator-set', `validator power must be a bigint in [1, 2^60], got ${String(v.power)}`);
      const key = toHex(v.publicKey);
      if (seen.has(key)) throw new ValidationError('bad-validator-set', `validator ${key} appears twice`);
      seen.add(key);
      return { publicKey: v.publicKey.slice(), power: v.power, key };
    });
    return out.sort((a, b) => cmpKey(a.publicKey, b.publicKey));
  }

  get size(): number {
    return this.entries.length;
  }

  get validators(): readonly BftValidator[] {
    return this.entries.map((e) => ({ publicKey: e.publicKey, power: e.power }));
  }

  /** Position in the canonical (key-sorted) order, as commits name signers; -1 if absent. */
  indexOf(publicKey: Uint8Array): number {
    return this.index.get(toHex(publicKey)) ?? -1;
  }

  /** Power of a validator named by its hex key (0 if absent). */
  powerOfHex(hex: string): bigint {
    const i = this.index.get(hex);
    return i === undefined ? 0n : this.entries[i].power;
  }

  at(i: number): BftValidator {
    const e = this.entries[i];
    return { publicKey: e.publicKey, power: e.power };
  }

  powerOf(publicKey: Uint8Array): bigint {
    const i = this.indexOf(publicKey);
    return i < 0 ? 0n : this.entries[i].power;
  }

  /** Current priorities in canonical order (for tests and the status line). */
  priorities(): bigint[] {
    return this.entries.map((e) => e.priority);
  }

  copy(): ValidatorSet {
    const c = new ValidatorSet(this.entries.map((e) => ({ ...e })));
    c.proposerKey = this.proposerKey;
    return c;
  }

  /** Runs the rule above `times` times; returns the last pick (the proposer). */
  increment(times: number): BftValidator {
    if (!Number.isInteger(times) || times < 1) throw new RangeError(`times must be a positive integer, got ${times}`);
    const window = 2n * this.totalPower;
    let max = this.entries[0].priority;
    let min = max;
    for (const e of this.entries) {
      if (e.priority > max) max = e.priority;
      if (e.priority < min) min = e.priority;
    }
    const diff = max - min;
    if (diff > window) {
      const ratio = (diff + window - 1n) / window;
      for (const e of this.entries) e.priority /= ratio;
    }
    let sum = 0n;
    for (const e of this.entries) sum += e.priority;
    const avg = floorDiv(sum, BigInt(this.entries.length));
    for (const e of this.entries) e.priority -= avg;
    let pick = this.entries[0];
    for (let t = 0; t < times; t++) {
      pick = this.entries[0];
      for (const e of this.entries) {
        e.priority += e.power;
        if (e.priority > pick.priority) pick = e;
      }
      pick.priority -= this.totalPower;
    }
    this.proposerKey = pick.key;
    return { publicKey: pick.publicKey, power: pick.power };
  }

  private proposerKey = '';

  /** The proposer of round 0 (the last pick). */
  get proposer(): BftValidator {
    return this.at(this.index.get(this.proposerKey) ?? 0);
  }

  /** The proposer of `round` (round 0: this set's proposer; round r: a copy incremented r times). */
  proposerAt(round: number): BftValidator {
    if (round === 0) return this.proposer;
    return this.copy().increment(round);
  }

  /** The set of the next height: same members, one increment (CometBFT's updateState). */
  next(): ValidatorSet {
    const c = this.copy();
    c.increment(1);
    return c;
  }

  /**
   * The set of the next height after membership changes: removed keys leave, added keys
   * join at priority -(total + total/8) of the new total, then one increment.
   */
  nextWith(members: readonly BftValidator[]): ValidatorSet {
    const checked = ValidatorSet.check(members);
    let total = 0n;
    for (const v of checked) total += v.power;
    const entries = checked.map((v) => {
      const old = this.index.get(v.key);
      return { ...v, priority: old === undefined ? -(total + (total >> 3n)) : this.entries[old].priority };
    });
    const set = new ValidatorSet(entries);
    set.increment(1);
    return set;
  }

  /**
   * Canonical encoding with the priorities (the state of the chain's bft module): count |
   * per validator in key order: key 32 | power u64 | priority (sign u8 + magnitude
   * varbytes, big-endian, no leading zero) | proposer index varint.
   */
  write(w: Writer): void {
    w.varint(this.entries.length, 'set.count');
    for (const e of this.entries) {
      w.fixed(e.publicKey, 32, 'set.key').u64(e.power, 'set.power');
      writeSigned(w, e.priority);
    }
    w.varint(this.index.get(this.proposerKey) ?? 0, 'set.proposer');
  }

  static read(r: Reader): ValidatorSet {
    const n = r.varint('set.count', MAX_VALIDATORS);
    if (n === 0) throw new DecodeError('decode-range', `${r.what}: a validator set needs at least one validator`);
    const entries: Entry[] = [];
    for (let i = 0; i < n; i++) {
      const publicKey = r.fixed(32, 'set.key');
      const power = r.u64('set.power');
      if (power < 1n || power > 1n << 60n) throw new DecodeError('decode-range', `${r.what}: validator power ${power} outside [1, 2^60]`);
      if (i > 0 && cmpKey(entries[i - 1].publicKey, publicKey) >= 0) throw new DecodeError('decode-noncanonical', `${r.what}: validator keys must strictly increase`);
      entries.push({ publicKey, power, key: toHex(publicKey), priority: readSigned(r) });
    }
    const p = r.varint('set.proposer', n - 1);
    const set = new ValidatorSet(entries);
    set.proposerKey = entries[p].key;
    return set;
  }

  /** Same members and powers (priorities aside). */
  sameMembers(other: readonly BftValidator[]): boolean {
    if (other.length !== this.entries.length) return false;
    const sorted = [...other].sort((a, b) => cmpKey(a.publicKey, b.publicKey));
    for (let i = 0; i < sorted.length; i++) {
      const e = this.entries[i];
      if (sorted[i].power !== e.power || cmpKey(sorted[i].publicKey, e.publicKey) !== 0) return false;
    }
    return true;
  }

  /** Power strictly above two thirds of the total (a quorum). */
  isQuorum(power: bigint): boolean {
    return power * 3n > this.totalPower * 2n;
  }

  /** Power strictly above one third of the total (at least one honest validator). */
  isOneThird(power: bigint): boolean {
    return power * 3n > this.totalPower;
  }
}

function writeSigned(w: Writer, v: bigint): void {
  const neg = v < 0n;
  let m = neg ? -v : v;
  const bytes: number[] = [];
  while (m > 0n) {
    bytes.unshift(Number(m & 0xffn));
    m >>= 8n;
  }
  w.u8(neg ? 1 : 0, 'set.priority sign').varbytes(Uint8Array.from(bytes), 32, 'set.priority');
}

function readSigned(r: Reader): bigint {
  const sign = r.u8('set.priority sign');
  const b = r.varbytes('set.priority', 32);
  if (sign > 1 || (b.length > 0 && b[0] === 0) || (sign === 1 && b.length === 0)) {
    throw new DecodeError('decode-noncanonical', `${r.what}: a priority has one encoding (sign 0 or 1, no leading zero byte, no negative zero)`);
  }
  let m = 0n;
  for (const x of b) m = (m << 8n) | BigInt(x);
  return sign ? -m : m;
}
