// Exports of the sha256 kernels (see assembly/index.ts). Pointers are into the host's
// arena or the static regions below; digests are 32 bytes, big-endian words (FIPS 180-4).
import { CTX_SIZE, final, hash, hashD, init, update } from "./scalar";
import { batch } from "./batch";
import { merkle } from "./merkle";

// The host's lean path for small calls: copy into IO, call, read OUT. No arena traffic.
const IO_SIZE: usize = 64 << 10;
const IO: usize = memory.data(<i32>IO_SIZE, 64);
const OUT: usize = memory.data(32, 16);
// One streaming context; hashers keep their own copy of it host-side (see src/hash).
const CTX: usize = memory.data(<i32>CTX_SIZE, 16);

export function sha256_io(): usize {
  return IO;
}
export function sha256_io_size(): usize {
  return IO_SIZE;
}
export function sha256_out(): usize {
  return OUT;
}
export function sha256_ctx(): usize {
  return CTX;
}
export function sha256_ctx_size(): usize {
  return CTX_SIZE;
}

export function sha256_init(ctx: usize): void {
  init(ctx);
}
export function sha256_update(ctx: usize, p: usize, len: usize): void {
  update(ctx, p, len);
}
export function sha256_final(ctx: usize, out: usize): void {
  final(ctx, out);
}
export function sha256_hash(p: usize, len: usize, out: usize): void {
  hash(p, len, out);
}
export function sha256_hashd(p: usize, len: usize, out: usize): void {
  hashD(p, len, out);
}
/** n messages of len bytes each at p; digest i at out + 32i. */
export function sha256_batch(p: usize, n: usize, len: usize, out: usize): void {
  batch(p, n, len, out);
}
/**
 * n messages of any lengths laid end to end at p, the length of message i a u32 at
 * lens + 4i; digest i at out + 32i. For batches whose lengths differ (state-tree leaves):
 * one call instead of one per length, each message through the scalar path.
 */
export function sha256_many(p: usize, lens: usize, n: usize, out: usize): void {
  for (let i: usize = 0; i < n; i++) {
    const len = <usize>load<u32>(lens + (i << 2));
    hash(p, len, out + (i << 5));
    p += len;
  }
}
/** n >= 1 leaves of 32 bytes at p, reduced in place; the root is left at p. */
export function sha256_merkle(p: usize, n: usize): void {
  merkle(p, n);
}
