import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HeaderError, bitsToTarget, hashToBigInt, ready, scanNonces } from '../dist/index.js';
import { loadEngine, type Engine } from '../dist/engine/index.js';
import { headerHashWith, scanNoncesWith } from '../dist/pow/scan.js';
import { loadVectors, unhex } from './support/vectors.js';

const sha256d = (b: Uint8Array) => createHash('sha256').update(createHash('sha256').update(b).digest()).digest();
const withNonce = (h: Uint8Array, n: number) => {
  const c = h.slice();
  new DataView(c.buffer).setUint32(76, n >>> 0, true);
  return c;
};
/** The first nonce of [start, start+count) whose sha256d <= target, by node:crypto. */
function reference(header: Uint8Array, target: bigint, start: number, count: number): number | null {
  for (let i = 0; i < count; i++) {
    if (hashToBigInt(new Uint8Array(sha256d(withNonce(header, start + i)))) <= target) return start + i;
  }
  return null;
}

const vectors = loadVectors('bitcoin-headers.json').headers as { height: number; header_hex: string; hash: string; nonce: number }[];
let engines: Engine[];

beforeAll(async () => {
  await ready();
  engines = [await loadEngine({ backend: 'simd' }), await loadEngine({ backend: 'scalar' })];
});

describe('scanNonces on real Bitcoin headers', () => {
  for (const v of vectors) {
    it(`finds exactly the nonce of block ${v.height} at every lane position (simd and scalar)`, () => {
      const header = withNonce(unhex(v.header_hex), 0);
      const target = bitsToTarget(new DataView(header.buffer).getUint32(72, true));
      for (const e of engines) {
        for (let lane = 0; lane < 4; lane++) {
          // Window of 10 003 nonces with the real nonce at offset 5000 + lane, so the start
          // falls on every residue mod 4 and the nonce in every lane of its group.
          const start = v.nonce - 5000 - lane;
          const r = scanNoncesWith(e, header, target, start, 10_003);
          expect(r.nonce, `${e.backend} lane ${lane}`).toBe(v.nonce);
          expect(r.hashes).toBe(5000 + lane + 1);
        }
        // Just below and just above the nonce: no solution.
        expect(scanNoncesWith(e, header, target, v.nonce - 10_000, 10_000)).toEqual({ nonce: null, hashes: 10_000 });
        expect(scanNoncesWith(e, header, target, v.nonce + 1, 10_001).nonce).toBeNull();
        // A window of one.
        expect(scanNoncesWith(e, header, target, v.nonce, 1).nonce).toBe(v.nonce);
        expect(Buffer.from(headerHashWith(e, header, v.nonce)).reverse().toString('hex')).toBe(v.hash);
      }
    });
  }

  it('the public scanNonces uses the default engine', () => {
    const v = vectors[0]!;
    const header = withNonce(unhex(v.header_hex), 0);
    expect(scanNonces(header, bitsToTarget(0x1d00ffff), v.nonce - 4001, 4096).nonce).toBe(v.nonce);
  });
});

describe('scanNonces ranges', () => {
  const header = unhex(vectors[4]!.header_hex);

  it('scans a range ending at 2^32 - 1 without skipping or wrapping', () => {
    const last = 0xffffffff;
    const hLast = hashToBigInt(new Uint8Array(sha256d(withNonce(header, last))));
    for (const e of engines) {
      expect(scanNoncesWith(e, header, hLast, last, 1).nonce).toBe(last);
      expect(scanNoncesWith(e, header, hLast - 1n, last, 1).nonce).toBeNull();
      // Easy target: the first nonce of any range is found, including at the top.
      for (const count of [1, 2, 3, 5, 7]) {
        const start = 2 ** 32 - count;
        expect(scanNoncesWith(e, header, 2n ** 256n - 1n, start, count).nonce).toBe(start);
      }
      expect(scanNoncesWith(e, header, 2n ** 256n - 1n, 0, 2 ** 32).nonce).toBe(0);
    }
    // The window's best hash ends the search at its argmin, compared with node:crypto.
    const start = 2 ** 32 - 1003;
    let best = 2n ** 256n;
    let arg = -1;
    for (let n = start; n < 2 ** 32; n++) {
      const h = hashToBigInt(new Uint8Array(sha256d(withNonce(header, n))));
      if (h < best) [best, arg] = [h, n];
    }
    for (const e of engines) expect(scanNoncesWith(e, header, best, start, 1003).nonce).toBe(arg);
  });

  it('matches node:crypto on random headers, ranges and targets (both builds)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 80, maxLength: 80 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 12 }),
        (h, s, count, shift) => {
          const start = Math.min(s, 2 ** 32 - count);
          // Targets from very easy to ~1 in 4096 exercise the non-zero top word path.
          const target = (2n ** 256n - 1n) >> BigInt(shift);
          const want = reference(h, target, start, count);
          for (const e of engines) expect(scanNoncesWith(e, h, target, start, count).nonce).toBe(want);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('rejects bad input with clear errors', () => {
    expect(() => scanNonces(new Uint8Array(79), 1n, 0, 1)).toThrow(HeaderError);
    expect(() => scanNonces(new Uint8Array(79), 1n, 0, 1)).toThrow(/80 bytes.*got 79/);
    expect(() => scanNonces('00' as unknown as Uint8Array, 1n, 0, 1)).toThrow(TypeError);
    expect(() => scanNonces(header, 1 as unknown as bigint, 0, 1)).toThrow(/bigint/);
    expect(() => scanNonces(header, -1n, 0, 1)).toThrow(RangeError);
    expect(() => scanNonces(header, 2n ** 256n, 0, 1)).toThrow(RangeError);
    expect(() => scanNonces(header, 1n, 2 ** 32, 1)).toThrow(/start/);
    expect(() => scanNonces(header, 1n, 2 ** 32 - 1, 2)).toThrow(/2\^32/);
    expect(() => scanNonces(header, 1n, 0.5, 1)).toThrow(TypeError);
  });
});
