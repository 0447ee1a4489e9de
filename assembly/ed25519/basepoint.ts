// Precomputed multiples of the base point B, built in WASM memory on first use (about
// 320 inversions, a few milliseconds) rather than shipped as data.
//   ODD_B:  [1, 3, 5, ..., 127] B          NIELS, for wNAF width 8 in verification
//   SIGN_B: [j * 256^i] B, i < 32, j 1..8  NIELS, for the constant-time fixed-window
//           base multiplication of signing (radix 16, digits in [-8, 8])
import { FE_BX, FE_BY } from './constants';
import { fe_copy, fe_mul } from './field';
import {
  NIELS_SIZE, POINT_SIZE, T, X, Y, Z, p1p1_to_p3, p2_dbl, p3_add, p3_to_cached, p3_to_niels,
} from './edwards';
import { fe_one } from './field';

export const ODD_B_COUNT: i32 = 64;
export const ODD_B: usize = memory.data(<i32>NIELS_SIZE * 64, 16);
export const SIGN_B: usize = memory.data(<i32>NIELS_SIZE * 256, 16);

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
  // SIGN_B: for each i, P = 256^i B; entries P, 2P, ..., 8P.
  base_p3(P);
  for (let i = 0; i < 32; i++) {
    p3_to_cached(C, P);
    memory.copy(Q, P, POINT_SIZE);
    for (let j = 0; j < 8; j++) {
      p3_to_niels(SIGN_B + (<usize>(i * 8 + j)) * NIELS_SIZE, Q);
      p3_add(R, Q, C);
      p1p1_to_p3(Q, R);
    }
    for (let k = 0; k < 8; k++) {
      p2_dbl(R, P);
      p1p1_to_p3(P, R);
    }
  }
  built = true;
}
