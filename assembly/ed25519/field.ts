// Arithmetic mod p = 2^255 - 19. An element is ten i32 limbs (40 bytes) in radix 2^25.5:
// limb i weighs 2^ceil(25.5 i), even limbs hold 26 bits and odd limbs 25 when carried.
// "Carried" = output of fe_mul/fe_sq/fe_carry/fe_frombytes. fe_mul accepts limbs up to
// 1.5 * 2^27 in magnitude, i.e. any sum or difference of up to three carried elements.
import { fe_mul, fe_sq } from './field_mul';
export { fe_mul, fe_sq, fe_sq2 } from './field_mul';

export const FE_SIZE: usize = 40;

// Scratch for the exponentiations (never used re-entrantly).
const T0: usize = memory.data(40, 16);
const T1: usize = memory.data(40, 16);
const T2: usize = memory.data(40, 16);
const T3: usize = memory.data(40, 16);
const BYTES: usize = memory.data(32, 16);
const BYTES2: usize = memory.data(32, 16);

/** Erases the exponentiation scratch. */
export function fe_wipe(): void {
  memory.fill(T0, 0, 40);
  memory.fill(T1, 0, 40);
  memory.fill(T2, 0, 40);
  memory.fill(T3, 0, 40);
  memory.fill(BYTES, 0, 32);
  memory.fill(BYTES2, 0, 32);
}

@inline export function fe_copy(h: usize, f: usize): void {
  memory.copy(h, f, 40);
}

export function fe_zero(h: usize): void {
  memory.fill(h, 0, 40);
}

export function fe_one(h: usize): void {
  memory.fill(h, 0, 40);
  store<i32>(h, 1);
}

/** h = f + g; no carry: |h_i| <= |f_i| + |g_i|. */
export function fe_add(h: usize, f: usize, g: usize): void {
  store<i32>(h, load<i32>(f, 0) + load<i32>(g, 0), 0);
  store<i32>(h, load<i32>(f, 4) + load<i32>(g, 4), 4);
  store<i32>(h, load<i32>(f, 8) + load<i32>(g, 8), 8);
  store<i32>(h, load<i32>(f, 12) + load<i32>(g, 12), 12);
  store<i32>(h, load<i32>(f, 16) + load<i32>(g, 16), 16);
  store<i32>(h, load<i32>(f, 20) + load<i32>(g, 20), 20);
  store<i32>(h, load<i32>(f, 24) + load<i32>(g, 24), 24);
  store<i32>(h, load<i32>(f, 28) + load<i32>(g, 28), 28);
  store<i32>(h, load<i32>(f, 32) + load<i32>(g, 32), 32);
  store<i32>(h, load<i32>(f, 36) + load<i32>(g, 36), 36);
}

/** h = f - g; no carry: |h_i| <= |f_i| + |g_i|. */
export function fe_sub(h: usize, f: usize, g: usize): void {
  store<i32>(h, load<i32>(f, 0) - load<i32>(g, 0), 0);
  store<i32>(h, load<i32>(f, 4) - load<i32>(g, 4), 4);
  store<i32>(h, load<i32>(f, 8) - load<i32>(g, 8), 8);
  store<i32>(h, load<i32>(f, 12) - load<i32>(g, 12), 12);
  store<i32>(h, load<i32>(f, 16) - load<i32>(g, 16), 16);
  store<i32>(h, load<i32>(f, 20) - load<i32>(g, 20), 20);
  store<i32>(h, load<i32>(f, 24) - load<i32>(g, 24), 24);
  store<i32>(h, load<i32>(f, 28) - load<i32>(g, 28), 28);
  store<i32>(h, load<i32>(f, 32) - load<i32>(g, 32), 32);
  store<i32>(h, load<i32>(f, 36) - load<i32>(g, 36), 36);
}

/** h = -f; no carry: |h_i| = |f_i|. */
export function fe_neg(h: usize, f: usize): void {
  for (let i: usize = 0; i < 40; i += 4) store<i32>(h + i, -load<i32>(f + i));
}

/** h = b ? g : h without a branch on b (b is 0 or 1). */
export function fe_cmov(h: usize, g: usize, b: i32): void {
  const m = -b;
  for (let i: usize = 0; i < 40; i += 4) {
    const x = load<i32>(h + i);
    store<i32>(h + i, x ^ ((x ^ load<i32>(g + i)) & m));
  }
}

/** h = f mod p from bits 0..254 of 32 little-endian bytes (bit 255 ignored); carried. */
export function fe_frombytes(h: usize, s: usize): void {
  store<i32>(h, <i32>(load<u32>(s, 0) & 0x3ffffff), 0);
  store<i32>(h, <i32>((load<u32>(s, 3) >> 2) & 0x1ffffff), 4);
  store<i32>(h, <i32>((load<u32>(s, 6) >> 3) & 0x3ffffff), 8);
  store<i32>(h, <i32>((load<u32>(s, 9) >> 5) & 0x1ffffff), 12);
  store<i32>(h, <i32>((load<u32>(s, 12) >> 6) & 0x3ffffff), 16);
  store<i32>(h, <i32>(load<u32>(s, 16) & 0x1ffffff), 20);
  store<i32>(h, <i32>((load<u32>(s, 19) >> 1) & 0x3ffffff), 24);
  store<i32>(h, <i32>((load<u32>(s, 22) >> 3) & 0x1ffffff), 28);
  store<i32>(h, <i32>((load<u32>(s, 25) >> 4) & 0x3ffffff), 32);
  store<i32>(h, <i32>((load<u32>(s, 28) >> 6) & 0x1ffffff), 36);
}

// 4p in limbs, added before the final reduction so that every limb is non-negative.
const FOURP0: i64 = 4 * (0x3ffffff - 18);
const FOURP_EVEN: i64 = 4 * 0x3ffffff;
const FOURP_ODD: i64 = 4 * 0x1ffffff;

/** s = the canonical 32-byte encoding of f (fully reduced to [0, p)). f: |f_i| < 2^27. */
export function fe_tobytes(s: usize, f: usize): void {
  let h0 = <i64>load<i32>(f, 0) + FOURP0;
  let h1 = <i64>load<i32>(f, 4) + FOURP_ODD;
  let h2 = <i64>load<i32>(f, 8) + FOURP_EVEN;
  let h3 = <i64>load<i32>(f, 12) + FOURP_ODD;
  let h4 = <i64>load<i32>(f, 16) + FOURP_EVEN;
  let h5 = <i64>load<i32>(f, 20) + FOURP_ODD;
  let h6 = <i64>load<i32>(f, 24) + FOURP_EVEN;
  let h7 = <i64>load<i32>(f, 28) + FOURP_ODD;
  let h8 = <i64>load<i32>(f, 32) + FOURP_EVEN;
  let h9 = <i64>load<i32>(f, 36) + FOURP_ODD;
  // One wrapping pass: the value stays >= 0 and drops below 2^255 + 2^31.
  h1 += h0 >> 26; h0 &= 0x3ffffff;
  h2 += h1 >> 25; h1 &= 0x1ffffff;
  h3 += h2 >> 26; h2 &= 0x3ffffff;
  h4 += h3 >> 25; h3 &= 0x1ffffff;
  h5 += h4 >> 26; h4 &= 0x3ffffff;
  h6 += h5 >> 25; h5 &= 0x1ffffff;
  h7 += h6 >> 26; h6 &= 0x3ffffff;
  h8 += h7 >> 25; h7 &= 0x1ffffff;
  h9 += h8 >> 26; h8 &= 0x3ffffff;
  h0 += (h9 >> 25) * 19; h9 &= 0x1ffffff;
  // q = floor((v + 19) / 2^255) is 0 or 1; v - q*p is then canonical.
  let q = (h0 + 19) >> 26;
  q = (h1 + q) >> 25;
  q = (h2 + q) >> 26;
  q = (h3 + q) >> 25;
  q = (h4 + q) >> 26;
  q = (h5 + q) >> 25;
  q = (h6 + q) >> 26;
  q = (h7 + q) >> 25;
  q = (h8 + q) >> 26;
  q = (h9 + q) >> 25;
  h0 += 19 * q;
  h1 += h0 >> 26; h0 &= 0x3ffffff;
  h2 += h1 >> 25; h1 &= 0x1ffffff;
  h3 += h2 >> 26; h2 &= 0x3ffffff;
  h4 += h3 >> 25; h3 &= 0x1ffffff;
  h5 += h4 >> 26; h4 &= 0x3ffffff;
  h6 += h5 >> 25; h5 &= 0x1ffffff;
  h7 += h6 >> 26; h6 &= 0x3ffffff;
  h8 += h7 >> 25; h7 &= 0x1ffffff;
  h9 += h8 >> 26; h8 &= 0x3ffffff;
  h9 &= 0x1ffffff;
  // Pack 255 bits: limb offsets 0,26,51,77,102,128,153,179,204,230.
  store<u64>(s, <u64>h0 | (<u64>h1 << 26) | (<u64>h2 << 51), 0);
  store<u64>(s, (<u64>h2 >> 13) | (<u64>h3 << 13) | (<u64>h4 << 38), 8);
  store<u64>(s, <u64>h5 | (<u64>h6 << 25) | (<u64>h7 << 51), 16);
  store<u64>(s, (<u64>h7 >> 13) | (<u64>h8 << 12) | (<u64>h9 << 38), 24);
}

/** h = f with limbs carried (bounds of a fe_mul output). Input: |f_i| < 2^62 / 38. */
export function fe_carry(h: usize, f: usize): void {
  let h0 = <i64>load<i32>(f, 0), h1 = <i64>load<i32>(f, 4), h2 = <i64>load<i32>(f, 8);
  let h3 = <i64>load<i32>(f, 12), h4 = <i64>load<i32>(f, 16), h5 = <i64>load<i32>(f, 20);
  let h6 = <i64>load<i32>(f, 24), h7 = <i64>load<i32>(f, 28), h8 = <i64>load<i32>(f, 32);
  let h9 = <i64>load<i32>(f, 36);
  h1 += h0 >> 26; h0 &= 0x3ffffff;
  h2 += h1 >> 25; h1 &= 0x1ffffff;
  h3 += h2 >> 26; h2 &= 0x3ffffff;
  h4 += h3 >> 25; h3 &= 0x1ffffff;
  h5 += h4 >> 26; h4 &= 0x3ffffff;
  h6 += h5 >> 25; h5 &= 0x1ffffff;
  h7 += h6 >> 26; h6 &= 0x3ffffff;
  h8 += h7 >> 25; h7 &= 0x1ffffff;
  h9 += h8 >> 26; h8 &= 0x3ffffff;
  h0 += (h9 >> 25) * 19; h9 &= 0x1ffffff;
  h1 += h0 >> 26; h0 &= 0x3ffffff;
  store<i32>(h, <i32>h0, 0); store<i32>(h, <i32>h1, 4); store<i32>(h, <i32>h2, 8);
  store<i32>(h, <i32>h3, 12); store<i32>(h, <i32>h4, 16); store<i32>(h, <i32>h5, 20);
  store<i32>(h, <i32>h6, 24); store<i32>(h, <i32>h7, 28); store<i32>(h, <i32>h8, 32);
  store<i32>(h, <i32>h9, 36);
}

/** 1 when f = 0 mod p (f: |f_i| < 2^27). */
export function fe_iszero(f: usize): bool {
  fe_tobytes(BYTES, f);
  return (load<u64>(BYTES, 0) | load<u64>(BYTES, 8) | load<u64>(BYTES, 16) | load<u64>(BYTES, 24)) == 0;
}

/** 1 when f = g mod p. */
export function fe_eq(f: usize, g: usize): bool {
  fe_tobytes(BYTES, f);
  fe_tobytes(BYTES2, g);
  return ((load<u64>(BYTES, 0) ^ load<u64>(BYTES2, 0)) | (load<u64>(BYTES, 8) ^ load<u64>(BYTES2, 8)) |
    (load<u64>(BYTES, 16) ^ load<u64>(BYTES2, 16)) | (load<u64>(BYTES, 24) ^ load<u64>(BYTES2, 24))) == 0;
}

/** The low bit of the canonical value ("negative" in RFC 8032 5.1.2). */
export function fe_isodd(f: usize): i32 {
  fe_tobytes(BYTES, f);
  return load<u8>(BYTES) & 1;
}

function sqn(h: usize, f: usize, n: i32): void {
  fe_sq(h, f);
  for (let i = 1; i < n; i++) fe_sq(h, h);
}

// z^(2^250 - 1) into T0, and z^11 into T3 (shared head of both addition chains).
function pow250(z: usize): void {
  fe_sq(T0, z);             // z^2
  sqn(T1, T0, 2);           // z^8
  fe_mul(T1, z, T1);        // z^9
  fe_mul(T3, T0, T1);       // z^11
  fe_sq(T0, T3);            // z^22
  fe_mul(T0, T1, T0);       // z^31 = z^(2^5 - 1)
  sqn(T1, T0, 5);
  fe_mul(T0, T1, T0);       // 2^10 - 1
  sqn(T1, T0, 10);
  fe_mul(T1, T1, T0);       // 2^20 - 1
  sqn(T2, T1, 20);
  fe_mul(T1, T2, T1);       // 2^40 - 1
  sqn(T1, T1, 10);
  fe_mul(T0, T1, T0);       // 2^50 - 1
  sqn(T1, T0, 50);
  fe_mul(T1, T1, T0);       // 2^100 - 1
  sqn(T2, T1, 100);
  fe_mul(T1, T2, T1);       // 2^200 - 1
  sqn(T1, T1, 50);
  fe_mul(T0, T1, T0);       // 2^250 - 1
}

/** h = z^(p-2) = 1/z (0 for z = 0); constant time. */
export function fe_invert(h: usize, z: usize): void {
  pow250(z);
  sqn(T0, T0, 5);           // 2^255 - 32
  fe_mul(h, T0, T3);        // 2^255 - 21
}

/** h = z^((p-5)/8) = z^(2^252 - 3), for square roots (RFC 8032 5.1.3). */
export function fe_pow22523(h: usize, z: usize): void {
  pow250(z);
  sqn(T0, T0, 2);           // 2^252 - 4
  fe_mul(h, T0, z);         // 2^252 - 3
}
