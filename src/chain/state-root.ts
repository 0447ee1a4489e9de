// The state root: an authenticated commitment to every (key, value) of the state.
//
// Shape: a fixed-depth binary Merkle tree over 2^16 buckets. A key's bucket is the first
// 16 bits of sha256(key); a bucket's leaf is sha256(0x00 || each entry in key order as
// CompactSize(len key) key CompactSize(len value) value), an empty bucket is 32 zero
// bytes; an inner node is sha256(0x01 || left || right), or zero when both children are
// zero. A proof of one key is its bucket's entries plus 16 siblings.
//
// Incremental: writes only mark keys dirty; `root()` rehashes the dirty buckets and their
// 16 ancestors, level by level, each level in ONE sha256Batch call (equal-length inputs:
// the engine's 4-lane kernels), leaves grouped by input length the same way.
//
// Bucket balance relies on sha256 spreading keys; a sender who grinds keys into one bucket
// only makes that bucket's leaf longer to hash (its cost is linear in the entries of that
// bucket), never changes the root's meaning.
import { sha256Batch } from '../hash/index.js';
import { varintSize } from './codec.js';
import { fromBinKey } from './hex.js';

export const ROOT_DEPTH = 16;
const BUCKETS = 1 << ROOT_DEPTH;

function isZeroAt(a: Uint8Array, off: number): boolean {
  for (let i = 0; i < 32; i++) if (a[off + i] !== 0) return false;
  return true;
}

/** Groups equal-length messages, hashes each group in one batch call. */
function hashMany(msgs: Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = new Array(msgs.length);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < msgs.length; i++) {
    let g = groups.get(msgs[i].length);
    if (!g) groups.set(msgs[i].length, (g = []));
    g.push(i);
  }
  for (const [len, idx] of groups) {
    const packed = new Uint8Array(idx.length * len);
    for (let k = 0; k < idx.length; k++) packed.set(msgs[idx[k]], k * len);
    const d = sha256Batch(packed, len);
    for (let k = 0; k < idx.length; k++) out[idx[k]] = d.subarray(k * 32, k * 32 + 32);
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
  ns: string;
  k: string;
  /** ns + "/" + k: the bytes the leaf hashes */
  full: string;
}

/**
 * The tree over a key-value map it does not own: the owner calls `touch(ns, key)` on
 * every write (and on every revert) and passes its lookup to `root()`.
 */
export class StateTree {
  /** levels[d] holds 2^d nodes of 32 bytes; levels[ROOT_DEPTH] are the bucket leaves. */
  private readonly levels: Uint8Array[] = [];
  /** bucket -> binKeys of the live entries in it */
  private readonly members = new Map<number, Map<string, Member>>();
  /** namespace -> key -> bucket, for live keys (per namespace: the key strings the owner hands in keep their hash) */
  private readonly bucketOf = new Map<string, Map<string, number>>();
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
    // 1. buckets of keys not seen before: sha256(full key), batched
    const fresh: Member[] = [];
    const freshKeys: Uint8Array[] = [];
    for (const [ns, keys] of dirty) {
      let of = this.bucketOf.get(ns);
      if (!of) this.bucketOf.set(ns, (of = new Map()));
      for (const k of keys) {
        if (!of.has(k)) {
          const full = ns + '/' + k;
          fresh.push({ ns, k, full });
          freshKeys.push(fromBinKey(full));
        }
      }
    }
    const fh = hashMany(freshKeys);
    const freshOf = new Map<string, Map<string, Member>>();
    for (let i = 0; i < fresh.length; i++) {
      const f = fresh[i];
      this.bucketOf.get(f.ns)!.set(f.k, (fh[i][0] << 8) | fh[i][1]);
      let m = freshOf.get(f.ns);
      if (!m) freshOf.set(f.ns, (m = new Map()));
      m.set(f.k, f);
    }
    const dirtyBuckets = new Set<number>();
    for (const [ns, keys] of dirty) {
      const of = this.bucketOf.get(ns)!;
      const fr = freshOf.get(ns);
      for (const k of keys) {
        const b = of.get(k)!;
        let m = this.members.get(b);
        if (lookup(ns, k) !== undefined) {
          if (!m) this.members.set(b, (m = new Map()));
          const f = fr?.get(k);
          if (f) m.set(f.full, f);
        } else {
          m?.delete(ns + '/' + k);
          if (m && m.size === 0) this.members.delete(b);
          of.delete(k);
        }
        dirtyBuckets.add(b);
      }
    }
    // 2. bucket leaves
    const leafIdx: number[] = [];
    const leafMsgs: Uint8Array[] = [];
    const leaves = this.levels[ROOT_DEPTH];
    for (const b of dirtyBuckets) {
      const m = this.members.get(b);
      if (!m) {
        leaves.fill(0, b * 32, b * 32 + 32);
        continue;
      }
      const keys = m.size === 1 ? [...m.keys()] : [...m.keys()].sort();
      let len = 1;
      const vals: Uint8Array[] = [];
      for (const k of keys) {
        const e = m.get(k)!;
        const v = lookup(e.ns, e.k)!;
        vals.push(v);
        len += varintSize(k.length) + k.length + varintSize(v.length) + v.length;
      }
      const msg = new Uint8Array(len);
      let pos = 1; // msg[0] = 0x00: leaf domain
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i];
        pos = writeVarint(msg, pos, k.length);
        for (let j = 0; j < k.length; j++) msg[pos + j] = k.charCodeAt(j);
        pos += k.length;
        pos = writeVarint(msg, pos, vals[i].length);
        msg.set(vals[i], pos);
        pos += vals[i].length;
      }
      leafIdx.push(b);
      leafMsgs.push(msg);
    }
    const lh = hashMany(leafMsgs);
    for (let i = 0; i < leafIdx.length; i++) leaves.set(lh[i], leafIdx[i] * 32);
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
