// Precomputed multiples of the base point B, built in WASM memory on first use (about
// 320 inversions, a few milliseconds) rather than shipped as data.
//   ODD_B:  [1, 3, 5, ..., 127] B          NIELS, for wNAF width 8 in verification
//   SIGN_B: [j * 64^i] B, i < 43, j 1..32  NIELS, for the constant-time fixed-window
//           base multiplication of signing (signed radix 64: 43 additions, no doubling)
import { FE_BX, FE_BY, FE_D2 } from './constants';
import { fe_add, fe_carry, fe_copy, fe_invert, fe_mul, fe_sub } from './field';
import {
  NIELS_SIZE, POINT_SIZE, T, X, Y, Z, p1p1_to_p3, p2_dbl, p3_add, p3_to_cached, p3_to_niels,
} from './edwards';
import { fe_one } from './field';

export const ODD_B_COUNT: i32 = 64;
export const ODD_B: usize = memory.data(<i32>NIELS_SIZE * 64, 16);
export const SIGN_ROWS: i32 = 43;
export const SIGN_COLS: i32 = 32;
export const SIGN_B: usize = memory.data(<i32>NIELS_SIZE * 43 * 32, 16);
const ROW: usize = memory.data(160 * 32, 16);     // one row in P3 before normalisation
const PREFIX: usize = memory.data(40 * 32, 16);   // running products of the row's Z
const INV: usize = memory.data(40, 16);
const TMP: usize = memory.data(40, 16);
const XA: usize = memory.data(40, 16);
const YA: usize = memory.data(40, 16);

const P: usize = memory.data(160, 16);
const Q: usize = memory.data(160, 16);
const R: usize = memory.data(160, 16);
const C: usize = memory.data(160, 16);
let built = false;

/** The base point in P3. */
export function base_p3(p: usize): void {
  fe_copy(X(p), FE_BX);
  fe_copy(Y(p), FE_BY);
  fe_one(Z(p));
  fe_mul(T(p), FE_BX, FE_BY);
}

// ROW[0..32) (P3) -> out[0..32) (NIELS) with a single inversion.
function normalise_row(out: usize): void {
  fe_copy(PREFIX, Z(ROW));
  for (let j: usize = 1; j < <usize>SIGN_COLS; j++) {
    fe_mul(PREFIX + j * 40, PREFIX + (j - 1) * 40, Z(ROW + j * POINT_SIZE));
  }
  fe_invert(INV, PREFIX + <usize>(SIGN_COLS - 1) * 40);
  for (let j = <usize>SIGN_COLS - 1; ; j--) {
    const p = ROW + j * POINT_SIZE;
    // INV = 1 / (Z_0 ... Z_j): 1/Z_j = INV * (Z_0 ... Z_{j-1}); then drop Z_j from INV.
    if (j > 0) {
      fe_mul(TMP, INV, PREFIX + (j - 1) * 40);
      fe_mul(INV, INV, Z(p));
    } else {
      fe_copy(TMP, INV);
    }
    fe_mul(XA, X(p), TMP);
    fe_mul(YA, Y(p), TMP);
    const o = out + j * NIELS_SIZE;
    fe_add(TMP, YA, XA); fe_carry(o, TMP);
    fe_sub(TMP, YA, XA); fe_carry(o + 40, TMP);
    fe_mul(TMP, XA, YA);
    fe_mul(o + 80, TMP, FE_D2);
    if (j == 0) break;
  }
}

export function ensure_base_tables(): void {
  if (built) return;
  // ODD_B: B, then repeatedly + 2B.
  base_p3(P);
  p2_dbl(R, P);
  p1p1_to_p3(Q, R);
  p3_to_cached(C, Q);                 // 2B
  for (let i = 0; i < ODD_B_COUNT; i++) {
    p3_to_niels(ODD_B + <usize>i * NIELS_SIZE, P);
    p3_add(R, P, C);
    p1p1_to_p3(P, R);
  }
  // SIGN_B: for each row i, P = 64^i B; entries P, 2P, ..., 32P, normalised together with
  // one inversion per row (Montgomery's trick).
  base_p3(P);
  for (let i = 0; i < SIGN_ROWS; i++) {
    p3_to_cached(C, P);
    memory.copy(Q, P, POINT_SIZE);
    for (let j = 0; j < SIGN_COLS; j++) {
      memory.copy(ROW + <usize>j * POINT_SIZE, Q, POINT_SIZE);
      p3_add(R, Q, C);
      p1p1_to_p3(Q, R);
    }
    normalise_row(SIGN_B + <usize>(i * SIGN_COLS) * NIELS_SIZE);
    for (let k = 0; k < 6; k++) {
      p2_dbl(R, P);
      p1p1_to_p3(P, R);
    }
  }
  built = true;
}
