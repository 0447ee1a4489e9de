import { assertBytes, type Engine } from '../engine/index.js';
import { kernels, view } from './kernels.js';

/**
 * SHA-256 of N equal-length messages laid end to end; returns the N digests concatenated
 * (digest i at 32i). One copy into WASM memory and one kernel call for the whole batch.
 */
export function sha256BatchWith(e: Engine, messages: Uint8Array, messageLength: number): Uint8Array {
  assertBytes(messages, 'messages');
  if (!Number.isSafeInteger(messageLength) || messageLength < 1) {
    throw new RangeError(
      `messageLength must be a positive integer, got ${String(messageLength)}` +
        (messageLength === 0 ? ' (with length 0 the number of messages is undefined; hash the empty message with sha256())' : ''),
    );
  }
  if (messages.length % messageLength !== 0) {
    throw new RangeError(`messages.length (${messages.length}) is not a multiple of messageLength (${messageLength})`);
  }
  const n = messages.length / messageLength;
  const k = kernels(e);
  const outLen = n * 32;
  if (messages.length + outLen <= k.ioSize) {
    const out = k.io + ((messages.length + 15) & ~15);
    const u8 = view(k);
    u8.set(messages, k.io);
    k.batch(k.io, n, messageLength, out);
    return u8.slice(out, out + outLen);
  }
  const arena = e.arena;
  const mark = arena.mark();
  try {
    const p = arena.alloc(messages.length, 16);
    const out = arena.alloc(outLen, 16);
    const u8 = view(k);
    u8.set(messages, p);
    k.batch(p, n, messageLength, out);
    return u8.slice(out, out + outLen);
  } finally {
    arena.release(mark);
  }
}

/**
 * SHA-256 of N messages of any lengths; returns the N digests concatenated (digest i at
 * 32i). For batches whose lengths differ, where sha256BatchWith would take one call per
 * length: one copy into WASM memory (messages, then a u32 length table) and one call.
 */
export function sha256ManyWith(e: Engine, messages: readonly Uint8Array[]): Uint8Array {
  if (!Array.isArray(messages)) throw new TypeError(`messages must be an array of Uint8Array, got ${messages === null ? 'null' : typeof messages}`);
  const n = messages.length;
  let total = 0;
  for (let i = 0; i < n; i++) {
    assertBytes(messages[i], `messages[${i}]`);
    total += messages[i].length;
  }
  if (n === 0) return new Uint8Array(0);
  if (total > 0xffffffff) throw new RangeError(`the messages hold ${total} bytes; at most 2^32 - 1 in one call`);
  const k = kernels(e);
  const lensAt = (total + 3) & ~3;
  const outAt = (lensAt + 4 * n + 15) & ~15;
  const size = outAt + 32 * n;
  const run = (base: number): Uint8Array => {
    const u8 = view(k);
    let pos = base;
    for (let i = 0; i < n; i++) {
      u8.set(messages[i], pos);
      pos += messages[i].length;
    }
    const lens = new Uint32Array(u8.buffer, base + lensAt, n);
    for (let i = 0; i < n; i++) lens[i] = messages[i].length;
    k.many(base, base + lensAt, n, base + outAt);
    return u8.slice(base + outAt, base + outAt + 32 * n);
  };
  if (size <= k.ioSize) return run(k.io);
  const arena = e.arena;
  const mark = arena.mark();
  try {
    return run(arena.alloc(size, 16));
  } finally {
    arena.release(mark);
  }
}

/**
 * The Bitcoin merkle root of N >= 1 leaves of 32 bytes (internal byte order, e.g. txids as
 * hashed, not as displayed): parents are SHA-256d(left || right), an odd level repeats its
 * last node. Computed in WASM in place; returns 32 bytes, internal byte order.
 */
export function merkleRootWith(e: Engine, leaves: Uint8Array): Uint8Array {
  assertBytes(leaves, 'leaves');
  if (leaves.length === 0) throw new RangeError('leaves must hold at least one 32-byte leaf, got 0 bytes');
  if (leaves.length % 32 !== 0) {
    throw new RangeError(`leaves.length (${leaves.length}) is not a multiple of 32 (leaves are 32-byte hashes)`);
  }
  const k = kernels(e);
  const n = leaves.length / 32;
  if (leaves.length <= k.ioSize) {
    const u8 = view(k);
    u8.set(leaves, k.io);
    k.merkle(k.io, n);
    return u8.slice(k.io, k.io + 32);
  }
  const arena = e.arena;
  const mark = arena.mark();
  try {
    const p = arena.alloc(leaves.length, 16);
    const u8 = view(k);
    u8.set(leaves, p);
    k.merkle(p, n);
    return u8.slice(p, p + 32);
  } finally {
    arena.release(mark);
  }
}
