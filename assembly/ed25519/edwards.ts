// Points of edwards25519, -x^2 + y^2 = 1 + d x^2 y^2 (RFC 8032 5.1), in the coordinate
// systems of Hisil-Wong-Carter-Dawson "Twisted Edwards curves revisited" (2008), with
// a = -1. The formulas are complete on this curve (d is not a square), so the identity
// and small-order points need no special cases.
//
// Layouts (field elements of 40 bytes):
//   P3 extended  X Y Z T        x = X/Z, y = Y/Z, xy = T/Z         160 bytes
//   P2 projective X Y Z         (a P3 whose T is stale)
//   P1P1 completed X Y Z T      x = X/Z, y = Y/T
//   CACHED  Y+X, Y-X, 2dT, Z    ready to be added                  160 bytes
//   NIELS   y+x, y-x, 2dxy      a CACHED with Z = 1 (its prefix)   120 bytes
import { FE_D, FE_D2, FE_ONE, FE_SQRTM1 } from './constants';
import {
  fe_add, fe_carry, fe_cmov, fe_copy, fe_eq, fe_frombytes, fe_invert, fe_iszero, fe_isodd, fe_mul,
  fe_neg, fe_one, fe_pow22523, fe_sq, fe_sq2, fe_sub, fe_tobytes, fe_zero,
} from './field';

export const POINT_SIZE: usize = 160;
export const NIELS_SIZE: usize = 120;

// @inline offsets of the four coordinates
@inline export function X(p: usize): usize { return p; }
@inline export function Y(p: usize): usize { return p + 40; }
@inline export function Z(p: usize): usize { return p + 80; }
@inline export function T(p: usize): usize { return p + 120; }

const T0: usize = memory.data(40, 16);
const U: usize = memory.data(40, 16);
const V: usize = memory.data(40, 16);
const W: usize = memory.data(40, 16);
const VXX: usize = memory.data(40, 16);
const RECIP: usize = memory.data(40, 16);
const E1: usize = memory.data(40, 16);

/** Erases the point-arithmetic scratch (fe_wipe erases the field's). */
export function edwards_wipe(): void {
  memory.fill(T0, 0, 40);
  memory.fill(U, 0, 40);
  memory.fill(V, 0, 40);
  memory.fill(W, 0, 40);
  memory.fill(VXX, 0, 40);
  memory.fill(RECIP, 0, 40);
  memory.fill(E1, 0, 40);
}

export function p3_identity(p: usize): void {
  fe_zero(X(p)); fe_one(Y(p)); fe_one(Z(p)); fe_zero(T(p));
}

export function niels_identity(q: usize): void {
  fe_one(q); fe_one(q + 40); fe_zero(q + 80);
}

/** P1P1 -> P2 (3M). */
export function p1p1_to_p2(r: usize, p: usize): void {
  fe_mul(X(r), X(p), T(p));
  fe_mul(Y(r), Y(p), Z(p));
  fe_mul(Z(r), Z(p), T(p));
}

/** P1P1 -> P3 (4M). */
export function p1p1_to_p3(r: usize, p: usize): void {
  fe_mul(X(r), X(p), T(p));
  fe_mul(Y(r), Y(p), Z(p));
  fe_mul(Z(r), Z(p), T(p));
  fe_mul(T(r), X(p), Y(p));
}

/** r (P1P1) = 2p, p a P2 or P3 (dbl-2008-hwcd). Outputs: X, T three-term; Y, Z two-term. */
export function p2_dbl(r: usize, p: usize): void {
  fe_sq(X(r), X(p));          // XX
  fe_sq(Z(r), Y(p));          // YY
  fe_sq2(T(r), Z(p));         // 2 Z^2
  fe_add(Y(r), X(p), Y(p));
  fe_sq(T0, Y(r));            // (X+Y)^2
  fe_add(Y(r), Z(r), X(r));   // YY + XX
  fe_sub(Z(r), Z(r), X(r));   // YY - XX
  fe_sub(X(r), T0, Y(r));     // 2XY
  fe_sub(T(r), T(r), Z(r));   // 2Z^2 - (YY - XX)
}

/** r (P1P1) = p (P3) + q (CACHED) (add-2008-hwcd-3). Outputs at most three-term. */
export function p3_add(r: usize, p: usize, q: usize): void {
  fe_add(X(r), Y(p), X(p));
  fe_sub(Y(r), Y(p), X(p));
  fe_mul(Z(r), X(r), q);          // B = (Y1+X1)(Y2+X2)
  fe_mul(Y(r), Y(r), q + 40);     // A = (Y1-X1)(Y2-X2)
  fe_mul(T(r), q + 80, T(p));     // C = 2d T1 T2
  fe_mul(X(r), Z(p), q + 120);
  fe_add(T0, X(r), X(r));         // D = 2 Z1 Z2
  fe_sub(X(r), Z(r), Y(r));       // E = B - A
  fe_add(Y(r), Z(r), Y(r));       // H = B + A
  fe_add(Z(r), T0, T(r));         // G = D + C
  fe_sub(T(r), T0, T(r));         // F = D - C
}

/** r (P1P1) = p (P3) - q (CACHED). */
export function p3_sub(r: usize, p: usize, q: usize): void {
  fe_add(X(r), Y(p), X(p));
  fe_sub(Y(r), Y(p), X(p));
  fe_mul(Z(r), X(r), q + 40);
  fe_mul(Y(r), Y(r), q);
  fe_mul(T(r), q + 80, T(p));
  fe_mul(X(r), Z(p), q + 120);
  fe_add(T0, X(r), X(r));
  fe_sub(X(r), Z(r), Y(r));
  fe_add(Y(r), Z(r), Y(r));
  fe_sub(Z(r), T0, T(r));
  fe_add(T(r), T0, T(r));
}

/** r (P1P1) = p (P3) + q (NIELS, Z = 1): one multiplication fewer. */
export function p3_madd(r: usize, p: usize, q: usize): void {
  fe_add(X(r), Y(p), X(p));
  fe_sub(Y(r), Y(p), X(p));
  fe_mul(Z(r), X(r), q);
  fe_mul(Y(r), Y(r), q + 40);
  fe_mul(T(r), q + 80, T(p));
  fe_add(T0, Z(p), Z(p));
  fe_sub(X(r), Z(r), Y(r));
  fe_add(Y(r), Z(r), Y(r));
  fe_add(Z(r), T0, T(r));
  fe_sub(T(r), T0, T(r));
}

/** r (P1P1) = p (P3) - q (NIELS). */
export function p3_msub(r: usize, p: usize, q: usize): void {
  fe_add(X(r), Y(p), X(p));
  fe_sub(Y(r), Y(p), X(p));
  fe_mul(Z(r), X(r), q + 40);
  fe_mul(Y(r), Y(r), q);
  fe_mul(T(r), q + 80, T(p));
  fe_add(T0, Z(p), Z(p));
  fe_sub(X(r), Z(r), Y(r));
  fe_add(Y(r), Z(r), Y(r));
  fe_sub(Z(r), T0, T(r));
  fe_add(T(r), T0, T(r));
}

/** r (CACHED) = p (P3). Y+X and Y-X two-term; 2dT carried. */
export function p3_to_cached(r: usize, p: usize): void {
  fe_add(r, Y(p), X(p));
  fe_sub(r + 40, Y(p), X(p));
  fe_mul(r + 80, T(p), FE_D2);
  fe_copy(r + 120, Z(p));
}

/** r (NIELS) = p (P3) in affine form (one inversion). */
export function p3_to_niels(r: usize, p: usize): void {
  fe_invert(RECIP, Z(p));
  fe_mul(U, X(p), RECIP);
  fe_mul(V, Y(p), RECIP);
  fe_add(W, V, U); fe_carry(r, W);
  fe_sub(W, V, U); fe_carry(r + 40, W);
  fe_mul(W, U, V);
  fe_mul(r + 80, W, FE_D2);
}

/** s (32 bytes) = the RFC 8032 5.1.2 encoding of p (P2 or P3). */
export function p3_tobytes(s: usize, p: usize): void {
  fe_invert(RECIP, Z(p));
  fe_mul(U, X(p), RECIP);
  fe_mul(V, Y(p), RECIP);
  fe_tobytes(s, V);
  store<u8>(s + 31, load<u8>(s + 31) | <u8>(fe_isodd(U) << 7));
}

/**
 * Decodes 32 bytes into p (P3, Z = 1) under ZIP215: y may be non-canonical (y >= p is
 * taken mod p) and x = 0 with the sign bit set is accepted; fails only when y^2 - 1 over
 * d y^2 + 1 has no square root (RFC 8032 5.1.3 steps 2-4 otherwise). Variable time.
 */
export function p3_decode_zip215(p: usize, s: usize): bool {
  fe_frombytes(Y(p), s);
  fe_one(Z(p));
  fe_sq(U, Y(p));
  fe_mul(V, U, FE_D);
  fe_sub(U, U, Z(p));          // u = y^2 - 1
  fe_add(V, V, Z(p));          // v = d y^2 + 1
  fe_carry(U, U);
  fe_carry(V, V);
  // x = u v^3 (u v^7)^((p-5)/8)
  fe_sq(W, V);
  fe_mul(W, W, V);             // v^3
  fe_mul(X(p), W, U);          // u v^3
  fe_sq(W, W);
  fe_mul(W, W, V);             // v^7
  fe_mul(W, W, U);             // u v^7
  fe_pow22523(W, W);
  fe_mul(X(p), X(p), W);
  fe_sq(VXX, X(p));
  fe_mul(VXX, VXX, V);
  if (!fe_eq(VXX, U)) {
    fe_neg(W, U);
    if (!fe_eq(VXX, W)) return false;
    fe_mul(X(p), X(p), FE_SQRTM1);
  }
  if (fe_isodd(X(p)) != <i32>(load<u8>(s + 31) >> 7)) {
    fe_neg(X(p), X(p));
    fe_carry(X(p), X(p));
  }
  fe_mul(T(p), X(p), Y(p));
  return true;
}

/** True when 8p is the identity (p: P2/P3): the cofactored acceptance test of ZIP215. */
export function p3_is_small_order(p: usize, tmp1: usize, tmp2: usize): bool {
  p2_dbl(tmp1, p); p1p1_to_p2(tmp2, tmp1);
  p2_dbl(tmp1, tmp2); p1p1_to_p2(tmp2, tmp1);
  p2_dbl(tmp1, tmp2); p1p1_to_p2(tmp2, tmp1);
  return fe_iszero(X(tmp2)) && fe_eq(Y(tmp2), Z(tmp2));
}

/** Constant-time: q (NIELS, 120 bytes) = b ? r : q, b in {0, 1}; masks, no branch on b. */
export function niels_cmov(q: usize, r: usize, b: i32): void {
  if (ASC_FEATURE_SIMD) {
    const m = i64x2.splat(-(<i64>b));
    for (let o: usize = 0; o < 112; o += 16) {
      v128.store(q + o, v128.bitselect(v128.load(r + o), v128.load(q + o), m));
    }
  } else {
    const m = -(<i64>b);
    for (let o: usize = 0; o < 112; o += 8) {
      const x = load<i64>(q + o);
      store<i64>(q + o, x ^ ((x ^ load<i64>(r + o)) & m));
    }
  }
  const m = -(<i64>b);
  const x = load<i64>(q + 112);
  store<i64>(q + 112, x ^ ((x ^ load<i64>(r + 112)) & m));
}

/** Constant-time: q (NIELS) = -q when b = 1. */
export function niels_cneg(q: usize, b: i32): void {
  fe_copy(E1, q);
  fe_cmov(q, q + 40, b);
  fe_cmov(q + 40, E1, b);
  fe_neg(E1, q + 80);
  fe_cmov(q + 80, E1, b);
}

export { fe_copy };
