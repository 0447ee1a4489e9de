// Hostile Ed25519 inputs built with @noble/curves (independent of the code under test): the
// forgery of issue 10, every malformed kind of signature and key, and the reference verdict.
import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';

export const L = ed25519.Point.Fn.ORDER;
const P = 2n ** 255n - 19n;

export interface Item { signature: Uint8Array; message: Uint8Array; publicKey: Uint8Array }

export function le32(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++, n >>= 8n) out[i] = Number(n & 255n);
  return out;
}

export function leToBig(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]);
  return n;
}

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/** k = SHA-512(R || A || M) mod L over the bytes as given (RFC 8032 5.1.7). */
export function challenge(r: Uint8Array, a: Uint8Array, m: Uint8Array): bigint {
  return leToBig(sha512(concat(r, a, m))) % L;
}

/** The reference verdict: no cache, ZIP215 (what every path of ours must answer). */
export function reference(it: Item): boolean {
  return ed25519.verify(it.signature, it.message, it.publicKey, { zip215: true });
}

/** The signature with its S replaced by `s` (any value below 2^256, e.g. s >= L). */
export function withS(signature: Uint8Array, s: bigint): Uint8Array {
  return concat(signature.subarray(0, 32), le32(s));
}

/** The secret scalar a and public key of a 32-byte seed. */
export function expanded(seed: Uint8Array): { a: bigint; publicKey: Uint8Array } {
  const x = ed25519.utils.getExtendedPublicKey(seed);
  return { a: x.scalar, publicKey: x.pointBytes };
}

/**
 * Issue 10's forgery: R = [r]B, k = H(R || Y || M), S = r + k a_X. It satisfies
 * [S]B = R + [k]X, so it verifies under Y only for a verifier that uses X's table for Y.
 */
export function forge(attackerSeed: Uint8Array, victim: Uint8Array, message: Uint8Array, r = 12345n): Uint8Array {
  const { a } = expanded(attackerSeed);
  const R = ed25519.Point.BASE.multiply(r).toBytes();
  const k = challenge(R, victim, message);
  return concat(R, le32((r + k * a) % L));
}

/** A valid signature (S = k a) over a chosen R of small order: [8]R vanishes. */
export function signWithR(seed: Uint8Array, r: Uint8Array, message: Uint8Array): Item {
  const { a, publicKey } = expanded(seed);
  const k = challenge(r, publicKey, message);
  return { signature: concat(r, le32((k * a) % L)), message, publicKey };
}

/** A valid signature under a small-order key A (any encoding): R = [r]B, S = r. */
export function signUnderSmallKey(publicKey: Uint8Array, message: Uint8Array, r = 777n): Item {
  const R = ed25519.Point.BASE.multiply(r).toBytes();
  return { signature: concat(R, le32(r)), message, publicKey };
}

/** The 8 canonical encodings of the points of small order. */
export const SMALL_ORDER = ED25519_TORSION_SUBGROUP.map((h) => Uint8Array.from(Buffer.from(h, 'hex')));

/** Non-canonical encodings: y = p + 1 (the identity), y = p (order 4), y = 1 with the x sign bit set. */
export const NON_CANONICAL_SMALL = [le32(P + 1n), le32(P), le32(1n | (1n << 255n))];

/** y = 2: (y^2 - 1) / (d y^2 + 1) is not a square, so no point has it. */
export const OFF_CURVE = le32(2n);
