// Issue 10: a signature with S >= L must not be able to leave a key-cache slot bound to the
// wrong key. Every scenario here forged a signature or rejected a genuine one before the fix.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerPool, ed25519, loadEngine, ready } from '../dist/index.js';
import type { Engine } from '../dist/engine/index.js';
import {
  getPublicKeyWith, setKeyCacheSizeWith, signWith, verifyBatchDetailedWith, verifyBatchWith, verifyWith,
  DEFAULT_KEY_CACHE_SIZE,
} from '../dist/sig/index.js';
import {
  L, NON_CANONICAL_SMALL, OFF_CURVE, SMALL_ORDER, forge, reference, signUnderSmallKey, signWithR, withS, type Item,
} from './support/forge.js';

interface WyTest { tcId: number; msg: string; sig: string; result: string }
interface WyGroup { publicKey: { pk: string }; tests: WyTest[] }
const wycheproof = JSON.parse(readFileSync(new URL('./vectors/wycheproof-ed25519.json', import.meta.url), 'utf8')) as { testGroups: WyGroup[] };
const unhex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));

function wyItem(tcId: number): Item {
  for (const g of wycheproof.testGroups) {
    const t = g.tests.find((x) => x.tcId === tcId);
    if (t) return { signature: unhex(t.sig), message: unhex(t.msg), publicKey: unhex(g.publicKey.pk) };
  }
  throw new Error(`no Wycheproof tcId ${tcId}`);
}

const seedOf = (i: number) => {
  const s = new Uint8Array(32);
  new DataView(s.buffer).setUint32(0, i + 1, true);
  s[31] = 0x5a;
  return s;
};

let signer: Engine;
function keyed(i: number, message: Uint8Array): Item & { seed: Uint8Array } {
  const seed = seedOf(i);
  return { seed, message, publicKey: getPublicKeyWith(signer, seed), signature: signWith(signer, message, seed) };
}

const msg = new TextEncoder().encode('pay 1000 coins to the attacker');
let attacker: Item & { seed: Uint8Array };
let victim: Item & { seed: Uint8Array };
let sIsL: Item;
let forged: Item;

beforeAll(async () => {
  await ready();
  signer = await loadEngine();
  attacker = keyed(1_000_000, new Uint8Array([1]));
  victim = keyed(2_000_000, new TextEncoder().encode('a genuine payment by the victim'));
  sIsL = { signature: withS(victim.signature, L), message: new Uint8Array([7]), publicKey: victim.publicKey };
  forged = { signature: forge(attacker.seed, victim.publicKey, msg), message: msg, publicKey: victim.publicKey };
  // The premise of every scenario: a cache-free verifier rejects both, accepts the rest.
  expect([reference(sIsL), reference(forged), reference(victim), reference(attacker)]).toEqual([false, false, true, true]);
});

const verify = (e: Engine, x: Item) => verifyWith(e, x.signature, x.message, x.publicKey);

describe('issue 10: S >= L first, then a valid signature under the same key', () => {
  for (const backend of ['simd', 'scalar'] as const) {
    it(`Wycheproof tcId 70 then tcId 1 in a fresh ${backend} engine: false, true`, async () => {
      const e = await loadEngine({ backend });
      expect([verify(e, wyItem(70)), verify(e, wyItem(1))]).toEqual([false, true]);
      expect(verify(e, wyItem(1))).toBe(true);
    });

    it(`the same through batches in a fresh ${backend} engine`, async () => {
      const e = await loadEngine({ backend });
      expect(verifyBatchWith(e, [wyItem(70)])).toBe(false);
      expect(verifyBatchWith(e, [wyItem(1)])).toBe(true);
      const f = await loadEngine({ backend });
      expect(verifyBatchDetailedWith(f, [wyItem(70), wyItem(1)])).toEqual([false, true]);
      expect(verifyBatchDetailedWith(f, [wyItem(1), wyItem(70)])).toEqual([true, false]);
      expect(verify(f, wyItem(1))).toBe(true);
    });
  }

  it('every kind of early reject leaves the key usable (S = L, S > L, S = 2^256 - 1, R off the curve)', async () => {
    const e = await loadEngine();
    setKeyCacheSizeWith(e, 1);
    const bad = [
      withS(victim.signature, L),
      withS(victim.signature, L + 1n),
      withS(victim.signature, 2n ** 256n - 1n),
      new Uint8Array([...OFF_CURVE, ...victim.signature.subarray(32)]),
    ];
    for (const sig of bad) {
      // evict the victim's key, then reject on the way in, then the genuine signature
      expect(verify(e, attacker)).toBe(true);
      expect(verifyWith(e, sig, victim.message, victim.publicKey)).toBe(false);
      expect(verify(e, victim)).toBe(true);
      expect(verify(e, forged)).toBe(false);
    }
  });
});

describe('issue 10: forgery through an evicted slot', () => {
  it(`the attack as filed: ${DEFAULT_KEY_CACHE_SIZE} keys, default cache, single verify`, async () => {
    const e = await loadEngine();
    expect(verify(e, attacker)).toBe(true);
    const others = Array.from({ length: DEFAULT_KEY_CACHE_SIZE - 1 }, (_, i) => keyed(i, new Uint8Array([i & 255])));
    expect(verifyBatchWith(e, others)).toBe(true);
    // the attacker's slot is now the least recently used one; S = L under the victim takes it
    expect(verify(e, sIsL)).toBe(false);
    expect(verify(e, forged)).toBe(false);
    expect(verify(e, victim)).toBe(true);
    expect(verifyBatchDetailedWith(e, [forged, victim, sIsL, forged])).toEqual([false, true, false, false]);
  }, 60_000);

  for (const size of [1, 2, 3]) {
    it(`a cache of ${size}: single, batch and detailed paths, in one call and across calls`, async () => {
      const e = await loadEngine();
      setKeyCacheSizeWith(e, size);
      const fillers = Array.from({ length: size - 1 }, (_, i) => keyed(i, new Uint8Array([i])));
      const evictToAttacker = () => {
        expect(verify(e, attacker)).toBe(true);
        if (fillers.length) expect(verifyBatchWith(e, fillers)).toBe(true);
      };
      evictToAttacker();
      expect(verifyBatchWith(e, [sIsL])).toBe(false);
      expect(verifyBatchWith(e, [forged])).toBe(false);
      expect(verifyBatchWith(e, [victim])).toBe(true);

      evictToAttacker();
      expect(verifyBatchDetailedWith(e, [sIsL, forged, victim])).toEqual([false, false, true]);

      evictToAttacker();
      expect(verifyBatchWith(e, [sIsL, forged])).toBe(false);
      expect(verify(e, forged)).toBe(false);
      expect(verifyBatchWith(e, [victim, victim])).toBe(true);

      evictToAttacker();
      expect(verify(e, sIsL)).toBe(false);
      expect(verifyBatchDetailedWith(e, [forged, victim])).toEqual([false, true]);
    });
  }

  it('more keys in one batch than slots: scratch slots are always decoded afresh', async () => {
    const e = await loadEngine();
    setKeyCacheSizeWith(e, 2);
    const many = Array.from({ length: 6 }, (_, i) => keyed(100 + i, new Uint8Array([i])));
    // Earlier calls leave attacker-chosen bytes in the arena where scratch slots go later.
    const junk = new Uint8Array(64 * 1024).fill(1);
    for (let round = 0; round < 3; round++) {
      expect(verifyBatchDetailedWith(e, [...many, { ...many[0], message: junk }])).toEqual([...many.map(() => true), false]);
      expect(verifyBatchDetailedWith(e, [sIsL, ...many, forged, victim, attacker])).toEqual([false, ...many.map(() => true), false, true, true]);
      expect(verifyBatchWith(e, [...many, forged])).toBe(false);
      expect(verifyBatchWith(e, [...many, victim, attacker])).toBe(true);
    }
  });

  it('undecodable and small-order keys share slots with real keys without leaking into them', async () => {
    const e = await loadEngine();
    setKeyCacheSizeWith(e, 1);
    const weird = [OFF_CURVE, ...SMALL_ORDER.slice(0, 3), ...NON_CANONICAL_SMALL];
    for (const k of weird) {
      const small = signUnderSmallKey(k, msg);
      expect(verify(e, small)).toBe(reference(small));
      expect(verifyWith(e, withS(small.signature, L), msg, k)).toBe(false);
      expect(verify(e, victim)).toBe(true);
      expect(verifyWith(e, victim.signature, victim.message, k)).toBe(false);
      expect(verify(e, attacker)).toBe(true);
      const r = signWithR(attacker.seed, SMALL_ORDER[1], msg);
      expect(verify(e, r)).toBe(reference(r));
    }
  });
});

describe('issue 10: verifyBatchParallel agrees with verify after poisoning', () => {
  let pool: WorkerPool;
  beforeAll(async () => {
    pool = await WorkerPool.create({ size: 2, engine: signer });
  });
  afterAll(async () => {
    await pool.terminate();
  });

  it('poisoned workers (each evicts the attacker key through S = L) still reject the forgery', async () => {
    const others = Array.from({ length: DEFAULT_KEY_CACHE_SIZE - 1 }, (_, i) => keyed(10_000 + i, new Uint8Array([i & 255])));
    // one chunk per worker: the attacker's key first, then enough keys to make it the oldest
    const chunk1 = [attacker, ...others];
    expect((await ed25519Parallel([...chunk1, ...chunk1])).every(Boolean)).toBe(true);
    const chunk2 = [sIsL, forged, victim, ...others.slice(0, 61)];
    const flags = await ed25519Parallel([...chunk2, ...chunk2]);
    const expected = [...chunk2, ...chunk2].map(reference);
    expect(flags).toEqual(expected);
    expect(flags.slice(0, 3)).toEqual([false, false, true]);
  }, 120_000);

  it('a poisoned caller engine and fresh workers give the same per-item answers', async () => {
    const e = await loadEngine();
    setKeyCacheSizeWith(e, 1);
    expect(verify(e, attacker)).toBe(true);
    expect(verify(e, sIsL)).toBe(false);
    const batch = Array.from({ length: 130 }, (_, i) => [forged, victim, sIsL, attacker][i % 4]);
    const parallel = await ed25519Parallel(batch);
    expect(batch.map((x) => verify(e, x))).toEqual(parallel);
    expect(parallel).toEqual(batch.map(reference));
  }, 60_000);

  async function ed25519Parallel(items: Item[]): Promise<boolean[]> {
    return ed25519.verifyBatchParallel(items, { pool, threads: 2 });
  }
});
