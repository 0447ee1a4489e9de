// Ed25519 over the WASM kernels of assembly/ed25519. Every function takes an Engine so that
// tests can cross-check the SIMD and scalar builds; the public API in ./index.ts binds the
// default engine.
//
// Verification policy (ZIP215, https://zips.z.cash/zip-0215), the same for single and batch:
//   - the signature is R (32 bytes) || S (32 bytes, little-endian); S >= L rejects;
//   - A and R are decoded accepting non-canonical encodings (y >= p is reduced, x = 0 with
//     the sign bit set is accepted); a y with no curve point rejects;
//   - k = SHA-512(R || A || M) mod L over the bytes as given;
//   - accept iff [8][S]B = [8]R + [8][k]A.
import { assertBytes, assertBytesLength } from '../engine/errors.js';
import type { Engine } from '../engine/loader.js';
import { KeyCache } from './keycache.js';

export interface SignedItem {
  signature: Uint8Array;
  message: Uint8Array;
  publicKey: Uint8Array;
}

interface Kernels {
  ed25519_public_key(out: number, seed: number): void;
  ed25519_sign(out: number, seed: number, msg: number, len: number): void;
  ed25519_forget_key(): void;
  ed25519_verify(sig: number, pk: number, slot: number, msg: number, len: number): number;
  ed25519_verify_batch(
    n: number, sigs: number, pks: number, slots: number, msgs: number, offs: number, zs: number,
    scratch: number, out: number, detailed: number,
  ): number;
  ed25519_batch_scratch_size(n: number): number;
  ed25519_slot_size(): number;
  ed25519_set_straus_max(n: number): void;
}

interface State {
  k: Kernels;
  cache: KeyCache;
}

/** Decoded public keys kept per engine (each slot takes 1328 bytes of WASM memory). */
export const DEFAULT_KEY_CACHE_SIZE = 4096;

const states = new WeakMap<Engine, State>();

function newCache(e: Engine, k: Kernels, capacity: number): KeyCache {
  const slotSize = k.ed25519_slot_size();
  const base = e.arena.reserve(slotSize * capacity, 16);
  e.arena.u8().fill(0, base, base + slotSize * capacity);
  return new KeyCache(base, capacity, slotSize);
}

function state(e: Engine): State {
  let s = states.get(e);
  if (!s) {
    const k = e.exports as unknown as Kernels;
    s = { k, cache: newCache(e, k, DEFAULT_KEY_CACHE_SIZE) };
    states.set(e, s);
  }
  return s;
}

export function checkKeyCacheSize(capacity: unknown): asserts capacity is number {
  if (!Number.isInteger(capacity) || (capacity as number) < 1 || (capacity as number) > 1 << 20) {
    throw new RangeError(`key cache capacity must be an integer in 1..${1 << 20}, got ${String(capacity)}`);
  }
}

/**
 * Replaces the key cache of an engine by one of `capacity` keys (1328 bytes of WASM memory
 * each). The old slots are not returned to the arena: call this rarely, ideally once.
 */
export function setKeyCacheSizeWith(e: Engine, capacity: number): void {
  checkKeyCacheSize(capacity);
  const s = state(e);
  s.cache = newCache(e, s.k, capacity);
}

/** The key cache of an engine (tests and diagnostics). */
export function keyCacheOf(e: Engine): KeyCache {
  return state(e).cache;
}

function checkSecret(secretKey: unknown): asserts secretKey is Uint8Array {
  assertBytesLength(secretKey, 32, 'secretKey (the 32-byte Ed25519 seed of RFC 8032)');
}

/** The 32-byte public key of a 32-byte secret key (RFC 8032 5.1.5). */
export function getPublicKeyWith(e: Engine, secretKey: Uint8Array): Uint8Array {
  checkSecret(secretKey);
  const { k } = state(e);
  const a = e.arena;
  const mark = a.mark();
  try {
    const seed = a.alloc(32);
    const out = a.alloc(32);
    const mem = a.u8();
    mem.set(secretKey, seed);
    k.ed25519_public_key(out, seed);
    const pk = a.take(out, 32);
    a.u8().fill(0, seed, seed + 32);
    return pk;
  } finally {
    a.release(mark);
  }
}

/** The 64-byte signature R || S of `message` (RFC 8032 5.1.6), deterministic. */
export function signWith(e: Engine, message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  assertBytes(message, 'message');
  checkSecret(secretKey);
  const { k } = state(e);
  const a = e.arena;
  const mark = a.mark();
  try {
    const seed = a.alloc(32);
    const out = a.alloc(64);
    const msg = a.alloc(message.length);
    const mem = a.u8();
    mem.set(secretKey, seed);
    mem.set(message, msg);
    k.ed25519_sign(out, seed, msg, message.length);
    const sig = a.take(out, 64);
    a.u8().fill(0, seed, seed + 32);
    return sig;
  } finally {
    a.release(mark);
  }
}

function checkItem(sig: unknown, msg: unknown, pk: unknown, where: string): void {
  assertBytesLength(sig, 64, `${where}signature`);
  assertBytes(msg, `${where}message`);
  assertBytesLength(pk, 32, `${where}publicKey`);
}

/** ZIP215 verification of one signature; false for any well-formed invalid input. */
export function verifyWith(e: Engine, signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  checkItem(signature, message, publicKey, '');
  const { k, cache } = state(e);
  const a = e.arena;
  cache.begin();
  const mark = a.mark();
  try {
    let slot = cache.slot(publicKey);
    if (slot < 0) slot = 0;
    const sig = a.alloc(64);
    const pk = a.alloc(32);
    const msg = a.alloc(message.length);
    const mem = a.u8();
    mem.set(signature, sig);
    mem.set(publicKey, pk);
    mem.set(message, msg);
    return k.ed25519_verify(sig, pk, slot, msg, message.length) === 1;
  } finally {
    a.release(mark);
  }
}

export function checkItems(items: unknown): asserts items is SignedItem[] {
  if (!Array.isArray(items)) {
    throw new TypeError(`items must be an array of { signature, message, publicKey }, got ${items === null ? 'null' : typeof items}`);
  }
  for (let i = 0; i < items.length; i++) {
    const it = items[i] as Partial<SignedItem> | null;
    if (typeof it !== 'object' || it === null) {
      throw new TypeError(`items[${i}] must be an object { signature, message, publicKey }, got ${it === null ? 'null' : typeof it}`);
    }
    checkItem(it.signature, it.message, it.publicKey, `items[${i}].`);
  }
}

const Z_CHUNK = 65536;

function fillRandom(mem: Uint8Array, ptr: number, len: number): void {
  for (let o = 0; o < len; o += Z_CHUNK) {
    crypto.getRandomValues(mem.subarray(ptr + o, ptr + Math.min(len, o + Z_CHUNK)) as Uint8Array<ArrayBuffer>);
  }
}

// One copy of the batch into WASM and one kernel call. Returns the flags when detailed.
function runBatch(e: Engine, items: SignedItem[], detailed: boolean): { ok: boolean; flags: Uint8Array | null } {
  const n = items.length;
  const { k, cache } = state(e);
  const a = e.arena;
  cache.begin();
  const slotFields = new Array<number>(n);
  let overflow = 0;
  for (let i = 0; i < n; i++) {
    const s = cache.slot(items[i].publicKey);
    slotFields[i] = s;
    if (s < 0) overflow++;
  }
  let msgBytes = 0;
  for (let i = 0; i < n; i++) msgBytes += items[i].message.length;
  const mark = a.mark();
  try {
    const sigs = a.alloc(64 * n);
    const pks = a.alloc(32 * n);
    const slots = a.alloc(4 * n);
    const offs = a.alloc(4 * (n + 1));
    const zs = a.alloc(16 * n);
    const out = a.alloc(n);
    const msgs = a.alloc(msgBytes);
    const scratch = a.alloc(k.ed25519_batch_scratch_size(n), 64);
    const slotSize = cache.slotSize;
    const extra = overflow ? a.alloc(overflow * slotSize) : 0;
    const mem = a.u8();
    // Scratch slots reuse arena memory an earlier call may have filled with a peer's bytes:
    // they are force-filled (bit 0), and cleared so that the kernel's guard against a slot
    // bound twice in one call (keys.ts) never reads a forged header.
    if (overflow) mem.fill(0, extra, extra + overflow * slotSize);
    const dv = new DataView(mem.buffer);
    let o = 0;
    let x = 0;
    for (let i = 0; i < n; i++) {
      const it = items[i];
      mem.set(it.signature, sigs + 64 * i);
      mem.set(it.publicKey, pks + 32 * i);
      let s = slotFields[i];
      if (s < 0) s = (extra + slotSize * x++) | 1;
      dv.setUint32(slots + 4 * i, s, true);
      dv.setUint32(offs + 4 * i, o, true);
      mem.set(it.message, msgs + o);
      o += it.message.length;
    }
    dv.setUint32(offs + 4 * n, o, true);
    fillRandom(mem, zs, 16 * n);
    const ok = k.ed25519_verify_batch(n, sigs, pks, slots, msgs, offs, zs, scratch, out, detailed ? 1 : 0) === 1;
    return { ok, flags: detailed ? a.take(out, n) : null };
  } finally {
    a.release(mark);
  }
}

/**
 * Items per kernel call: bounds the WASM scratch (about 2 KiB per item) for huge batches;
 * at this size Pippenger is already near its best per-item cost.
 */
export const MAX_BATCH_CHUNK = 4096;

/** True when every item verifies (ZIP215); one multi-scalar multiplication per 4096 items. */
export function verifyBatchWith(e: Engine, items: SignedItem[]): boolean {
  checkItems(items);
  for (let i = 0; i < items.length; i += MAX_BATCH_CHUNK) {
    const chunk = items.length <= MAX_BATCH_CHUNK ? items : items.slice(i, i + MAX_BATCH_CHUNK);
    if (!runBatch(e, chunk, false).ok) return false;
  }
  return true;
}

/** Per-item results; equal to verifying each item alone (invalid ones found by bisection). */
export function verifyBatchDetailedWith(e: Engine, items: SignedItem[]): boolean[] {
  checkItems(items);
  const out: boolean[] = [];
  for (let i = 0; i < items.length; i += MAX_BATCH_CHUNK) {
    const chunk = items.length <= MAX_BATCH_CHUNK ? items : items.slice(i, i + MAX_BATCH_CHUNK);
    for (const f of runBatch(e, chunk, true).flags!) out.push(f === 1);
  }
  return out;
}

/** Drops the expanded secret key that signing keeps for a repeated key. */
export function forgetSecretWith(e: Engine): void {
  state(e).k.ed25519_forget_key();
}

/** Straus below `n` valid items per (sub)batch, Pippenger from `n` on (tuning, bench). */
export function setStrausMaxWith(e: Engine, n: number): void {
  state(e).k.ed25519_set_straus_max(n);
}

/** 32 random bytes from the platform CSPRNG: a new secret key (seed). */
export function randomSecretKey(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(32));
}
