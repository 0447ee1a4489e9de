// The validator sets of past heights, as far back as evidence may reach (evidenceMaxAge).
//
// Evidence names a vote height; the offender is judged against the members (and powers)
// of that height, not of today, or a validator could equivocate and then leave the set
// (a rotation, a remove vote, a stake drop) to escape. Only membership changes are kept:
//
//   f               -> first height at which c's members are in force (absent: 1)
//   R               -> head u64 | tail u64: the retired sets are seq head .. tail-1
//   r|seq u64 BE    -> first height u64 | count varint | (key 32 | power u64)* in key order
//
// A retired set covers its first height up to the next one's first height - 1 (the last
// one up to f - 1). A change appends one entry and moves f; the oldest entry goes once no
// block may accept evidence of its last height any more. Writes per block are O(1) (none
// when the set does not change and nothing expires); a lookup is a binary search over the
// entries' first heights. At most evidenceMaxAge entries are live: each covers a distinct
// last height within the evidenceMaxAge heights below the next block.
import type { BftValidator, ValidatorSet } from '../../../bft/validators.js';
import { MAX_VALIDATORS } from '../../../bft/validators.js';
import { Reader, Writer } from '../../codec.js';
import { binKey } from '../../hex.js';

type Get = (key: string) => Uint8Array | undefined;
type Put = (key: string, value: Uint8Array | undefined) => void;

const FROM = 'f';
const RANGE = 'R';

function entryKey(seq: number): string {
  const b = new Uint8Array(9);
  b[0] = 0x72; // 'r'
  new DataView(b.buffer).setBigUint64(1, BigInt(seq), false);
  return binKey(b);
}

/** The codec's u64 at byte `at` of `v` (no other field is decoded). */
function readU64(v: Uint8Array, at: number): number {
  return Number(new Reader(v.subarray(at, at + 8), 'bft set history').u64('height'));
}

const u64 = (n: number) => new Writer(8).u64(BigInt(n), 'u64').finish();

/** First height of the current set's membership. */
export function currentFrom(get: Get): number {
  const v = get(FROM);
  return v ? readU64(v, 0) : 1;
}

function range(get: Get): { head: number; tail: number } {
  const v = get(RANGE);
  return v ? { head: readU64(v, 0), tail: readU64(v, 8) } : { head: 0, tail: 0 };
}

function writeRange(put: Put, head: number, tail: number): void {
  put(RANGE, head === tail ? undefined : new Writer(16).u64(BigInt(head), 'head').u64(BigInt(tail), 'tail').finish());
}

/** First height of entry `seq` (its first 8 bytes; the members are not decoded). */
function firstOf(get: Get, seq: number): number {
  return readU64(get(entryKey(seq))!, 0);
}

/** Last height entry `seq` covers. */
function lastOf(get: Get, seq: number, tail: number): number {
  return (seq + 1 < tail ? firstOf(get, seq + 1) : currentFrom(get)) - 1;
}

function decodeMembers(v: Uint8Array): BftValidator[] {
  const r = new Reader(v, 'bft retired set');
  r.u64('from');
  const n = r.varint('count', MAX_VALIDATORS);
  const out: BftValidator[] = [];
  for (let i = 0; i < n; i++) out.push({ publicKey: r.fixed(32, 'key'), power: r.u64('power') });
  r.end();
  return out;
}

/**
 * At the end of block `height`: `retiring` (in force since currentFrom) gives way to a
 * set with other members from height + 1.
 */
export function retire(get: Get, put: Put, retiring: ValidatorSet, height: number): void {
  const { head, tail } = range(get);
  const vs = retiring.validators;
  const w = new Writer(16 + vs.length * 40).u64(BigInt(currentFrom(get)), 'from').varint(vs.length, 'count');
  for (const v of vs) w.fixed(v.publicKey, 32, 'key').u64(v.power, 'power');
  put(entryKey(tail), w.finish());
  writeRange(put, head, tail + 1);
  put(FROM, u64(height + 1));
}

/** Drops the entries whose last height is below `oldest` (no later block accepts evidence of it). */
export function prune(get: Get, put: Put, oldest: number): void {
  const { head, tail } = range(get);
  let h = head;
  while (h < tail && lastOf(get, h, tail) < oldest) put(entryKey(h++), undefined);
  if (h !== head) writeRange(put, h, tail);
}

/**
 * Members and powers in force at `height` when it is before the current membership
 * (`height` < currentFrom); null when no kept entry covers it (height 0, or expired).
 */
export function retiredAt(get: Get, height: number): { from: number; to: number; validators: BftValidator[] } | null {
  const { head, tail } = range(get);
  if (head === tail || height < firstOf(get, head) || height >= currentFrom(get)) return null;
  // The last entry whose first height is <= height.
  let lo = head;
  let hi = tail - 1;
  while (lo < hi) {
    const mid = lo + Math.ceil((hi - lo) / 2);
    if (firstOf(get, mid) <= height) lo = mid;
    else hi = mid - 1;
  }
  const v = get(entryKey(lo))!;
  return { from: readU64(v, 0), to: lastOf(get, lo, tail), validators: decodeMembers(v) };
}

/** Number of kept entries (tests bound it). */
export function retiredCount(get: Get): number {
  const { head, tail } = range(get);
  return tail - head;
}
