import crypto from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ed25519, loadEngine, ready } from '../dist/index.js';
import type { Engine } from '../dist/engine/index.js';
import { keyCacheOf, setKeyCacheSizeWith, setStrausMaxWith, verifyBatchDetailedWith, verifyBatchWith, verifyWith } from '../dist/sig/index.js';
import { nodeRandomKeys, nodeSign, prng } from './support/ed25519.js';

interface Item { signature: Uint8Array; message: Uint8Array; publicKey: Uint8Array }

function signedByNode(n: number, keys: number, rnd: (n: number) => number): Item[] {
  const ks = Array.from({ length: keys }, () => nodeRandomKeys());
  return Array.from({ length: n }, (_, i) => {
    const k = ks[i % keys];
    const message = new Uint8Array(crypto.randomBytes(rnd(200)));
    return { signature: nodeSign(message, k.priv), message, publicKey: k.publicKey };
  });
}

let scalar: Engine;
let simd: Engine;
beforeAll(async () => {
  await ready();
  simd = await loadEngine({ backend: 'simd' });
  scalar = await loadEngine({ backend: 'scalar' });
});

describe('ed25519 batches', () => {
  it('10 000 random keys and messages signed by node:crypto all verify', () => {
    const rnd = prng(1);
    const items = signedByNode(10_000, 10_000, rnd);
    for (let i = 0; i < items.length; i += 1000) {
      expect(ed25519.verifyBatch(items.slice(i, i + 1000))).toBe(true);
    }
    for (let i = 0; i < 10_000; i += 97) expect(ed25519.verify(items[i].signature, items[i].message, items[i].publicKey)).toBe(true);
    // all at once: the host splits it into kernel calls of at most 4096 items
    const bad = items.slice();
    bad[9_999] = { ...bad[9_999], message: new Uint8Array([1]) };
    expect(ed25519.verifyBatch(items)).toBe(true);
    expect(ed25519.verifyBatch(bad)).toBe(false);
  }, 120_000);

  it('single-byte corruptions of signature, message and key: batch answer == single answer', () => {
    const rnd = prng(2);
    const base = signedByNode(24, 6, rnd);
    for (let trial = 0; trial < 120; trial++) {
      const items = base.map((x) => ({ ...x }));
      const j = rnd(items.length);
      const it = { signature: items[j].signature.slice(), message: items[j].message.slice(), publicKey: items[j].publicKey.slice() };
      const field = (['signature', 'message', 'publicKey'] as const)[trial % 3];
      const bytes = it[field];
      if (bytes.length === 0) continue;
      bytes[rnd(bytes.length)] ^= 1 + rnd(255);
      items[j] = it;
      const single = ed25519.verify(it.signature, it.message, it.publicKey);
      const detailed = ed25519.verifyBatchDetailed(items);
      expect(detailed).toEqual(items.map((x, i) => (i === j ? single : true)));
      expect(ed25519.verifyBatch(items)).toBe(single);
      expect(verifyBatchWith(scalar, items)).toBe(single);
    }
  });

  it('random batches with invalid items at random positions are pinpointed exactly (Straus and Pippenger)', () => {
    const rnd = prng(3);
    const pool = signedByNode(300, 40, rnd);
    for (const strausMax of [160, 1, 1 << 30]) {
      setStrausMaxWith(simd, strausMax);
      for (let trial = 0; trial < 6; trial++) {
        const n = 1 + rnd(trial < 3 ? 40 : 300);
        const items = pool.slice(0, n).map((x) => ({ ...x }));
        const bad = new Set<number>();
        const k = rnd(Math.min(n, 6) + 1);
        for (let c = 0; c < k; c++) {
          const j = rnd(n);
          bad.add(j);
          const sig = items[j].signature.slice();
          sig[rnd(32)] ^= 4; // R corrupted: decodes or not, but invalid either way
          items[j] = { ...items[j], signature: sig };
        }
        const expected = items.map((_, i) => !bad.has(i));
        expect(verifyBatchDetailedWith(simd, items)).toEqual(expected);
        expect(verifyBatchWith(simd, items)).toBe(bad.size === 0);
      }
    }
    setStrausMaxWith(simd, 160);
  });

  it('the SIMD and scalar builds give the same detailed answers', () => {
    const rnd = prng(4);
    const items = signedByNode(40, 10, rnd);
    items[7] = { ...items[7], message: new Uint8Array([1]) };
    items[30] = { ...items[30], publicKey: items[31].publicKey };
    const a = verifyBatchDetailedWith(simd, items);
    expect(verifyBatchDetailedWith(scalar, items)).toEqual(a);
    expect(a.filter((x) => !x).length).toBe(2);
  });

  it('the key cache is bounded and reused; eviction inside one batch is safe', async () => {
    const rnd = prng(5);
    const e = await loadEngine({ backend: 'simd' });
    setKeyCacheSizeWith(e, 64);
    const items = signedByNode(300, 300, rnd);
    const cache = keyCacheOf(e);
    // more distinct keys than slots in one call: the overflow uses scratch slots
    expect(verifyBatchWith(e, items)).toBe(true);
    expect(cache.size).toBe(64);
    expect(verifyBatchWith(e, items.slice(0, 100))).toBe(true);
    const again = items.slice(260);
    expect(verifyBatchWith(e, again)).toBe(true);
    expect(verifyBatchDetailedWith(e, [...again, ...again])).toEqual([...again, ...again].map(() => true));
    for (const x of again.slice(0, 20)) expect(verifyWith(e, x.signature, x.message, x.publicKey)).toBe(true);
    // a cached key with a wrong signature still fails; an undecodable key is cached as invalid
    const bad = { ...again[0], message: new Uint8Array([9]) };
    expect(verifyWith(e, bad.signature, bad.message, bad.publicKey)).toBe(false);
    const noPoint = new Uint8Array(32);
    noPoint[0] = 2; // y = 2 has no x on the curve
    for (let i = 0; i < 2; i++) expect(verifyWith(e, again[0].signature, again[0].message, noPoint)).toBe(false);
    expect(cache.size).toBe(64);
    expect(() => setKeyCacheSizeWith(e, 0)).toThrow(RangeError);
  });
});

describe('ed25519 verifyBatchParallel', () => {
  it('splits over the worker pool and pinpoints invalid items', async () => {
    const rnd = prng(6);
    const items = signedByNode(400, 50, rnd);
    for (const j of [0, 133, 399]) items[j] = { ...items[j], message: new Uint8Array([j & 255, 1]) };
    const expected = items.map((_, i) => ![0, 133, 399].includes(i));
    expect(await ed25519.verifyBatchParallel(items, { threads: 2 })).toEqual(expected);
    expect(await ed25519.verifyBatchParallel(items.slice(1, 50), { threads: 2 })).toEqual(expected.slice(1, 50));
    await expect(ed25519.verifyBatchParallel(items, { threads: 0 })).rejects.toThrow(RangeError);
    await expect(ed25519.verifyBatchParallel([{ signature: new Uint8Array(3) } as never])).rejects.toThrow(/items\[0\]\.signature/);
  }, 30_000);
});
