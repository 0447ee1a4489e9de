// Batch verification under ZIP215: with host-chosen random 128-bit z_i (odd, so never 0),
//   [8]( sum z_i R_i + sum (z_i k_i) A_i - (sum z_i S_i) B ) = identity
// holds whenever every item holds its single cofactored equation, and fails with
// probability >= 1 - 2^-125 otherwise. Items whose S, A or R are malformed are invalid
// before any arithmetic. One multi-scalar multiplication per (sub)batch: interleaved
// wNAF (Straus) for small ones, signed-digit buckets (Pippenger) for large ones.
// A failed batch is split in halves until every invalid item is isolated; an item is
// reported invalid only by a check of that item alone, which is exact.
import { ODD_B, ensure_base_tables } from './basepoint';
import { FE_HALF, L_BYTES } from './constants';
import { fe_add, fe_mul, fe_one, fe_sub } from './field';
import {
  NIELS_SIZE, POINT_SIZE, p1p1_to_p2, p1p1_to_p3, p2_dbl, p3_add, p3_decode_zip215, p3_identity,
  p3_is_small_order, p3_madd, p3_msub, p3_sub, p3_to_cached,
} from './edwards';
import { key_table, odd_multiples8 } from './keys';
import { radix2c, wnaf } from './recode';
import { sc_is_canonical, sc_mul, sc_muladd } from './scalar';
import { challenge } from './verify';

// Per-item record in the host's scratch.
const R_STATUS: usize = 0;   // i32: 1 when S, A, R decoded
const R_READY: usize = 4;    // i32: 1 when the Straus tables/digits below are built
const R_ATAB: usize = 8;     // u32: the key's table (8 CACHED; entry 0 has Z = 1)
const R_K: usize = 16;
const R_S: usize = 48;
const R_Z: usize = 80;       // z, 32 bytes (upper 16 zero)
const R_KZ: usize = 112;
const R_RTAB: usize = 160;   // [1, 3, ..., 15] R, 8 CACHED; entry 0 has Z = 1
const R_NAFA: usize = R_RTAB + 8 * 160;
const R_NAFR: usize = R_NAFA + 256;
export const REC_SIZE: usize = 2048;

// Pippenger window sizes up to MAX_C: buckets and i16 digits live after the records.
const MAX_C: i32 = 11;
const BUCKETS_SIZE: usize = (<usize>1 << <usize>(MAX_C - 1)) * POINT_SIZE;

/** Straus below this many valid items, Pippenger from it on (measured: see bench). */
export let strausMax: i32 = 160;

export function set_straus_max(n: i32): void {
  strausMax = n;
}

export function batch_scratch_size(n: i32): usize {
  const nwin = 256 / 4 + 2;
  return <usize>n * REC_SIZE + BUCKETS_SIZE + (<usize>(2 * n + 1)) * <usize>nwin * 2 + 64;
}

const RP: usize = memory.data(160, 16);
const ACC: usize = memory.data(160, 16);
const T1: usize = memory.data(160, 16);
const T2: usize = memory.data(160, 16);
const RUN: usize = memory.data(160, 16);
const SUM: usize = memory.data(160, 16);
const CACHED: usize = memory.data(160, 16);
const BSUM: usize = memory.data(32, 16);
const BNEG: usize = memory.data(32, 16);
const NAFB: usize = memory.data(256, 16);
const LM1: usize = memory.data(32, 16);

let recs: usize = 0;
let extra: usize = 0;
// Numbers the batch calls (never 0) for key_table's guard of the slots records point into.
let call: u32 = 0;

@inline function rec(i: i32): usize {
  return recs + <usize>i * REC_SIZE;
}

function prepare(i: i32, sig: usize, pk: usize, slot: usize, msg: usize, len: usize, z: usize): void {
  const r = rec(i);
  store<i32>(r + R_STATUS, 0);
  store<i32>(r + R_READY, 0);
  // Bind the slot before any reject (see verify_one).
  const at = key_table(slot, pk, call);
  if (!sc_is_canonical(sig + 32)) return;
  if (at == 0) return;
  if (!p3_decode_zip215(RP, sig)) return;
  store<u32>(r + R_ATAB, <u32>at);
  p3_to_cached(r + R_RTAB, RP);
  challenge(r + R_K, sig, pk, msg, len);
  memory.copy(r + R_S, sig + 32, 32);
  memory.copy(r + R_Z, z, 16);
  memory.fill(r + R_Z + 16, 0, 16);
  store<u8>(r + R_Z, load<u8>(r + R_Z) | 1);
  sc_mul(r + R_KZ, r + R_K, r + R_Z);
  store<i32>(r + R_STATUS, 1);
}

// BNEG = -(sum z_i S_i) mod L over the valid items of [lo, hi); returns their count.
function b_scalar(lo: i32, hi: i32): i32 {
  memory.fill(BSUM, 0, 32);
  let m = 0;
  for (let i = lo; i < hi; i++) {
    const r = rec(i);
    if (load<i32>(r + R_STATUS) == 0) continue;
    sc_muladd(BSUM, r + R_Z, r + R_S, BSUM);
    m++;
  }
  sc_mul(BNEG, BSUM, LM1);
  return m;
}

function straus(lo: i32, hi: i32): void {
  for (let i = lo; i < hi; i++) {
    const r = rec(i);
    if (load<i32>(r + R_STATUS) == 0 || load<i32>(r + R_READY) != 0) continue;
    straus_tables(r);
    store<i32>(r + R_READY, 1);
  }
  wnaf(NAFB, BNEG, 8);
  p3_identity(ACC);
  for (let b = 253; b >= 0; b--) {
    p2_dbl(T1, ACC);
    p1p1_to_p3(ACC, T1);
    const bu = <usize>b;
    for (let i = lo; i < hi; i++) {
      const r = rec(i);
      if (load<i32>(r + R_STATUS) == 0) continue;
      const da = <i32>load<i8>(r + R_NAFA + bu);
      if (da != 0) {
        const at = <usize>load<u32>(r + R_ATAB);
        if (da > 0) p3_add(T1, ACC, at + <usize>(da >> 1) * POINT_SIZE);
        else p3_sub(T1, ACC, at + <usize>((-da) >> 1) * POINT_SIZE);
        p1p1_to_p3(ACC, T1);
      }
      const dr = <i32>load<i8>(r + R_NAFR + bu);
      if (dr != 0) {
        if (dr > 0) p3_add(T1, ACC, r + R_RTAB + <usize>(dr >> 1) * POINT_SIZE);
        else p3_sub(T1, ACC, r + R_RTAB + <usize>((-dr) >> 1) * POINT_SIZE);
        p1p1_to_p3(ACC, T1);
      }
    }
    const db = <i32>load<i8>(NAFB + bu);
    if (db != 0) {
      if (db > 0) p3_madd(T1, ACC, ODD_B + <usize>(db >> 1) * NIELS_SIZE);
      else p3_msub(T1, ACC, ODD_B + <usize>((-db) >> 1) * NIELS_SIZE);
      p1p1_to_p3(ACC, T1);
    }
  }
}

// The R table and both digit strings of record r.
function straus_tables(r: usize): void {
  // Entry 0 is R with Z = 1: y+x, y-x, 2dxy, 1. Recover x, y to rebuild the P3.
  cached_affine_to_p3(RP, r + R_RTAB);
  odd_multiples8(r + R_RTAB, RP);
  wnaf(r + R_NAFA, r + R_KZ, 5);
  wnaf(r + R_NAFR, r + R_Z, 5);
}

// p (P3) from a NIELS/CACHED entry with Z = 1: x = ((y+x) - (y-x)) / 2, y = ((y+x) + (y-x)) / 2.
function cached_affine_to_p3(p: usize, c: usize): void {
  fe_sub(p, c, c + 40);
  fe_mul(p, p, FE_HALF);
  fe_add(p + 40, c, c + 40);
  fe_mul(p + 40, p + 40, FE_HALF);
  fe_one(p + 80);
  fe_mul(p + 120, p, p + 40);
}

function choose_c(m: i32): i32 {
  if (m < 192) return 5;
  if (m < 384) return 6;
  if (m < 768) return 7;
  if (m < 1536) return 8;
  if (m < 3072) return 9;
  if (m < 6144) return 10;
  return 11;
}

function pippenger(lo: i32, hi: i32, m: i32): void {
  const c = choose_c(m);
  const nwin = (256 + c) / c;
  const half = 1 << (c - 1);
  const buckets = extra;
  const digits = extra + BUCKETS_SIZE;
  const stride = <usize>nwin * 2;
  // Digits: per valid item, A (kz) then R (z); the B point last.
  let np = 0;
  for (let i = lo; i < hi; i++) {
    const r = rec(i);
    if (load<i32>(r + R_STATUS) == 0) continue;
    radix2c(digits + <usize>np * stride, r + R_KZ, c, nwin);
    radix2c(digits + <usize>(np + 1) * stride, r + R_Z, c, nwin);
    np += 2;
  }
  radix2c(digits + <usize>np * stride, BNEG, c, nwin);
  p3_identity(ACC);
  for (let w = nwin - 1; w >= 0; w--) {
    if (w != nwin - 1) {
      for (let k = 0; k < c - 1; k++) {
        p2_dbl(T1, ACC);
        p1p1_to_p2(ACC, T1);
      }
      p2_dbl(T1, ACC);
      p1p1_to_p3(ACC, T1);
    }
    for (let k = 0; k < half; k++) p3_identity(buckets + <usize>k * POINT_SIZE);
    const wo = <usize>w * 2;
    let q = 0;
    for (let i = lo; i < hi; i++) {
      const r = rec(i);
      if (load<i32>(r + R_STATUS) == 0) continue;
      const da = <i32>load<i16>(digits + <usize>q * stride + wo);
      if (da != 0) add_to_bucket(buckets, da, <usize>load<u32>(r + R_ATAB));
      const dr = <i32>load<i16>(digits + <usize>(q + 1) * stride + wo);
      if (dr != 0) add_to_bucket(buckets, dr, r + R_RTAB);
      q += 2;
    }
    const db = <i32>load<i16>(digits + <usize>q * stride + wo);
    if (db != 0) add_to_bucket(buckets, db, ODD_B);
    // sum_k k * bucket_k by running sums from the top bucket down.
    p3_identity(RUN);
    p3_identity(SUM);
    for (let k = half - 1; k >= 0; k--) {
      p3_to_cached(CACHED, buckets + <usize>k * POINT_SIZE);
      p3_add(T1, RUN, CACHED);
      p1p1_to_p3(RUN, T1);
      p3_to_cached(CACHED, RUN);
      p3_add(T1, SUM, CACHED);
      p1p1_to_p3(SUM, T1);
    }
    p3_to_cached(CACHED, SUM);
    p3_add(T1, ACC, CACHED);
    p1p1_to_p3(ACC, T1);
  }
}

@inline function add_to_bucket(buckets: usize, d: i32, niels: usize): void {
  const b = buckets + <usize>((d > 0 ? d : -d) - 1) * POINT_SIZE;
  if (d > 0) p3_madd(T1, b, niels);
  else p3_msub(T1, b, niels);
  p1p1_to_p3(b, T1);
}

// One batch equation over the valid items of [lo, hi). Vacuously true when none.
function check(lo: i32, hi: i32): bool {
  const m = b_scalar(lo, hi);
  if (m == 0) return true;
  if (m < strausMax) straus(lo, hi);
  else pippenger(lo, hi, m);
  return p3_is_small_order(ACC, T1, T2);
}

// [lo, hi) failed its check: mark each item of it in out (1 valid / 0 invalid).
function resolve(lo: i32, hi: i32, out: usize): void {
  if (hi - lo == 1) {
    store<u8>(out + <usize>lo, 0);
    return;
  }
  const mid = lo + ((hi - lo) >> 1);
  if (check(lo, mid)) {
    for (let i = lo; i < mid; i++) store<u8>(out + <usize>i, load<i32>(rec(i) + R_STATUS) != 0 ? 1 : 0);
    // The whole range failed and the left half holds: the right half must fail.
    resolve(mid, hi, out);
  } else {
    resolve(lo, mid, out);
    if (check(mid, hi)) {
      for (let i = mid; i < hi; i++) store<u8>(out + <usize>i, load<i32>(rec(i) + R_STATUS) != 0 ? 1 : 0);
    } else {
      resolve(mid, hi, out);
    }
  }
}

/**
 * Verifies n items. sigs: 64 n bytes; pks: 32 n bytes; slots: n u32 slot fields (keys.ts);
 * msgs + offs: messages packed back to back, offs n + 1 u32 offsets; zs: 16 n random bytes;
 * scratch: batch_scratch_size(n) bytes; out: n bytes, written only when detailed.
 * Returns 1 when every item is valid.
 */
export function verify_batch(
  n: i32, sigs: usize, pks: usize, slots: usize, msgs: usize, offs: usize, zs: usize,
  scratch: usize, out: usize, detailed: bool,
): bool {
  ensure_base_tables();
  if (load<u8>(LM1) == 0) {
    memory.copy(LM1, L_BYTES, 32);
    store<u8>(LM1, load<u8>(LM1) - 1);
  }
  recs = scratch;
  extra = scratch + <usize>n * REC_SIZE;
  call = call == u32.MAX_VALUE ? 1 : call + 1;
  let allDecoded = true;
  for (let i = 0; i < n; i++) {
    const iu = <usize>i;
    const o = load<u32>(offs + (iu << 2));
    const e = load<u32>(offs + ((iu + 1) << 2));
    prepare(i, sigs + (iu << 6), pks + (iu << 5), <usize>load<u32>(slots + (iu << 2)), msgs + <usize>o, <usize>(e - o), zs + (iu << 4));
    if (load<i32>(rec(i) + R_STATUS) == 0) allDecoded = false;
  }
  if (!detailed && !allDecoded) return false;
  const ok = check(0, n);
  if (!detailed) return ok;
  if (ok) {
    for (let i = 0; i < n; i++) store<u8>(out + <usize>i, load<i32>(rec(i) + R_STATUS) != 0 ? 1 : 0);
  } else {
    resolve(0, n, out);
  }
  return ok && allDecoded;
}
