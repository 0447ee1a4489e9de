import { argon2id } from 'hash-wasm';

/**
 * An encrypted key file: the 32-byte Ed25519 secret key sealed with AES-256-GCM under a key
 * derived from the passphrase by argon2id (RFC 9106). The public key and the KDF parameters
 * travel in the clear and are bound to the ciphertext as associated data, so editing them
 * makes decryption fail instead of yielding a different key.
 */
export interface KeystoreFile {
  version: 1;
  publicKey: string;
  kdf: { name: 'argon2id'; salt: string; iterations: number; memoryKiB: number; parallelism: number };
  cipher: { name: 'aes-256-gcm'; iv: string };
  ciphertext: string;
}

export interface KdfParams {
  iterations: number;
  memoryKiB: number;
  parallelism: number;
}

/** RFC 9106 section 4, second recommended option (64 MiB, t = 3, p = 4). */
export const DEFAULT_KDF: KdfParams = { iterations: 3, memoryKiB: 64 * 1024, parallelism: 4 };

export class KeystoreError extends Error {
  override name = 'KeystoreError';
}

const subtle = (): SubtleCrypto => {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new KeystoreError('WebCrypto (globalThis.crypto.subtle) is not available in this runtime');
  return s;
};

async function deriveKey(passphrase: string, salt: Uint8Array, p: KdfParams): Promise<CryptoKey> {
  const raw = await argon2id({
    password: passphrase,
    salt,
    iterations: p.iterations,
    memorySize: p.memoryKiB,
    parallelism: p.parallelism,
    hashLength: 32,
    outputType: 'binary',
  });
  return subtle().importKey('raw', raw as Uint8Array<ArrayBuffer>, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
}

function aad(f: Pick<KeystoreFile, 'version' | 'publicKey' | 'kdf'>): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(JSON.stringify([f.version, f.publicKey, f.kdf]));
}

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
function unhex(s: unknown, what: string, len?: number): Uint8Array<ArrayBuffer> {
  if (typeof s !== 'string' || !/^(?:[0-9a-f]{2})*$/i.test(s) || (len !== undefined && s.length !== len * 2)) {
    throw new KeystoreError(`keystore field ${what} must be ${len ? `${len} bytes of ` : ''}hex`);
  }
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Seals a 32-byte secret key. */
export async function encryptKey(secretKey: Uint8Array, publicKey: Uint8Array, passphrase: string, kdf: KdfParams = DEFAULT_KDF): Promise<KeystoreFile> {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32) throw new KeystoreError('secret key must be 32 bytes');
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) throw new KeystoreError('public key must be 32 bytes');
  const salt = globalThis.crypto.getRandomValues(new Uint8Array(16));
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12)); // NIST SP 800-38D 8.2: 96-bit random IV, one use per key
  const head = {
    version: 1 as const,
    publicKey: hex(publicKey),
    kdf: { name: 'argon2id' as const, salt: hex(salt), ...kdf },
  };
  const key = await deriveKey(passphrase, salt, kdf);
  const ct = await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: aad(head) }, key, new Uint8Array(secretKey));
  return { ...head, cipher: { name: 'aes-256-gcm', iv: hex(iv) }, ciphertext: hex(new Uint8Array(ct)) };
}

/** Opens a keystore; a wrong passphrase or any tampering is a KeystoreError. */
export async function decryptKey(file: unknown, passphrase: string): Promise<{ secretKey: Uint8Array; publicKey: Uint8Array }> {
  const f = file as KeystoreFile;
  if (!f || typeof f !== 'object' || f.version !== 1 || f.kdf?.name !== 'argon2id' || f.cipher?.name !== 'aes-256-gcm') {
    throw new KeystoreError('not a hashlane keystore (version 1, argon2id, aes-256-gcm expected)');
  }
  const { iterations, memoryKiB, parallelism } = f.kdf;
  const sane = (n: unknown, lo: number, hi: number) => Number.isSafeInteger(n) && (n as number) >= lo && (n as number) <= hi;
  if (!sane(iterations, 1, 100) || !sane(memoryKiB, 8, 4 << 20) || !sane(parallelism, 1, 64)) {
    throw new KeystoreError('keystore KDF parameters are out of range');
  }
  const publicKey = unhex(f.publicKey, 'publicKey', 32);
  const salt = unhex(f.kdf.salt, 'kdf.salt');
  const iv = unhex(f.cipher.iv, 'cipher.iv', 12);
  const ct = unhex(f.ciphertext, 'ciphertext', 48);
  const key = await deriveKey(passphrase, salt, { iterations, memoryKiB, parallelism });
  let pt: ArrayBuffer;
  try {
    pt = await subtle().decrypt({ name: 'AES-GCM', iv, additionalData: aad(f) }, key, ct);
  } catch {
    throw new KeystoreError('wrong passphrase, or the keystore file was modified');
  }
  return { secretKey: new Uint8Array(pt), publicKey };
}
