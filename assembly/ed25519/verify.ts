// Single verification under ZIP215 (https://zips.z.cash/zip-0215):
//   reject unless S < L; decode A and R accepting non-canonical encodings;
//   k = SHA-512(R || A || M) over the bytes as given, mod L;
//   accept iff [8]([S]B - R - [k]A) is the identity (the cofactored equation).
// [S]B - [k]A uses interleaved sliding windows: width 8 over the base-point table, width 5
// over the key's cached table. Variable time: everything here is public.
import { ODD_B, ensure_base_tables } from './basepoint';
import {
  NIELS_SIZE, POINT_SIZE, p1p1_to_p2, p1p1_to_p3, p2_dbl, p3_add, p3_decode_zip215, p3_identity,
  p3_is_small_order, p3_madd, p3_msub, p3_sub, p3_to_cached,
} from './edwards';
import { key_table } from './keys';
import { wnaf } from './recode';
import { sc_is_canonical, sc_reduce64 } from './scalar';
import { sha512_final, sha512_init, sha512_update } from './sha512';

const H64: usize = memory.data(64, 16);
const K: usize = memory.data(32, 16);
const NA: usize = memory.data(256, 16);
const NB: usize = memory.data(256, 16);
const ACC: usize = memory.data(160, 16);
const T1: usize = memory.data(160, 16);
const T2: usize = memory.data(160, 16);
const RP: usize = memory.data(160, 16);
const RC: usize = memory.data(160, 16);

/** out (32 bytes) = SHA-512(R || A || M) mod L (RFC 8032 5.1.7 step 2). */
export function challenge(out: usize, r: usize, a: usize, msg: usize, len: usize): void {
  sha512_init();
  sha512_update(r, 32);
  sha512_update(a, 32);
  sha512_update(msg, len);
  sha512_final(H64);
  sc_reduce64(out, H64);
}

/** acc (P3) = [s]B - [k]A for the wNAF digits nb (width 8) and na (width 5, table at). */
function double_scalar(acc: usize, na: usize, at: usize, nb: usize): void {
  let i = 255;
  while (i >= 0 && load<i8>(na + <usize>i) == 0 && load<i8>(nb + <usize>i) == 0) i--;
  p3_identity(acc);
  for (; i >= 0; i--) {
    p2_dbl(T1, acc);
    const a = <i32>load<i8>(na + <usize>i);
    const b = <i32>load<i8>(nb + <usize>i);
    if (a != 0) {
      p1p1_to_p3(T2, T1);
      if (a > 0) p3_sub(T1, T2, at + <usize>(a >> 1) * POINT_SIZE);
      else p3_add(T1, T2, at + <usize>((-a) >> 1) * POINT_SIZE);
    }
    if (b != 0) {
      p1p1_to_p3(T2, T1);
      if (b > 0) p3_madd(T1, T2, ODD_B + <usize>(b >> 1) * NIELS_SIZE);
      else p3_msub(T1, T2, ODD_B + <usize>((-b) >> 1) * NIELS_SIZE);
    }
    if (i == 0) p1p1_to_p3(acc, T1);
    else p1p1_to_p2(acc, T1);
  }
}

/** ZIP215 verification of one signature; slot: see keys.ts. */
export function verify_one(sig: usize, pk: usize, slot: usize, msg: usize, len: usize): bool {
  // The slot is bound before any reject, so that a slot the host handed out always holds the
  // key it was handed out for (issue 10); key_table checks the binding either way.
  const at = key_table(slot, pk, 0);
  if (!sc_is_canonical(sig + 32)) return false;
  if (at == 0) return false;
  ensure_base_tables();
  if (!p3_decode_zip215(RP, sig)) return false;
  challenge(K, sig, pk, msg, len);
  wnaf(NA, K, 5);
  wnaf(NB, sig + 32, 8);
  double_scalar(ACC, NA, at, NB);
  p3_to_cached(RC, RP);
  p3_sub(T1, ACC, RC);
  p1p1_to_p3(ACC, T1);
  return p3_is_small_order(ACC, T1, T2);
}
