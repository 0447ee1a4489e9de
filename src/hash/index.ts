// Public SHA-256 API. Every function runs on the default engine (throws EngineNotReadyError
// before ready() resolved); the *With variants take an engine, so tests can compare builds.
import { engine } from '../engine/index.js';
import { merkleRootWith, sha256BatchWith, sha256ManyWith } from './batch.js';
import { sha256dWith, sha256With } from './oneshot.js';
import { createSha256With, type Sha256Hasher } from './stream.js';

export { merkleRootWith, sha256BatchWith, sha256ManyWith } from './batch.js';
export { sha256dWith, sha256With } from './oneshot.js';
export { createSha256With, HasherFinishedError } from './stream.js';
export type { Sha256Hasher } from './stream.js';

/** SHA-256 of `data`: 32 bytes. */
export function sha256(data: Uint8Array): Uint8Array {
  return sha256With(engine(), data);
}

/** SHA-256(SHA-256(data)), Bitcoin's hash of headers and transactions: 32 bytes, internal order. */
export function sha256d(data: Uint8Array): Uint8Array {
  return sha256dWith(engine(), data);
}

/** An incremental hasher: `update()` any number of times, then `digest()` once. */
export function createSha256(): Sha256Hasher {
  return createSha256With(engine());
}

/** N equal-length messages concatenated -> their N digests concatenated (32N bytes). */
export function sha256Batch(messages: Uint8Array, messageLength: number): Uint8Array {
  return sha256BatchWith(engine(), messages, messageLength);
}

/** N messages of any lengths -> their N digests concatenated (32N bytes), in one kernel call. */
export function sha256Many(messages: readonly Uint8Array[]): Uint8Array {
  return sha256ManyWith(engine(), messages);
}

/** Bitcoin merkle root of N x 32-byte leaves (internal byte order) -> 32 bytes. */
export function merkleRoot(leaves: Uint8Array): Uint8Array {
  return merkleRootWith(engine(), leaves);
}
