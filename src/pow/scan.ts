// The single-thread nonce scanner over the WASM kernel (assembly/mine).
import { engine, type Engine } from '../engine/loader.js';
import { bigIntToHash } from './compact.js';
import { assertInt } from './errors.js';
import { NONCE_OFFSET, assertHeaderBytes } from './header.js';

export interface ScanResult {
  /** The first nonce in the range whose sha256d <= target, or null. */
  nonce: number | null;
  /** Nonces tried: up to and including the find, else the whole range. */
  hashes: number;
}

interface MineExports {
  mine_setup(header: number, target: number): void;
  mine_scan(start: number, count: number): number;
  mine_found(): number;
  mine_hash(nonce: number, out: number): void;
}

const NONCE_SPACE = 2 ** 32;
// One export call scans at most this many nonces (its count argument is a u32).
const MAX_CALL = 2 ** 31;

function targetBytes(target: bigint): Uint8Array {
  if (typeof target !== 'bigint') throw new TypeError(`target must be a bigint, got ${typeof target}`);
  return bigIntToHash(target);
}

/** Loads header and target into the kernel's job state. */
export function setupJob(e: Engine, header: Uint8Array, target: Uint8Array): MineExports {
  const x = e.exports as unknown as MineExports;
  const mark = e.arena.mark();
  try {
    const h = e.arena.put(header);
    const t = e.arena.put(target);
    x.mine_setup(h, t);
  } finally {
    e.arena.release(mark);
  }
  return x;
}

/** Scans [start, start + count) with the job already set up; count <= 2^32 - start. */
export function scanRange(x: MineExports, start: number, count: number): ScanResult {
  let at = start;
  let left = count;
  while (left > 0) {
    const n = Math.min(left, MAX_CALL);
    if (x.mine_scan(at, n)) {
      const nonce = x.mine_found() >>> 0;
      return { nonce, hashes: nonce - start + 1 };
    }
    at += n;
    left -= n;
  }
  return { nonce: null, hashes: count };
}

export function checkRange(start: number, count: number): void {
  assertInt(start, 0, NONCE_SPACE - 1, 'start');
  assertInt(count, 0, NONCE_SPACE - start, 'count (start + count must not pass 2^32)');
}

/** scanNonces on a given engine (tests cross-check the SIMD and scalar builds). */
export function scanNoncesWith(e: Engine, header: Uint8Array, target: bigint, start: number, count: number): ScanResult {
  assertHeaderBytes(header);
  const t = targetBytes(target);
  checkRange(start, count);
  return scanRange(setupJob(e, header, t), start, count);
}

/**
 * Scans nonces [start, start + count) of an 80-byte header on this thread and returns the
 * first nonce whose sha256d, read as a little-endian 256-bit number, is <= target.
 * The header's own nonce field is ignored. start + count may reach 2^32 (the whole space).
 */
export function scanNonces(header: Uint8Array, target: bigint, start: number, count: number): ScanResult {
  return scanNoncesWith(engine(), header, target, start, count);
}

/** sha256d of the header with `nonce` (default: its own), internal byte order, on `e`. */
export function headerHashWith(e: Engine, header: Uint8Array, nonce?: number): Uint8Array {
  assertHeaderBytes(header);
  const n = nonce ?? new DataView(header.buffer, header.byteOffset, 80).getUint32(NONCE_OFFSET, true);
  const x = setupJob(e, header, new Uint8Array(32));
  const mark = e.arena.mark();
  try {
    const out = e.arena.alloc(32);
    x.mine_hash(n >>> 0, out);
    return e.arena.take(out, 32);
  } finally {
    e.arena.release(mark);
  }
}

/** sha256d of an 80-byte header (its block hash, internal byte order). */
export function headerHash(header: Uint8Array, nonce?: number): Uint8Array {
  return headerHashWith(engine(), header, nonce);
}
