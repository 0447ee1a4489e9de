// Public Ed25519 API (RFC 8032 keys and signatures; ZIP215 verification, see ./ed25519.ts).
import { engine } from '../engine/loader.js';
import { defaultThreads, sharedPool, type WorkerPool } from '../engine/workers.js';
import type { VerifyJob } from './jobs.js';
import {
  getPublicKeyWith, randomSecretKey, signWith, verifyBatchDetailedWith, verifyBatchWith, verifyWith,
  checkItems, checkKeyCacheSize, type SignedItem,
} from './ed25519.js';
import { packItems } from './jobs.js';

export interface ParallelOptions {
  /** Worker threads (default: all cores). */
  threads?: number;
  /** A pool to use instead of the process-wide one. */
  pool?: WorkerPool;
  /**
   * Key cache size of each worker that runs a chunk (default: left as it is, initially
   * DEFAULT_KEY_CACHE_SIZE); a change reserves new WASM memory in the worker, so keep it fixed.
   */
  keyCacheSize?: number;
}

/** Below this many items per thread, splitting costs more than it saves. */
const MIN_PER_THREAD = 64;

/**
 * Per-item results of a large batch, split into contiguous chunks verified on the worker
 * pool (one batch per worker); each result equals `verify` of that item.
 */
async function verifyBatchParallel(items: SignedItem[], options: ParallelOptions = {}): Promise<boolean[]> {
  checkItems(items);
  const threads = options.threads ?? (await defaultThreads());
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
  const { keyCacheSize } = options;
  if (keyCacheSize !== undefined) checkKeyCacheSize(keyCacheSize);
  const chunks = Math.max(1, Math.min(threads, Math.floor(items.length / MIN_PER_THREAD)));
  if (chunks === 1 && !options.pool) return verifyBatchDetailedWith(engine(), items);
  const pool = options.pool ?? (await sharedPool(chunks));
  const per = Math.ceil(items.length / chunks);
  const jobs: Promise<Uint8Array>[] = [];
  for (let c = 0; c < items.length; c += per) {
    const job: VerifyJob = packItems(items.slice(c, c + per));
    if (keyCacheSize !== undefined) job.keyCacheSize = keyCacheSize;
    jobs.push(pool.run<Uint8Array>('ed25519.verifyBatch', job));
  }
  const out: boolean[] = [];
  for (const flags of await Promise.all(jobs)) for (const f of flags) out.push(f === 1);
  return out;
}

export type { SignedItem } from './ed25519.js';
export {
  getPublicKeyWith, signWith, verifyWith, verifyBatchWith, verifyBatchDetailedWith, keyCacheOf,
  forgetSecretWith, setStrausMaxWith, setKeyCacheSizeWith, DEFAULT_KEY_CACHE_SIZE,
} from './ed25519.js';

export const ed25519 = {
  /** The 32-byte public key of a 32-byte secret key (seed). */
  getPublicKey: (secretKey: Uint8Array): Uint8Array => getPublicKeyWith(engine(), secretKey),
  /** The 64-byte RFC 8032 signature of message under the 32-byte secret key. */
  sign: (message: Uint8Array, secretKey: Uint8Array): Uint8Array => signWith(engine(), message, secretKey),
  /** ZIP215 verification; false (never a throw) for a well-formed invalid signature. */
  verify: (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean =>
    verifyWith(engine(), signature, message, publicKey),
  /** True when every item verifies; same answer as the AND of `verify` over the items. */
  verifyBatch: (items: SignedItem[]): boolean => verifyBatchWith(engine(), items),
  /** Per-item results, each equal to `verify` of that item. */
  verifyBatchDetailed: (items: SignedItem[]): boolean[] => verifyBatchDetailedWith(engine(), items),
  /** `verifyBatchDetailed` split over worker threads (`{ threads }`, default all cores). */
  verifyBatchParallel,
  /** A fresh random 32-byte secret key from the platform CSPRNG. */
  randomSecretKey,
};
