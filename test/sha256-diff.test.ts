// Differential tests: node:crypto as the reference, and the SIMD and scalar builds against
// each other on every entry point.
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadEngine, type Engine } from '../dist/index.js';
import { createSha256With, merkleRootWith, sha256BatchWith, sha256dWith, sha256ManyWith, sha256With } from '../dist/hash/index.js';

const ref = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());
const refd = (b: Uint8Array) => ref(ref(b));

function refMerkle(leaves: Uint8Array): Uint8Array {
  let level: Uint8Array[] = [];
  for (let i = 0; i < leaves.length; i += 32) level.push(leaves.subarray(i, i + 32));
  while (level.length > 1) {
    if (level.length % 2 === 1) level.push(level[level.length - 1]);
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(refd(new Uint8Array([...level[i], ...level[i + 1]])));
    level = next;
  }
  return new Uint8Array(level[0]);
}

let simd: Engine;
let scalar: Engine;
beforeAll(async () => {
  simd = await loadEngine({ backend: 'simd' });
  scalar = await loadEngine({ backend: 'scalar' });
});
const engines = () => [simd, scalar];

describe('sha256 vs node:crypto', () => {
  it('one-shot and sha256d, random lengths 0..4096 (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 4096 }), (m) => {
        const want = ref(m);
        for (const e of engines()) {
          expect(sha256With(e, m)).toEqual(want);
          expect(sha256dWith(e, m)).toEqual(refd(m));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('every length 0..300 (each padding case and block boundary)', () => {
    const m = randomBytes(300);
    for (let len = 0; len <= 300; len++) {
      const msg = m.subarray(0, len);
      for (const e of engines()) {
        expect(sha256With(e, msg)).toEqual(ref(msg));
        expect(sha256dWith(e, msg)).toEqual(refd(msg));
      }
    }
  });

  it('streaming with random chunkings equals the one-shot digest (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 4096 }),
        fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 40 }),
        (m, rawCuts) => {
          // Zero-length updates are kept, but the first cut is at least 1 so every pass over
          // the cuts makes progress.
          const cuts = rawCuts.map((c, j) => (j === 0 ? c + 1 : c));
          for (const e of engines()) {
            const h = createSha256With(e);
            let off = 0;
            let i = 0;
            while (off < m.length) {
              const n = cuts[i++ % cuts.length];
              h.update(m.subarray(off, off + n));
              off += n;
            }
            expect(h.digest()).toEqual(ref(m));
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('interleaved hashers keep separate states', () => {
    const msgs = [randomBytes(1000), randomBytes(77), randomBytes(4097), new Uint8Array(0)];
    for (const e of engines()) {
      const hs = msgs.map(() => createSha256With(e));
      for (let off = 0; off < 4097; off += 33) msgs.forEach((m, i) => hs[i].update(m.subarray(off, off + 33)));
      hs.forEach((h, i) => expect(h.digest()).toEqual(ref(msgs[i])));
    }
  });

  it('batch of N equal-length messages, any N and length (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: 13 }), (len, n) => {
        const all = randomBytes(len * n);
        const want = new Uint8Array(32 * n);
        for (let i = 0; i < n; i++) want.set(ref(all.subarray(i * len, (i + 1) * len)), 32 * i);
        for (const e of engines()) expect(sha256BatchWith(e, all, len)).toEqual(want);
      }),
      { numRuns: 150 },
    );
  });

  it('many messages of mixed lengths (0..300, each padding case) in one call (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }), { maxLength: 40 }), (msgs) => {
        const want = new Uint8Array(32 * msgs.length);
        msgs.forEach((m, i) => want.set(ref(m), 32 * i));
        for (const e of engines()) expect(sha256ManyWith(e, msgs)).toEqual(want);
      }),
      { numRuns: 150 },
    );
  });

  it('many messages beyond the I/O region go through the arena; bad input is a TypeError', () => {
    // 3,000 messages of 1..60 bytes plus one of 70,000: larger than the 64 KiB region.
    const msgs = Array.from({ length: 3000 }, (_, i) => randomBytes(1 + (i % 60)));
    msgs.push(randomBytes(70_000));
    for (const e of engines()) {
      const d = sha256ManyWith(e, msgs);
      expect(d.length).toBe(32 * msgs.length);
      for (const i of [0, 1, 59, 2999, 3000]) expect(d.subarray(32 * i, 32 * i + 32)).toEqual(ref(msgs[i]!));
    }
    expect(sha256ManyWith(simd, [])).toEqual(new Uint8Array(0));
    expect(() => sha256ManyWith(simd, [new Uint8Array(1), 'x' as unknown as Uint8Array])).toThrow(TypeError);
  });

  it('large batches and merkle trees go through the arena and agree across builds', () => {
    for (const [len, n] of [
      [64, 4099],
      [32, 3000],
      [80, 1001],
    ]) {
      const all = randomBytes(len * n);
      const a = sha256BatchWith(simd, all, len);
      expect(sha256BatchWith(scalar, all, len)).toEqual(a);
      for (const i of [0, 1, n - 2, n - 1]) expect(a.subarray(32 * i, 32 * i + 32)).toEqual(ref(all.subarray(i * len, (i + 1) * len)));
    }
    const leaves = randomBytes(32 * 5001);
    const root = merkleRootWith(simd, leaves);
    expect(root).toEqual(refMerkle(leaves));
    expect(merkleRootWith(scalar, leaves)).toEqual(root);
  });

  it('merkle roots for every leaf count 1..70, both builds', () => {
    const leaves = randomBytes(32 * 70);
    for (let n = 1; n <= 70; n++) {
      const l = leaves.subarray(0, 32 * n);
      const want = refMerkle(l);
      for (const e of engines()) expect(merkleRootWith(e, l)).toEqual(want);
    }
  });

  it('simd and scalar builds agree on one-shot, sha256d, batch and merkle (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 2048 }), fc.integer({ min: 1, max: 100 }), (m, len) => {
        expect(sha256With(simd, m)).toEqual(sha256With(scalar, m));
        expect(sha256dWith(simd, m)).toEqual(sha256dWith(scalar, m));
        const cut = m.subarray(0, m.length - (m.length % len));
        if (cut.length > 0) expect(sha256BatchWith(simd, cut, len)).toEqual(sha256BatchWith(scalar, cut, len));
        const leaves = m.subarray(0, m.length - (m.length % 32));
        expect(merkleRootWith(simd, leaves)).toEqual(merkleRootWith(scalar, leaves));
      }),
      { numRuns: 100 },
    );
  });
});
