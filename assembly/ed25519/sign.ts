// RFC 8032 5.1.5 key generation and 5.1.6 signing. The secret scalars a and r meet only
// branch-free code: radix-16 recoding, a table scan with masked selection (every entry
// is read for every digit), complete additions, a constant-time inversion, and the
// branch-free scalar arithmetic of scalar.ts.
import { SIGN_B, SIGN_COLS, SIGN_ROWS, ensure_base_tables } from './basepoint';
import {
  NIELS_SIZE, edwards_wipe, niels_cmov, niels_cneg, niels_identity, p1p1_to_p3, p3_identity, p3_madd, p3_tobytes,
} from './edwards';
import { fe_wipe } from './field';
import { radix64, recode_wipe } from './recode';
import { sc_muladd, sc_reduce64, sc_wipe } from './scalar';
import { sha512_final, sha512_init, sha512_update, sha512_wipe } from './sha512';
import { challenge } from './verify';

const E: usize = memory.data(64, 16);
const SEL: usize = memory.data(120, 16);
const ACC: usize = memory.data(160, 16);
const T1: usize = memory.data(160, 16);
const H64: usize = memory.data(64, 16);
const RS: usize = memory.data(32, 16);
const RB: usize = memory.data(32, 16);
const KS: usize = memory.data(32, 16);
// The expanded form of the last secret key used: seed, clamped a, prefix, A.
const LAST_SEED: usize = memory.data(32, 16);
const LAST_A: usize = memory.data(32, 16);
const LAST_PREFIX: usize = memory.data(32, 16);
const LAST_PK: usize = memory.data(32, 16);
let haveLast = false;

// 1 when b == c (both in 0..32), without branches.
@inline function eq(b: i32, c: i32): i32 {
  return <i32>(<u32>((b ^ c) - 1) >> 31);
}

// SEL = digit * 64^row B, digit in [-32, 32]; reads all 32 entries of the row.
function select(row: i32, digit: i32): void {
  const neg = (digit >> 31) & 1;
  const abs = digit - ((-neg & digit) << 1);
  niels_identity(SEL);
  const base = SIGN_B + <usize>(row * SIGN_COLS) * NIELS_SIZE;
  for (let j = 0; j < SIGN_COLS; j++) niels_cmov(SEL, base + <usize>j * NIELS_SIZE, eq(abs, j + 1));
  niels_cneg(SEL, neg);
}

/** out (P3) = [s]B for a secret s < 2^253 (32 bytes), constant time: 43 additions. */
export function base_mult(out: usize, s: usize): void {
  ensure_base_tables();
  radix64(E, s);
  p3_identity(out);
  for (let i = 0; i < SIGN_ROWS; i++) {
    select(i, <i32>load<i8>(E + <usize>i));
    p3_madd(T1, out, SEL);
    p1p1_to_p3(out, T1);
  }
}

// The remembered expansion is used only for the very seed it came from: all 32 bytes are
// compared (the class of fault of issue 10, where a cache entry outlived its binding).
function same_seed(seed: usize): bool {
  let d: u64 = 0;
  for (let i: usize = 0; i < 32; i += 8) d |= load<u64>(seed + i) ^ load<u64>(LAST_SEED + i);
  return haveLast && d == 0;
}

// RFC 8032 5.1.5: h = SHA-512(seed); a = clamp(h[0..32]); prefix = h[32..64]; A = [a]B.
function expand(seed: usize): void {
  if (same_seed(seed)) return;
  haveLast = false;
  sha512_init();
  sha512_update(seed, 32);
  sha512_final(H64);
  store<u8>(H64, load<u8>(H64) & 248);
  store<u8>(H64 + 31, (load<u8>(H64 + 31) & 127) | 64);
  memory.copy(LAST_A, H64, 32);
  memory.copy(LAST_PREFIX, H64 + 32, 32);
  base_mult(ACC, LAST_A);
  p3_tobytes(LAST_PK, ACC);
  memory.copy(LAST_SEED, seed, 32);
  haveLast = true;
}

/** out (32 bytes) = the public key of the 32-byte seed. */
export function public_key(out: usize, seed: usize): void {
  expand(seed);
  memory.copy(out, LAST_PK, 32);
}

/** out (64 bytes) = R || S, the RFC 8032 5.1.6 signature of msg under seed. */
export function sign(out: usize, seed: usize, msg: usize, len: usize): void {
  expand(seed);
  // r = SHA-512(prefix || M) mod L; R = [r]B
  sha512_init();
  sha512_update(LAST_PREFIX, 32);
  sha512_update(msg, len);
  sha512_final(H64);
  sc_reduce64(RS, H64);
  base_mult(ACC, RS);
  p3_tobytes(RB, ACC);
  // k = SHA-512(R || A || M) mod L; S = r + k a mod L
  challenge(KS, RB, LAST_PK, msg, len);
  sc_muladd(out + 32, KS, LAST_A, RS);
  memory.copy(out, RB, 32);
}

/**
 * Erases the remembered expanded key and everything the last key expansion or signature
 * left in scratch: the SHA-512 state and output (a || prefix, or the nonce hash), the
 * nonce r, the recoded digits, the selected table entries, the scalar limbs of k a + r.
 */
export function forget_key(): void {
  memory.fill(LAST_SEED, 0, 32);
  memory.fill(LAST_A, 0, 32);
  memory.fill(LAST_PREFIX, 0, 32);
  haveLast = false;
  memory.fill(E, 0, 64);
  memory.fill(SEL, 0, 120);
  memory.fill(ACC, 0, 160);
  memory.fill(T1, 0, 160);
  memory.fill(H64, 0, 64);
  memory.fill(RS, 0, 32);
  sha512_wipe();
  sc_wipe();
  recode_wipe();
  fe_wipe();
  edwards_wipe();
}
