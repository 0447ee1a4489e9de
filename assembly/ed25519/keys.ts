// Decoded public keys. The host owns an LRU of slots in WASM memory; a slot holds the key's
// status, the exact 32 key bytes it was decoded from, and its table [1, 3, ..., 15] A
// (CACHED), so a key seen again skips both its decompression and its table.
//
// The host's map is only a hint: a slot is used as is only when it is filled AND its stored
// bytes equal the key passed with it; otherwise it is decoded afresh from those bytes
// (issue 10: a slot the host believed filled, left holding another key's table by an early
// return, verified forgeries). Bit 0 of the slot field forces a refill whatever the slot
// holds: the host sets it for new slots and for scratch slots in reused arena memory,
// whose bytes may have been chosen by an attacker. Address 0 means "no cache".
import { POINT_SIZE, p1p1_to_p3, p2_dbl, p3_add, p3_decode_zip215, p3_to_cached } from './edwards';

export const SLOT_STATUS_EMPTY: i32 = 0;
export const SLOT_STATUS_VALID: i32 = 1;
export const SLOT_STATUS_INVALID: i32 = 2;
// Layout: status i32 | call u32 (the batch call that last bound it) | 8 unused | key 32 | table.
const SLOT_CALL: usize = 4;
const SLOT_KEY: usize = 16;
export const SLOT_TABLE: usize = 48;
export const SLOT_SIZE: usize = SLOT_TABLE + 8 * 160;

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

@inline function same_key(s: usize, pk: usize): bool {
  const k = s + SLOT_KEY;
  return ((load<u64>(k) ^ load<u64>(pk)) | (load<u64>(k, 8) ^ load<u64>(pk, 8))
    | (load<u64>(k, 16) ^ load<u64>(pk, 16)) | (load<u64>(k, 24) ^ load<u64>(pk, 24))) == 0;
}

/**
 * The table of the key at pk (32 bytes) for slot field `slot`, or 0 when it does not decode.
 * `call` (non-zero inside a batch, 0 otherwise) guards the batch's records, which point into
 * slots: a slot bound to another key earlier in the same call is never overwritten (that
 * would be a host bug; it traps rather than verify against the wrong table).
 */
export function key_table(slot: usize, pk: usize, call: u32): usize {
  let s = slot & ~(<usize>1);
  const force = s == 0 || (slot & 1) != 0;
  if (s == 0) s = SCRATCH_SLOT;
  const status = load<i32>(s);
  const bound = status != SLOT_STATUS_EMPTY && same_key(s, pk);
  if (force || !bound) {
    if (call != 0 && load<u32>(s + SLOT_CALL) == call && status != SLOT_STATUS_EMPTY && !bound) unreachable();
    store<i32>(s, SLOT_STATUS_EMPTY);
    memory.copy(s + SLOT_KEY, pk, 32);
    if (p3_decode_zip215(P, pk)) {
      odd_multiples8(s + SLOT_TABLE, P);
      store<i32>(s, SLOT_STATUS_VALID);
    } else {
      store<i32>(s, SLOT_STATUS_INVALID);
    }
  }
  store<u32>(s + SLOT_CALL, call);
  return load<i32>(s) == SLOT_STATUS_VALID ? s + SLOT_TABLE : 0;
}
