import { assertBytes, type Engine } from '../engine/index.js';
import { kernels, view, type Sha256Kernels } from './kernels.js';

/** SHA-256 (FIPS 180-4) of `data` on engine `e`; 32 bytes. */
export function sha256With(e: Engine, data: Uint8Array): Uint8Array {
  return oneShot(e, data, false);
}

/** SHA-256(SHA-256(data)) on engine `e`, as Bitcoin hashes headers and transactions; 32 bytes. */
export function sha256dWith(e: Engine, data: Uint8Array): Uint8Array {
  return oneShot(e, data, true);
}

/**
 * The lean path: one copy into the static I/O region, one export call, one slice out.
 * Inputs larger than the region go through it in chunks (streaming context).
 */
function oneShot(e: Engine, data: Uint8Array, double: boolean): Uint8Array {
  assertBytes(data, 'data');
  const k = kernels(e);
  const len = data.length;
  if (len <= k.ioSize) {
    const u8 = view(k);
    u8.set(data, k.io);
    (double ? k.hashd : k.hash)(k.io, len, k.out);
    return u8.slice(k.out, k.out + 32);
  }
  streamThrough(k, data);
  if (double) k.hash(k.out, 32, k.out);
  return view(k).slice(k.out, k.out + 32);
}

/** Hashes `data` through the I/O region in chunks; the digest lands at k.out. */
function streamThrough(k: Sha256Kernels, data: Uint8Array): void {
  k.init(k.ctx);
  for (let off = 0; off < data.length; off += k.ioSize) {
    const chunk = data.subarray(off, off + k.ioSize);
    view(k).set(chunk, k.io);
    k.update(k.ctx, k.io, chunk.length);
  }
  k.final(k.ctx, k.out);
}
