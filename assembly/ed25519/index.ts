// Exports of the ed25519 kernels (see assembly/index.ts). Pointers are into the host's
// arena; layouts are documented in the files named below.
import { batch_scratch_size, set_straus_max, verify_batch } from './batch';
import { SLOT_SIZE } from './keys';
import { sc_muladd, sc_reduce64 } from './scalar';
import { sha512_final, sha512_init, sha512_update } from './sha512';
import { forget_key, public_key, sign } from './sign';
import { verify_one } from './verify';

/** out (32) = public key of the 32-byte seed (RFC 8032 5.1.5). */
export function ed25519_public_key(out: usize, seed: usize): void {
  public_key(out, seed);
}

/** out (64) = signature of msg[0..len) under the seed (RFC 8032 5.1.6). */
export function ed25519_sign(out: usize, seed: usize, msg: usize, len: usize): void {
  sign(out, seed, msg, len);
}

/** Erases the expanded secret key kept from the last sign/public_key call. */
export function ed25519_forget_key(): void {
  forget_key();
}

/** ZIP215 verification of one signature (verify.ts); slot: keys.ts. 1 = valid. */
export function ed25519_verify(sig: usize, pk: usize, slot: usize, msg: usize, len: usize): i32 {
  return verify_one(sig, pk, slot, msg, len) ? 1 : 0;
}

/** Batch verification (batch.ts). 1 = every item valid; out[i] filled when detailed. */
export function ed25519_verify_batch(
  n: i32, sigs: usize, pks: usize, slots: usize, msgs: usize, offs: usize, zs: usize,
  scratch: usize, out: usize, detailed: i32,
): i32 {
  return verify_batch(n, sigs, pks, slots, msgs, offs, zs, scratch, out, detailed != 0) ? 1 : 0;
}

export function ed25519_batch_scratch_size(n: i32): usize {
  return batch_scratch_size(n);
}

export function ed25519_slot_size(): usize {
  return SLOT_SIZE;
}

/** Tuning: batches of fewer valid items than n use Straus, others Pippenger. */
export function ed25519_set_straus_max(n: i32): void {
  set_straus_max(n);
}

/** out (64) = SHA-512(msg[0..len)). */
export function ed25519_sha512(out: usize, msg: usize, len: usize): void {
  sha512_init();
  sha512_update(msg, len);
  sha512_final(out);
}

/** out (32) = in (64 bytes) mod L. */
export function ed25519_sc_reduce64(out: usize, inp: usize): void {
  sc_reduce64(out, inp);
}

/** out (32) = (a b + c) mod L. */
export function ed25519_sc_muladd(out: usize, a: usize, b: usize, c: usize): void {
  sc_muladd(out, a, b, c);
}
