/**
 * A validator's Ed25519 key on disk, as JSON like the miner key file:
 * `{ "publicKey": "<hex32>", "secretKey": "<hex32 seed>" }`, mode 0600. The same key signs
 * the validator's votes and is its libp2p identity, so the peer allowlist of a consortium
 * chain follows from its validator set.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { generateKeyPairFromSeed, publicKeyFromRaw } from '@libp2p/crypto/keys';
import { peerIdFromPublicKey } from '@libp2p/peer-id';
import type { PrivateKey } from '@libp2p/interface';
import { bytesEqual, fromHex, toHex } from '../chain/hex.js';
import { ed25519 } from '../sig/index.js';
import { writeFileAtomic } from './storage.js';

export interface ValidatorKey {
  publicKey: Uint8Array;
  /** The 32-byte Ed25519 seed. */
  secretKey: Uint8Array;
}

export class ValidatorKeyError extends Error {
  override name = 'ValidatorKeyError';
}

const HEX32 = /^[0-9a-f]{64}$/;

/** Parses a key file's text; throws ValidatorKeyError saying what is wrong. */
export function parseValidatorKey(text: string, where = 'validator key'): ValidatorKey {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw new ValidatorKeyError(`${where}: not JSON; expected {"publicKey": "<64 hex>", "secretKey": "<64 hex>"}`);
  }
  const o = j as { publicKey?: unknown; secretKey?: unknown };
  if (typeof o !== 'object' || o === null || typeof o.secretKey !== 'string' || !HEX32.test(o.secretKey)) {
    throw new ValidatorKeyError(`${where}: secretKey must be 64 lowercase hex digits (an Ed25519 seed)`);
  }
  const secretKey = fromHex(o.secretKey);
  const publicKey = ed25519.getPublicKey(secretKey);
  if (o.publicKey !== undefined && (typeof o.publicKey !== 'string' || !HEX32.test(o.publicKey) || !bytesEqual(fromHex(o.publicKey), publicKey))) {
    throw new ValidatorKeyError(`${where}: publicKey does not belong to secretKey (expected ${toHex(publicKey)})`);
  }
  return { publicKey, secretKey };
}

export function formatValidatorKey(k: ValidatorKey): string {
  return JSON.stringify({ publicKey: toHex(k.publicKey), secretKey: toHex(k.secretKey) }, null, 2) + '\n';
}

/** A fresh random validator key. */
export function newValidatorKey(): ValidatorKey {
  const secretKey = ed25519.randomSecretKey();
  return { publicKey: ed25519.getPublicKey(secretKey), secretKey };
}

/** Reads the key at `path`, or creates it (0600) when the file does not exist. */
export async function loadValidatorKey(path: string, log?: (line: string) => void): Promise<ValidatorKey> {
  let text: string | null = null;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ValidatorKeyError(`cannot read the validator key ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (text !== null) return parseValidatorKey(text, path);
  const key = newValidatorKey();
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, formatValidatorKey(key), 0o600);
  log?.(`created the validator key ${path} (public key ${toHex(key.publicKey)})`);
  return key;
}

/** The libp2p identity of a validator key (both Ed25519: the same key pair). */
export function libp2pKeyOf(k: ValidatorKey): Promise<PrivateKey> {
  return generateKeyPairFromSeed('Ed25519', k.secretKey);
}

/** The libp2p peer id (12D3KooW…) of an Ed25519 public key. */
export function peerIdOf(publicKey: Uint8Array): string {
  return peerIdFromPublicKey(publicKeyFromRaw(publicKey)).toString();
}
