import crypto from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ed25519, loadEngine, ready } from '../dist/index.js';
import type { Engine } from '../dist/engine/index.js';
import { getPublicKeyWith, signWith, verifyBatchDetailedWith, verifyBatchWith, verifyWith } from '../dist/sig/index.js';
import { nodeKeys, nodeSign } from './support/ed25519.js';
import { hex, loadVectors, unhex } from './support/vectors.js';

interface Rfc { name: string; secret: string; public: string; message: string; signature: string }
interface Spec { index: number; message: string; pub_key: string; signature: string; expected_zip215: 'accept' | 'reject' }
const V = loadVectors<{ rfc8032: { vectors: Rfc[] }; speccheck: { cases: Spec[] } }>('ed25519-vectors.json');

let simd: Engine;
let scalar: Engine;
beforeAll(async () => {
  await ready();
  simd = await loadEngine({ backend: 'simd' });
  scalar = await loadEngine({ backend: 'scalar' });
});

describe('ed25519: RFC 8032 section 7.1 vectors', () => {
  for (const t of V.rfc8032.vectors) {
    it(t.name, () => {
      const sk = unhex(t.secret);
      const msg = unhex(t.message);
      expect(hex(ed25519.getPublicKey(sk))).toBe(t.public);
      expect(hex(ed25519.sign(msg, sk))).toBe(t.signature);
      expect(ed25519.verify(unhex(t.signature), msg, unhex(t.public))).toBe(true);
      for (const e of [simd, scalar]) {
        expect(hex(getPublicKeyWith(e, sk))).toBe(t.public);
        expect(hex(signWith(e, msg, sk))).toBe(t.signature);
      }
    });
  }
});

describe('ed25519: ZIP215 on the 12 speccheck cases', () => {
  const items = V.speccheck.cases.map((c) => ({ signature: unhex(c.signature), message: unhex(c.message), publicKey: unhex(c.pub_key) }));
  const expected = V.speccheck.cases.map((c) => c.expected_zip215 === 'accept');

  it('singly, on both builds', () => {
    for (const e of [simd, scalar]) {
      expect(items.map((x) => verifyWith(e, x.signature, x.message, x.publicKey))).toEqual(expected);
    }
    expect(items.map((x) => ed25519.verify(x.signature, x.message, x.publicKey))).toEqual(expected);
  });

  it('inside batches: detailed equals the singles, the batch equals their AND', () => {
    for (const e of [simd, scalar]) {
      expect(verifyBatchDetailedWith(e, items)).toEqual(expected);
      expect(verifyBatchWith(e, items)).toBe(false);
      const accepted = items.filter((_, i) => expected[i]);
      expect(verifyBatchWith(e, accepted)).toBe(true);
      for (let i = 0; i < items.length; i++) {
        expect(verifyBatchWith(e, [items[i]])).toBe(expected[i]);
        // each case next to valid signatures, at both ends
        const mixed = [items[i], ...accepted, items[i]];
        expect(verifyBatchWith(e, mixed)).toBe(expected[i]);
        expect(verifyBatchDetailedWith(e, mixed)).toEqual([expected[i], ...accepted.map(() => true), expected[i]]);
      }
    }
  });
});

describe('ed25519: agreement with node:crypto', () => {
  it('public keys and signatures are byte-identical', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), (seed, msg) => {
        const { priv, publicKey } = nodeKeys(seed);
        expect(hex(ed25519.getPublicKey(seed))).toBe(hex(publicKey));
        const sig = nodeSign(msg, priv);
        expect(hex(ed25519.sign(msg, seed))).toBe(hex(sig));
        expect(hex(signWith(scalar, msg, seed))).toBe(hex(sig));
        expect(ed25519.verify(sig, msg, publicKey)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('the SIMD and scalar builds agree on corrupted signatures', () => {
    const seed = crypto.randomBytes(32);
    const { priv, publicKey } = nodeKeys(seed);
    const msg = crypto.randomBytes(50);
    const sig = nodeSign(msg, priv);
    for (let i = 0; i < 64; i++) {
      const bad = sig.slice();
      bad[i] ^= 1 << (i % 8);
      const a = verifyWith(simd, bad, msg, publicKey);
      expect(verifyWith(scalar, bad, msg, publicKey)).toBe(a);
      expect(a).toBe(false);
    }
  });

  it('randomSecretKey gives distinct usable keys', () => {
    const a = ed25519.randomSecretKey();
    const b = ed25519.randomSecretKey();
    expect(a.length).toBe(32);
    expect(hex(a)).not.toBe(hex(b));
    const m = new Uint8Array([1, 2, 3]);
    expect(ed25519.verify(ed25519.sign(m, a), m, ed25519.getPublicKey(a))).toBe(true);
  });
});

describe('ed25519: malformed input throws, invalid input returns false', () => {
  const sk = new Uint8Array(32).fill(7);
  const pk = ed25519.getPublicKey === undefined ? new Uint8Array(32) : new Uint8Array(32);
  const msg = new Uint8Array(3);

  it('wrong types and lengths throw clear errors', () => {
    expect(() => ed25519.sign(msg, new Uint8Array(31))).toThrow(RangeError);
    expect(() => ed25519.sign(msg, new Uint8Array(31))).toThrow(/secretKey.*32 bytes, got 31/);
    expect(() => ed25519.getPublicKey('00' as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => ed25519.sign([1, 2] as unknown as Uint8Array, sk)).toThrow(/message must be a Uint8Array, got Array/);
    expect(() => ed25519.verify(new Uint8Array(63), msg, pk)).toThrow(/signature must be 64 bytes, got 63/);
    expect(() => ed25519.verify(new Uint8Array(64), msg, new Uint8Array(33))).toThrow(/publicKey must be 32 bytes/);
    expect(() => ed25519.verify(new Uint8Array(64), null as unknown as Uint8Array, pk)).toThrow(TypeError);
    expect(() => ed25519.verifyBatch('x' as unknown as [])).toThrow(/items must be an array/);
    expect(() => ed25519.verifyBatch([null as unknown as never])).toThrow(/items\[0\] must be an object/);
    expect(() =>
      ed25519.verifyBatchDetailed([{ signature: new Uint8Array(64), message: msg, publicKey: new Uint8Array(5) }]),
    ).toThrow(/items\[0\]\.publicKey must be 32 bytes, got 5/);
  });

  it('well-formed garbage returns false and never throws', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (sig, m, key) => {
          expect(ed25519.verify(sig, m, key)).toBe(false);
          expect(ed25519.verifyBatchDetailed([{ signature: sig, message: m, publicKey: key }])).toEqual([false]);
        },
      ),
      { numRuns: 100 },
    );
    expect(ed25519.verifyBatch([])).toBe(true);
    expect(ed25519.verifyBatchDetailed([])).toEqual([]);
  });
});
