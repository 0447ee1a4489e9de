// Property (issue 10): whatever the order of calls, every verdict of every path equals that of
// a verifier without a cache. Caches of 1..8 slots over 22 keys evict on almost every call,
// and the item pool mixes valid signatures with every invalid kind the issue lists.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerPool, ed25519, loadEngine, ready } from '../dist/index.js';
import type { Engine } from '../dist/engine/index.js';
import {
  getPublicKeyWith, setKeyCacheSizeWith, signWith, verifyBatchDetailedWith, verifyBatchWith, verifyWith,
} from '../dist/sig/index.js';
import {
  L, NON_CANONICAL_SMALL, OFF_CURVE, SMALL_ORDER, forge, leToBig, reference, signUnderSmallKey, signWithR, withS,
  type Item,
} from './support/forge.js';
import { prng } from './support/ed25519.js';

const REAL_KEYS = 10;
const RUNS = 250;
const OPS_PER_RUN = 80;

let simd: Engine;
let scalar: Engine;
let pool: WorkerPool;
const items: Item[] = [];
const expected: boolean[] = [];
const kinds: string[] = [];

function add(kind: string, it: Item): void {
  items.push(it);
  kinds.push(kind);
  expected.push(reference(it));
}

beforeAll(async () => {
  await ready();
  simd = await loadEngine({ backend: 'simd' });
  scalar = await loadEngine({ backend: 'scalar' });
  pool = await WorkerPool.create({ size: 2, engine: simd });
  const rnd = prng(10);
  const seeds = Array.from({ length: REAL_KEYS }, (_, i) => Uint8Array.from({ length: 32 }, (_, j) => (i * 37 + j * 11 + 1) & 255));
  const pks = seeds.map((s) => getPublicKeyWith(simd, s));
  const message = () => Uint8Array.from({ length: 1 + rnd(8) }, () => rnd(256));
  for (let i = 0; i < REAL_KEYS; i++) {
    const m = message();
    const sig = signWith(simd, m, seeds[i]);
    const valid = { signature: sig, message: m, publicKey: pks[i] };
    const m2 = message();
    add('valid', valid);
    add('valid', { signature: signWith(simd, m2, seeds[i]), message: m2, publicKey: pks[i] });
    add('S = L', { ...valid, signature: withS(sig, L) });
    const s = leToBig(sig.subarray(32));
    add('S >= L', { ...valid, signature: withS(sig, s + L < 2n ** 256n ? s + L : L + 1n) });
    add('S = 2^256 - 1', { ...valid, signature: withS(sig, 2n ** 256n - 1n) });
    add('R not on the curve', { ...valid, signature: Uint8Array.from([...OFF_CURVE, ...sig.subarray(32)]) });
    add('small-order R', signWithR(seeds[i], SMALL_ORDER[1 + (i % 7)], m));
    add('non-canonical R', signWithR(seeds[i], NON_CANONICAL_SMALL[i % 3], m));
    add('wrong message', { ...valid, message: Uint8Array.from([...m, 1]) });
    add('wrong key', { ...valid, publicKey: pks[(i + 1) % REAL_KEYS] });
    // the forgery of issue 10: valid only for a verifier that uses the next key's table
    add('forged', { signature: forge(seeds[(i + 1) % REAL_KEYS], pks[i], m, BigInt(1000 + i)), message: m, publicKey: pks[i] });
  }
  for (const k of [OFF_CURVE, ...SMALL_ORDER, ...NON_CANONICAL_SMALL]) {
    const m = message();
    const it = signUnderSmallKey(k, m, BigInt(100 + rnd(1000)));
    add(k === OFF_CURVE ? 'A not on the curve' : 'small-order or non-canonical A', it);
    add('S = L under a small-order A', { ...it, signature: withS(it.signature, L) });
    add('wrong message under a small-order A', { ...it, message: Uint8Array.from([...m, 9]) });
  }
  // every kind is present, and both verdicts are
  expect(new Set(kinds).size).toBe(14);
  expect(expected.filter(Boolean).length).toBeGreaterThan(40);
  expect(expected.filter((x) => !x).length).toBeGreaterThan(80);
}, 60_000);

afterAll(async () => {
  await pool?.terminate();
});

type Op = { kind: 'verify' | 'batch' | 'detailed' | 'parallel'; picks: number[] };

const opArb = (n: number): fc.Arbitrary<Op> =>
  fc.record({
    kind: fc.oneof(
      { weight: 8, arbitrary: fc.constant('verify' as const) },
      { weight: 5, arbitrary: fc.constant('batch' as const) },
      { weight: 5, arbitrary: fc.constant('detailed' as const) },
      { weight: 1, arbitrary: fc.constant('parallel' as const) },
    ),
    picks: fc.array(fc.nat({ max: n - 1 }), { minLength: 1, maxLength: 8 }),
  });

describe('ed25519 key cache: random interleavings of every path against a cache-free reference', () => {
  it(`${RUNS * OPS_PER_RUN} operations over caches of 1..8 slots`, async () => {
    let ops = 0;
    const byKind = { verify: 0, batch: 0, detailed: 0, parallel: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.boolean(),
        fc.array(opArb(items.length), { minLength: OPS_PER_RUN, maxLength: OPS_PER_RUN }),
        async (size, useScalar, run) => {
          const e = useScalar ? scalar : simd;
          setKeyCacheSizeWith(e, size);
          for (const op of run) {
            const xs = op.picks.map((i) => items[i]);
            const want = op.picks.map((i) => expected[i]);
            const where = () => `${op.kind} of [${op.picks.map((i) => `${i}: ${kinds[i]}`).join(', ')}], cache ${size}`;
            if (op.kind === 'verify') {
              const x = xs[0];
              expect(verifyWith(e, x.signature, x.message, x.publicKey), where()).toBe(want[0]);
            } else if (op.kind === 'batch') {
              expect(verifyBatchWith(e, xs), where()).toBe(want.every(Boolean));
            } else if (op.kind === 'detailed') {
              expect(verifyBatchDetailedWith(e, xs), where()).toEqual(want);
            } else {
              expect(await ed25519.verifyBatchParallel(xs, { pool, keyCacheSize: size }), where()).toEqual(want);
            }
            ops++;
            byKind[op.kind]++;
          }
        },
      ),
      { numRuns: RUNS, seed: Number(process.env.FC_SEED ?? 0x1510) },
    );
    expect(ops).toBeGreaterThanOrEqual(20_000);
    expect(byKind.parallel).toBeGreaterThan(500);
  }, 600_000);
});
