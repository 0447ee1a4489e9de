// Public Ed25519 API (RFC 8032 keys and signatures; ZIP215 verification, see ./ed25519.ts).
import { engine } from '../engine/loader.js';
import {
  getPublicKeyWith, randomSecretKey, signWith, verifyBatchDetailedWith, verifyBatchWith, verifyWith,
  type SignedItem,
} from './ed25519.js';

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
  /** A fresh random 32-byte secret key from the platform CSPRNG. */
  randomSecretKey,
};
