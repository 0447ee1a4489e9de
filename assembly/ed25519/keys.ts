// Decoded public keys. The host owns an LRU of slots in WASM memory; a slot holds the
// key's status and its table [1, 3, ..., 15] A (CACHED), so a key seen again skips both
// its decompression and its table. The host passes a slot address with bit 0 set when
// the slot must be (re)filled from the key bytes; address 0 means "no cache".
import { POINT_SIZE, p1p1_to_p3, p2_dbl, p3_add, p3_decode_zip215, p3_to_cached } from './edwards';

export const SLOT_STATUS_EMPTY: i32 = 0;
export const SLOT_STATUS_VALID: i32 = 1;
export const SLOT_STATUS_INVALID: i32 = 2;
export const SLOT_TABLE: usize = 16;
export const SLOT_SIZE: usize = 16 + 8 * 160;

const SCRATCH_SLOT: usize = memory.data(<i32>SLOT_SIZE, 16);
const P: usize = memory.data(160, 16);
const P2: usize = memory.data(160, 16);
const Q: usize = memory.data(160, 16);
const C2: usize = memory.data(160, 16);

/** table (8 CACHED) = [1, 3, ..., 15] p for p in P3; p is left unchanged. */
export function odd_multiples8(table: usize, p: usize): void {
  p3_to_cached(table, p);
  p2_dbl(Q, p);
  p1p1_to_p3(P2, Q);
  p3_to_cached(C2, P2);
  for (let j: usize = 1; j < 8; j++) {
    p3_add(Q, j == 1 ? p : P2, C2);
    p1p1_to_p3(P2, Q);
    p3_to_cached(table + j * POINT_SIZE, P2);
  }
}

/** The table of the key at pk (32 bytes) for slot field `slot`, or 0 when it does not decode. */
export function key_table(slot: usize, pk: usize): usize {
  let s = slot & ~(<usize>1);
  const fill = s == 0 || (slot & 1) != 0;
  if (s == 0) s = SCRATCH_SLOT;
  if (fill) {
    if (p3_decode_zip215(P, pk)) {
      odd_multiples8(s + SLOT_TABLE, P);
      store<i32>(s, SLOT_STATUS_VALID);
    } else {
      store<i32>(s, SLOT_STATUS_INVALID);
    }
  }
  return load<i32>(s) == SLOT_STATUS_VALID ? s + SLOT_TABLE : 0;
}
