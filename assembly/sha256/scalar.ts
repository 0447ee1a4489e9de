// One-message SHA-256 (FIPS 180-4 6.2): streaming init/update/final over a context the
// host passes, and one-shot / double hashing over bytes at a pointer. The compression
// variants themselves are generated (compress.gen.ts).
import { IV0, IV1, IV2, IV3, IV4, IV5, IV6, IV7 } from "./consts";
import { compress as compressU32, compressPad64, compressTail80, hash32BB, hash32BW, hash32WB } from "./compress.gen";
import { compressV } from "./compress1v.gen";

/** One block at p into the chaining value at st; the SIMD build computes the schedule in v128. */
@inline export function compress(st: usize, p: usize): void {
  if (ASC_FEATURE_SIMD) compressV(st, p);
  else compressU32(st, p);
}

// Streaming context layout (CTX_SIZE bytes, host-owned):
//   0..32   chaining value, 8 native u32
//   32..96  pending partial block
//   96..104 total bytes so far (u64); the pending length is its low 6 bits
export const CTX_SIZE: usize = 104;
const CTX_BUF: usize = 32;
const CTX_TOTAL: usize = 96;

// Scratch for one-shot hashing: a chaining value and up to two padded tail blocks.
const ST: usize = memory.data(32, 16);
const TAIL: usize = memory.data(128, 16);

@inline function setIV(st: usize): void {
  store<u32>(st, IV0, 0);
  store<u32>(st, IV1, 4);
  store<u32>(st, IV2, 8);
  store<u32>(st, IV3, 12);
  store<u32>(st, IV4, 16);
  store<u32>(st, IV5, 20);
  store<u32>(st, IV6, 24);
  store<u32>(st, IV7, 28);
}

/** Writes the chaining value at st as the 32 digest bytes (big-endian words) at out. */
@inline export function storeDigest(st: usize, out: usize): void {
  for (let i: usize = 0; i < 32; i += 4) store<u32>(out + i, bswap<u32>(load<u32>(st + i)));
}

export function init(ctx: usize): void {
  setIV(ctx);
  store<u64>(ctx, 0, CTX_TOTAL);
}

export function update(ctx: usize, p: usize, len: usize): void {
  const total = load<u64>(ctx, CTX_TOTAL);
  store<u64>(ctx, total + <u64>len, CTX_TOTAL);
  let used = <usize>(total & 63);
  const buf = ctx + CTX_BUF;
  if (used != 0) {
    const take = min<usize>(64 - used, len);
    memory.copy(buf + used, p, take);
    p += take;
    len -= take;
    if (used + take < 64) return;
    compress(ctx, buf);
  }
  while (len >= 64) {
    compress(ctx, p);
    p += 64;
    len -= 64;
  }
  if (len != 0) memory.copy(buf, p, len);
}

/** Pads (FIPS 180-4 5.1.1) and leaves the final chaining value in the context. */
function finish(ctx: usize): void {
  const total = load<u64>(ctx, CTX_TOTAL);
  const buf = ctx + CTX_BUF;
  let used = <usize>(total & 63);
  store<u8>(buf + used, 0x80);
  used++;
  if (used > 56) {
    memory.fill(buf + used, 0, 64 - used);
    compress(ctx, buf);
    used = 0;
  }
  memory.fill(buf + used, 0, 56 - used);
  store<u64>(buf, bswap<u64>(total << 3), 56);
  compress(ctx, buf);
}

export function final(ctx: usize, out: usize): void {
  finish(ctx);
  storeDigest(ctx, out);
}

/**
 * SHA-256 of len bytes at p, left as the chaining value at ST. The message lengths the
 * library hashes most (64: merkle pairs, 80: headers) take their folded last blocks.
 */
function hashToST(p: usize, len: usize): void {
  setIV(ST);
  let n = len;
  while (n >= 64) {
    compress(ST, p);
    p += 64;
    n -= 64;
  }
  if (len == 64) {
    compressPad64(ST);
    return;
  }
  if (len == 80) {
    compressTail80(ST, p);
    return;
  }
  memory.copy(TAIL, p, n);
  store<u8>(TAIL + n, 0x80);
  let last = TAIL;
  if (n >= 56) {
    memory.fill(TAIL + n + 1, 0, 63 - n);
    compress(ST, TAIL);
    last = TAIL + 64;
    memory.fill(last, 0, 56);
  } else {
    memory.fill(TAIL + n + 1, 0, 55 - n);
  }
  store<u64>(last, bswap<u64>(<u64>len << 3), 56);
  compress(ST, last);
}

export function hash(p: usize, len: usize, out: usize): void {
  if (len == 32) {
    hash32BB(p, out);
    return;
  }
  hashToST(p, len);
  storeDigest(ST, out);
}

/** SHA-256(SHA-256(m)): the second message is always 32 bytes, whose padding is folded. */
export function hashD(p: usize, len: usize, out: usize): void {
  if (len == 32) hash32BW(p, ST);
  else hashToST(p, len);
  hash32WB(ST, out);
}
