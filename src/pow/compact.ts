// Bitcoin's compact target encoding ("nBits"), exactly as arith_uint256::SetCompact /
// GetCompact in Bitcoin Core (src/arith_uint256.cpp): a base-256 exponent in the top byte,
// a 23-bit mantissa and a sign bit (0x00800000).
import { CompactNegativeError, CompactOverflowError, assertInt } from './errors.js';

const TWO_256 = 1n << 256n;

export interface DecodedCompact {
  target: bigint;
  negative: boolean;
  overflow: boolean;
}

/** SetCompact: never throws on valid u32 input; reports the sign and overflow flags. */
export function decodeCompact(bits: number): DecodedCompact {
  assertInt(bits, 0, 0xffffffff, 'bits');
  const size = bits >>> 24;
  let word = bits & 0x007fffff;
  let target: bigint;
  if (size <= 3) {
    word >>>= 8 * (3 - size);
    target = BigInt(word);
  } else {
    // Core shifts inside 256 bits, so bits shifted past 2^256 are lost (the overflow flag says so).
    target = (BigInt(word) << BigInt(8 * (size - 3))) % TWO_256;
  }
  const negative = word !== 0 && (bits & 0x00800000) !== 0;
  const overflow = word !== 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32));
  return { target, negative, overflow };
}

/** The target of `bits`; throws CompactNegativeError / CompactOverflowError like Core's DeriveTarget would reject. */
export function bitsToTarget(bits: number): bigint {
  const d = decodeCompact(bits);
  if (d.negative) throw new CompactNegativeError(bits);
  if (d.overflow) throw new CompactOverflowError(bits);
  return d.target;
}

/** GetCompact: the shortest compact form of `target` (0 <= target < 2^256), rounded down. */
export function targetToBits(target: bigint, negative = false): number {
  if (typeof target !== 'bigint') throw new TypeError(`target must be a bigint, got ${typeof target}`);
  if (target < 0n || target >= TWO_256) throw new RangeError(`target must be in [0, 2^256), got ${target}`);
  let size = byteLength(target);
  let compact = size <= 3 ? Number(target << BigInt(8 * (3 - size))) : Number(target >> BigInt(8 * (size - 3)));
  // The mantissa's top bit is the sign: move it into a longer exponent instead.
  if (compact & 0x00800000) {
    compact >>>= 8;
    size++;
  }
  compact |= size << 24;
  if (negative && (compact & 0x007fffff) !== 0) compact |= 0x00800000;
  return compact >>> 0;
}

function byteLength(n: bigint): number {
  let len = 0;
  while (n > 0n) {
    n >>= 8n;
    len++;
  }
  return len;
}

/**
 * The expected number of hashes to meet `bits`: 2^256 / (target + 1), as Core's GetBlockProof.
 * 0 for a negative, overflowing or zero target (Core gives such a block no work).
 */
export function blockWork(bits: number): bigint {
  const { target, negative, overflow } = decodeCompact(bits);
  if (negative || overflow || target === 0n) return 0n;
  return TWO_256 / (target + 1n);
}

/** Difficulty relative to 0x1d00ffff, computed as Core's GetDifficulty (double arithmetic). */
export function difficulty(bits: number): number {
  assertInt(bits, 0, 0xffffffff, 'bits');
  let shift = (bits >>> 24) & 0xff;
  let diff = 0x0000ffff / (bits & 0x00ffffff);
  while (shift < 29) {
    diff *= 256;
    shift++;
  }
  while (shift > 29) {
    diff /= 256;
    shift--;
  }
  return diff;
}

/** A 32-byte hash in internal byte order read as Bitcoin does: a little-endian 256-bit number. */
export function hashToBigInt(hash: Uint8Array): bigint {
  if (!(hash instanceof Uint8Array)) throw new TypeError('hash must be a Uint8Array');
  let n = 0n;
  for (let i = hash.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(hash[i]!);
  return n;
}

/** `n` (0 <= n < 2^256) as 32 little-endian bytes. */
export function bigIntToHash(n: bigint): Uint8Array {
  if (typeof n !== 'bigint') throw new TypeError(`value must be a bigint, got ${typeof n}`);
  if (n < 0n || n >= TWO_256) throw new RangeError(`value must be in [0, 2^256), got ${n}`);
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

/**
 * Core's CheckProofOfWork: false when bits are negative, zero, overflowing or above
 * `powLimit`, or when the hash (internal order, little-endian number) exceeds the target.
 */
export function checkProofOfWork(hash: Uint8Array, bits: number, powLimit: bigint): boolean {
  const { target, negative, overflow } = decodeCompact(bits);
  if (negative || overflow || target === 0n || target > powLimit) return false;
  return hashToBigInt(hash) <= target;
}

/** The share difficulty of a hash as pools compute it: diff-1 target (0xffff * 2^208) / hash. */
export function hashDifficulty(hash: Uint8Array): number {
  const h = hashToBigInt(hash);
  if (h === 0n) return Infinity;
  return bigRatio(0xffffn << 208n, h);
}

/** The target of a pool difficulty: diff-1 target / difficulty (difficulty > 0). */
export function difficultyToTarget(diff: number): bigint {
  if (typeof diff !== 'number' || !(diff > 0) || !Number.isFinite(diff)) {
    throw new RangeError(`difficulty must be a positive finite number, got ${diff}`);
  }
  // Scale to keep 2^-32 resolution for fractional pool difficulties.
  const scaled = BigInt(Math.round(diff * 2 ** 32));
  const t = ((0xffffn << 208n) << 32n) / (scaled === 0n ? 1n : scaled);
  return t >= TWO_256 ? TWO_256 - 1n : t;
}

function bigRatio(a: bigint, b: bigint): number {
  // a / b as a double; 64 fractional bits keep full precision for any ratio of 256-bit numbers.
  return Number((a << 64n) / b) / 2 ** 64;
}
