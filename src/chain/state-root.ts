// The state root: an authenticated commitment to every (key, value) of the state.
//
// Shape: a fixed-depth binary Merkle tree over 2^16 buckets. A key's bucket is the first
// 16 bits of sha256(key); a bucket's leaf is sha256(0x00 || each entry in key order as
// CompactSize(len key) key CompactSize(len value) value), an empty bucket is 32 zero
// bytes; an inner node is sha256(0x01 || left || right), or zero when both children are
// zero. A proof of one key is its bucket's entries plus 16 siblings.
//
// Incremental: writes only mark keys dirty; `root()` rehashes the dirty buckets and their
// 16 ancestors: the leaves in one sha256Batch call per length shared by at least four of
// them (the engine's 4-lane kernels) and one sha256Many call for the rest, then level by
// level, each level in ONE sha256Batch call.
//
// Bucket balance relies on sha256 spreading keys; a sender who grinds keys into one bucket
// only makes that bucket's leaf longer to hash (its cost is linear in the entries of that
// bucket), never changes the root's meaning.
import { sha256Batch, sha256Many } from '../hash/index.js';
import { varintSize } from './codec.js';

export const ROOT_DEPTH = 16;
const BUCKETS = 1 << ROOT_DEPTH;

function isZeroAt(a: Uint8Array, off: number): boolean {
  for (let i = 0; i < 32; i++) if (a[off + i] !== 0) return false;
  return true;
}

/** Lengths shared by this many messages go through the 4-lane batch kernel; the rest through one scalar call. */
const LANES = 4;

/** Digest i of `msgs` at 32i: equal-length groups of >= LANES in one batch call each, the others in one call. */
function hashMany(msgs: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(32 * msgs.length);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < msgs.length; i++) {
    let g = groups.get(msgs[i].length);
    if (!g) groups.set(msgs[i].length, (g = []));
    g.push(i);
  }
  const rest: number[] = [];
  for (const [len, idx] of groups) {
    if (idx.length < LANES || len === 0) {
      for (const i of idx) rest.push(i);
      continue;
    }
    const packed = new Uint8Array(idx.length * len);
    for (let k = 0; k < idx.length; k++) packed.set(msgs[idx[k]], k * len);
    const d = sha256Batch(packed, len);
    for (let k = 0; k < idx.length; k++) out.set(d.subarray(32 * k, 32 * k + 32), 32 * idx[k]);
  }
  if (rest.length === msgs.length) return sha256Many(msgs);
  if (rest.length) {
    const d = sha256Many(rest.map((i) => msgs[i]));
    for (let k = 0; k < rest.length; k++) out.set(d.subarray(32 * k, 32 * k + 32), 32 * rest[k]);
  }
  return out;
}

function writeVarint(buf: Uint8Array, pos: number, v: number): number {
  if (v < 0xfd) {
    buf[pos] = v;
    return pos + 1;
  }
  const dv = new DataView(buf.buffer, buf.byteOffset);
  if (v <= 0xffff) {
    buf[pos] = 0xfd;
    dv.setUint16(pos + 1, v, true);
    return pos + 3;
  }
  buf[pos] = 0xfe;
  dv.setUint32(pos + 1, v, true);
  return pos + 5;
}

interface Member {
  /** ns + "/" + k: the key the leaf hashes (and sorts by) */
  full: string;
  /** the live value (refreshed whenever the key is dirty, so a clean member's is current) */
  value: Uint8Array;
  bucket: number;
}

/** Index of the first member whose key is >= full (the list is sorted by full). */
function lowerBound(list: Member[], full: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].full < full) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function keyBytes(full: string): Uint8Array {
  const out = new Uint8Array(full.length);
  for (let j = 0; j < full.length; j++) out[j] = full.charCodeAt(j);
  return out;
}

/**
 * The tree over a key-value map it does not own: the owner calls `touch(ns, key)` on
 * every write (and on every revert) and passes its lookup to `root()`.
 *
 * Each bucket keeps its members sorted, with their current values, so a dirty bucket's
 * leaf is rebuilt from those alone: the cost of a root is the dirty keys' lookups plus the
 * leaves' bytes, not a sort and a map lookup per entry of every dirty bucket. (The encoded
 * keys are not kept: a Uint8Array per live key would cost more memory than re-encoding
 * the few keys of the dirty buckets costs time.)
 */
export class StateTree {
  /** levels[d] holds 2^d nodes of 32 bytes; levels[ROOT_DEPTH] are the bucket leaves. */
  private readonly levels: Uint8Array[] = [];
  /** bucket -> its live entries, sorted by full key */
  private readonly members = new Map<number, Member[]>();
  /** namespace -> key -> member, for live keys (per namespace: the key strings the owner hands in keep their hash) */
  private readonly memberOf = new Map<string, Map<string, Member>>();
  /** namespace -> keys written since the last root() */
  private dirty = new Map<string, Set<string>>();

  constructor() {
    for (let d = 0; d <= ROOT_DEPTH; d++) this.levels.push(new Uint8Array((1 << d) * 32));
  }

  /** Marks key `k` of namespace `ns` as changed. */
  touch(ns: string, k: string): void {
    let d = this.dirty.get(ns);
    if (!d) this.dirty.set(ns, (d = new Set()));
    d.add(k);
  }

  /** The root over `lookup` (the owner's maps), rehashing only what changed since the last call. */
  root(lookup: (ns: string, k: string) => Uint8Array | undefined): Uint8Array {
    if (this.dirty.size) {
      const dirty = this.dirty;
      this.dirty = new Map();
      this.update(dirty, lookup);
    }
    return this.levels[0].slice(0, 32);
  }

  private update(dirty: Map<string, Set<string>>, lookup: (ns: string, k: string) => Uint8Array | undefined): void {
    const dirtyBuckets = new Set<number>();
    // 1. live members take their new values or leave; keys not seen before need their
    //    bucket, sha256(full key), batched.
    const fresh: { of: Map<string, Member>; k: string; full: string; value: Uint8Array }[] = [];
    const freshKeys: Uint8Array[] = [];
    for (const [ns, keys] of dirty) {
      let of = this.memberOf.get(ns);
      if (!of) this.memberOf.set(ns, (of = new Map()));
      for (const k of keys) {
        const m = of.get(k);
        const v = lookup(ns, k);
        if (m) {
          dirtyBuckets.add(m.bucket);
          if (v !== undefined) {
            m.value = v;
            continue;
          }
          const list = this.members.get(m.bucket)!;
          list.splice(lowerBound(list, m.full), 1);
          if (list.length === 0) this.members.delete(m.bucket);
          of.delete(k);
        } else if (v !== undefined) {
          const full = ns + '/' + k;
          fresh.push({ of, k, full, value: v });
          freshKeys.push(keyBytes(full));
        }
        // neither live before nor now (written, then deleted): its bucket is unchanged
      }
    }
    const fh = hashMany(freshKeys);
    for (let i = 0; i < fresh.length; i++) {
      const f = fresh[i];
      const bucket = (fh[32 * i] << 8) | fh[32 * i + 1];
      const m: Member = { full: f.full, value: f.value, bucket };
      f.of.set(f.k, m);
      let list = this.members.get(bucket);
      if (!list) this.members.set(bucket, (list = []));
      list.splice(lowerBound(list, f.full), 0, m);
      dirtyBuckets.add(bucket);
    }
    // 2. bucket leaves
    const leafIdx: number[] = [];
    const leafMsgs: Uint8Array[] = [];
    const leaves = this.levels[ROOT_DEPTH];
    for (const b of dirtyBuckets) {
      const list = this.members.get(b);
      if (!list) {
        leaves.fill(0, b * 32, b * 32 + 32);
        continue;
      }
      let len = 1;
      for (const m of list) len += varintSize(m.full.length) + m.full.length + varintSize(m.value.length) + m.value.length;
      const msg = new Uint8Array(len);
      let pos = 1; // msg[0] = 0x00: leaf domain
      for (const m of list) {
        const k = m.full;
        pos = writeVarint(msg, pos, k.length);
        for (let j = 0; j < k.length; j++) msg[pos + j] = k.charCodeAt(j);
        pos = writeVarint(msg, pos + k.length, m.value.length);
        msg.set(m.value, pos);
        pos += m.value.length;
      }
      leafIdx.push(b);
      leafMsgs.push(msg);
    }
    const lh = hashMany(leafMsgs);
    for (let i = 0; i < leafIdx.length; i++) leaves.set(lh.subarray(32 * i, 32 * i + 32), leafIdx[i] * 32);
    // 3. inner levels, one batch per level
    // Sorted, so each level's parents come out sorted and de-duplicated in one pass.
    let idx = Int32Array.from(dirtyBuckets).sort();
    for (let d = ROOT_DEPTH - 1; d >= 0; d--) {
      const parents: number[] = [];
      for (let i = 0; i < idx.length; i++) {
        const p = idx[i] >> 1;
        if (parents.length === 0 || parents[parents.length - 1] !== p) parents.push(p);
      }
      const child = this.levels[d + 1];
      const level = this.levels[d];
      const todo: number[] = [];
      for (const p of parents) {
        if (isZeroAt(child, p * 64) && isZeroAt(child, p * 64 + 32)) level.fill(0, p * 32, p * 32 + 32);
        else todo.push(p);
      }
      if (todo.length) {
        const packed = new Uint8Array(todo.length * 65);
        for (let k = 0; k < todo.length; k++) {
          const o = k * 65;
          const c = todo[k] * 64;
          packed[o] = 0x01;
          for (let j = 0; j < 64; j++) packed[o + 1 + j] = child[c + j];
        }
        const d2 = sha256Batch(packed, 65);
        for (let k = 0; k < todo.length; k++) {
          const o = todo[k] * 32;
          for (let j = 0; j < 32; j++) level[o + j] = d2[k * 32 + j];
        }
      }
      idx = Int32Array.from(parents);
    }
  }
}

/** Number of buckets (exported for tests and docs). */
export const STATE_BUCKETS = BUCKETS;
