// Scalars mod L = 2^252 + 27742317777372353535851937790883648493 (RFC 8032 5.1).
// Work form: signed i64 limbs of 21 bits; limbs at 2^252 and above fold down with
// 2^252 = -(L - 2^252) mod L. Every operation is branch-free on the values (signing
// multiplies the secret scalar).
import { FOLD0, FOLD1, FOLD2, FOLD3, FOLD4, FOLD5, L21, L_BYTES } from './constants';

const S: usize = memory.data(24 * 8, 16);   // 24 limbs of the value being reduced
const A: usize = memory.data(12 * 8, 16);
const B: usize = memory.data(12 * 8, 16);
const C: usize = memory.data(12 * 8, 16);
const PAD: usize = memory.data(80, 16);     // input copy with zero padding for wide loads
const U: usize = memory.data(12 * 8, 16);
const V: usize = memory.data(12 * 8, 16);
const ZERO32: usize = memory.data(32, 16);

const M21: i64 = 0x1fffff;

/** Erases the limbs left by the last operation (signing multiplies the secret scalar). */
export function sc_wipe(): void {
  memory.fill(S, 0, 24 * 8);
  memory.fill(A, 0, 12 * 8);
  memory.fill(B, 0, 12 * 8);
  memory.fill(C, 0, 12 * 8);
  memory.fill(PAD, 0, 80);
  memory.fill(U, 0, 12 * 8);
  memory.fill(V, 0, 12 * 8);
}

@inline function sl(i: i32): usize {
  return S + (<usize>i << 3);
}

// n limbs of 21 bits from `bytes` little-endian bytes at p (the last limb takes every bit left).
function loadLimbs(out: usize, p: usize, bytes: usize, n: i32): void {
  memory.fill(PAD, 0, 80);
  memory.copy(PAD, p, bytes);
  for (let i = 0; i < n; i++) {
    const bit = <usize>i * 21;
    let v = load<u64>(PAD + (bit >> 3)) >> (bit & 7);
    if (i < n - 1) v &= <u64>M21;
    store<i64>(out + (<usize>i << 3), <i64>v);
  }
}

@inline function foldAt(i: i32, c: i64): void {
  store<i64>(sl(i), load<i64>(sl(i)) + c * FOLD0);
  store<i64>(sl(i + 1), load<i64>(sl(i + 1)) + c * FOLD1);
  store<i64>(sl(i + 2), load<i64>(sl(i + 2)) + c * FOLD2);
  store<i64>(sl(i + 3), load<i64>(sl(i + 3)) + c * FOLD3);
  store<i64>(sl(i + 4), load<i64>(sl(i + 4)) + c * FOLD4);
  store<i64>(sl(i + 5), load<i64>(sl(i + 5)) + c * FOLD5);
}

// Floor carries from limb lo up to limb hi (exclusive), into limb hi.
@inline function carryRange(lo: i32, hi: i32): void {
  for (let j = lo; j < hi; j++) {
    const x = load<i64>(sl(j));
    const c = x >> 21;
    store<i64>(sl(j), x & M21);
    store<i64>(sl(j + 1), load<i64>(sl(j + 1)) + c);
  }
}

// Limbs of t (12, carried; t11 signed, holding bits 231 and up) = S[0..12) + sign * L.
function addL(t: usize, sign: i64): void {
  let c: i64 = 0;
  for (let j: usize = 0; j < 12; j++) {
    const x = load<i64>(S + (j << 3)) + sign * load<i64>(L21 + (j << 3)) + c;
    if (j < 11) {
      c = x >> 21;
      store<i64>(t + (j << 3), x & M21);
    } else {
      store<i64>(t + (j << 3), x);
    }
  }
}

// S (24 limbs: 0..22 in [0, 2^21), 23 below 2^29) -> out = value mod L, 32 bytes.
function reduceS(out: usize): void {
  // Fold each limb of weight >= 2^252 from the top, re-carrying what it touched, so that
  // every folded limb is < 2^22 (the first < 2^29): products stay below 2^50.
  for (let i = 23; i >= 12; i--) {
    const c = load<i64>(sl(i));
    store<i64>(sl(i), 0);
    foldAt(i - 12, c);
    carryRange(i - 12, i - 1);
  }
  // Limb 11 may now carry past 2^252 (or below 0): fold that too.
  const s11 = load<i64>(sl(11));
  const c = s11 >> 21;
  store<i64>(sl(11), s11 & M21);
  foldAt(0, c);
  carryRange(0, 11);
  // v = S[0..12) lies in (-L, 2L): pick v + L, v - L or v without branching.
  addL(U, 1);   // v + L
  addL(V, -1);  // v - L
  const vneg = load<i64>(sl(11)) >> 63;          // all ones when v < 0
  const wpos = ~(load<i64>(V + 88) >> 63);       // all ones when v - L >= 0
  for (let j: usize = 0; j < 12; j++) {
    const v = load<i64>(S + (j << 3));
    const u = load<i64>(U + (j << 3));
    const w = load<i64>(V + (j << 3));
    let r = v ^ ((v ^ w) & wpos);
    r = r ^ ((r ^ u) & vneg);
    store<i64>(S + (j << 3), r);
  }
  // Pack 12 x 21 bits (the top limb is < 2^21 since the value is < L < 2^253... holds bit 252).
  let acc: u64 = 0;
  let bits: u32 = 0;
  let o: usize = 0;
  for (let j: usize = 0; j < 12; j++) {
    acc |= <u64>load<i64>(S + (j << 3)) << bits;
    bits += 21;
    while (bits >= 8) {
      store<u8>(out + o, <u8>acc);
      o++;
      acc >>= 8;
      bits -= 8;
    }
  }
  while (o < 32) {
    store<u8>(out + o, <u8>acc);
    acc >>= 8;
    o++;
  }
}

/** out (32 bytes) = in (64 bytes, little-endian) mod L — RFC 8032 5.1.7 step 2. */
export function sc_reduce64(out: usize, inp: usize): void {
  loadLimbs(S, inp, 64, 24);
  reduceS(out);
}

/** out = (a * b + c) mod L; a, b, c: 32 little-endian bytes each (any value < 2^256). */
export function sc_muladd(out: usize, a: usize, b: usize, c: usize): void {
  loadLimbs(A, a, 32, 12);
  loadLimbs(B, b, 32, 12);
  loadLimbs(C, c, 32, 12);
  for (let k = 0; k < 24; k++) store<i64>(sl(k), k < 12 ? load<i64>(C + (<usize>k << 3)) : 0);
  // Limb 11 of each input holds up to 25 bits: every column sum < 12 * 2^50.
  for (let i = 0; i < 12; i++) {
    const ai = load<i64>(A + (<usize>i << 3));
    for (let j = 0; j < 12; j++) {
      const p = sl(i + j);
      store<i64>(p, load<i64>(p) + ai * load<i64>(B + (<usize>j << 3)));
    }
  }
  carryRange(0, 23);
  reduceS(out);
}

/** out = a * b mod L. */
export function sc_mul(out: usize, a: usize, b: usize): void {
  sc_muladd(out, a, b, ZERO32);
}

/** True when the 32-byte little-endian s is < L (RFC 8032 5.1.7 step 1; ZIP215 keeps it). */
export function sc_is_canonical(s: usize): bool {
  for (let i = 31; i >= 0; i--) {
    const x = load<u8>(s + <usize>i);
    const l = load<u8>(L_BYTES + <usize>i);
    if (x < l) return true;
    if (x > l) return false;
  }
  return false;
}
