// Four independent SHA-256 computations at once, one per i32x4 lane. The SIMD build runs
// the generated v128 compressions (compress4.gen.ts); the scalar build runs the same
// callers on four scalar compressions, so batch.ts and merkle.ts exist once.
//
// LANES holds the four chaining values: in the SIMD build as 8 x v128 (word t of lane j in
// lane j of the t-th vector); in the scalar build as 4 x 8 u32 (lane j at LANES + 32j).
import { IV0, IV1, IV2, IV3, IV4, IV5, IV6, IV7 } from "./consts";
import { compress, compressPad64, hash32WW } from "./compress.gen";
import { bswap4, compress4, compress4Pad64, hash4x32 } from "./compress4.gen";

const LANES: usize = memory.data(128, 16);

@inline function ivWord(t: i32): u32 {
  return t == 0 ? IV0 : t == 1 ? IV1 : t == 2 ? IV2 : t == 3 ? IV3 : t == 4 ? IV4 : t == 5 ? IV5 : t == 6 ? IV6 : IV7;
}

/** All four lanes start from H(0). */
export function lanesInit(): void {
  if (ASC_FEATURE_SIMD) {
    for (let t = 0; t < 8; t++) v128.store(LANES + (<usize>t << 4), i32x4.splat(ivWord(t)));
  } else {
    for (let j: usize = 0; j < 4; j++) {
      for (let t = 0; t < 8; t++) store<u32>(LANES + (j << 5) + (<usize>t << 2), ivWord(t));
    }
  }
}

/** Compresses one 64-byte block per lane; lane j reads pj. */
export function lanesCompress(p0: usize, p1: usize, p2: usize, p3: usize): void {
  if (ASC_FEATURE_SIMD) {
    compress4(LANES, p0, p1, p2, p3);
  } else {
    compress(LANES, p0);
    compress(LANES + 32, p1);
    compress(LANES + 64, p2);
    compress(LANES + 96, p3);
  }
}

/** The padding block of 64-byte messages in every lane (its W + K are literals). */
export function lanesPad64(): void {
  if (ASC_FEATURE_SIMD) {
    compress4Pad64(LANES);
  } else {
    compressPad64(LANES);
    compressPad64(LANES + 32);
    compressPad64(LANES + 64);
    compressPad64(LANES + 96);
  }
}

/** Each lane's digest becomes the SHA-256 of that digest (the second half of SHA-256d). */
export function lanesRehash32(): void {
  if (ASC_FEATURE_SIMD) {
    hash4x32(LANES);
  } else {
    hash32WW(LANES, LANES);
    hash32WW(LANES + 32, LANES + 32);
    hash32WW(LANES + 64, LANES + 64);
    hash32WW(LANES + 96, LANES + 96);
  }
}

/** Writes lane j's 32 digest bytes to oj. */
export function lanesStore(o0: usize, o1: usize, o2: usize, o3: usize): void {
  if (ASC_FEATURE_SIMD) {
    for (let t: usize = 0; t < 8; t++) {
      const v = bswap4(v128.load(LANES + (t << 4)));
      const off = t << 2;
      v128.store32_lane(o0 + off, v, 0);
      v128.store32_lane(o1 + off, v, 1);
      v128.store32_lane(o2 + off, v, 2);
      v128.store32_lane(o3 + off, v, 3);
    }
  } else {
    for (let t: usize = 0; t < 32; t += 4) {
      store<u32>(o0 + t, bswap<u32>(load<u32>(LANES + t)));
      store<u32>(o1 + t, bswap<u32>(load<u32>(LANES + 32 + t)));
      store<u32>(o2 + t, bswap<u32>(load<u32>(LANES + 64 + t)));
      store<u32>(o3 + t, bswap<u32>(load<u32>(LANES + 96 + t)));
    }
  }
}
