import crypto from 'node:crypto';

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** node:crypto key objects for a 32-byte Ed25519 seed. */
export function nodeKeys(seed: Uint8Array): { priv: crypto.KeyObject; pub: crypto.KeyObject; publicKey: Uint8Array } {
  const priv = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const pub = crypto.createPublicKey(priv);
  const der = pub.export({ format: 'der', type: 'spki' });
  return { priv, pub, publicKey: new Uint8Array(der.subarray(SPKI_PREFIX.length)) };
}

export function nodeSign(message: Uint8Array, priv: crypto.KeyObject): Uint8Array {
  return new Uint8Array(crypto.sign(null, message, priv));
}

export function nodeVerify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  const pub = crypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
  return crypto.verify(null, message, pub, signature);
}

/** A deterministic PRNG (xorshift32) so that failures reproduce. */
export function prng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s % n;
  };
}

/**
 * A fresh random node:crypto key pair. (Exporting an Ed25519 private key as JWK hangs now
 * and then on Node 20 / OpenSSL 3.0 here, so only the public key is exported, as SPKI.)
 */
export function nodeRandomKeys(): { priv: crypto.KeyObject; publicKey: Uint8Array } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return { priv: privateKey, publicKey: new Uint8Array(der.subarray(SPKI_PREFIX.length)) };
}
