// Issue 10: a signature with S >= L must not be able to leave a key-cache slot bound to the
// wrong key. Every scenario here forged a signature or rejected a genuine one before the fix.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerPool, ed25519, loadEngine, ready } from '../dist/index.js';
import type { Engine } from '../dist/engine/index.js';
import {
  forgetSecretWith, getPublicKeyWith, keyCacheOf, setKeyCacheSizeWith, signWith, verifyBatchDetailedWith, verifyBatchWith, verifyWith,
  DEFAULT_KEY_CACHE_SIZE,
} from '../dist/sig/index.js';
import {
  L, NON_CANONICAL_SMALL, OFF_CURVE, SMALL_ORDER, forge, le32, leToBig, reference, signUnderSmallKey, signWithR, withS, type Item,
} from './support/forge.js';
import { nodeKeys, nodeSign } from './support/ed25519.js';

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

  it('keyCacheSize sizes the workers\' caches of the shared pool (README); a bad size throws before any work', async () => {
    const batch = Array.from({ length: 200 }, (_, i) => [attacker, sIsL, forged, victim][i % 4]);
    for (const keyCacheSize of [1, 2, 1]) {
      expect(await ed25519.verifyBatchParallel(batch, { threads: 2, keyCacheSize })).toEqual(batch.map(reference));
    }
    await expect(ed25519.verifyBatchParallel(batch, { threads: 2, keyCacheSize: 0 })).rejects.toThrow(/key cache capacity must be an integer in 1\.\.1048576, got 0/);
    await expect(ed25519.verifyBatchParallel(batch, { threads: 2, keyCacheSize: 1.5 })).rejects.toThrow(RangeError);
  }, 60_000);

  async function ed25519Parallel(items: Item[]): Promise<boolean[]> {
    return ed25519.verifyBatchParallel(items, { pool, threads: 2 });
  }
});

describe('issue 10: the kernel checks the binding itself, whatever the host says', () => {
  interface Raw {
    ed25519_verify(sig: number, pk: number, slot: number, msg: number, len: number): number;
    ed25519_verify_batch(n: number, sigs: number, pks: number, slots: number, msgs: number, offs: number, zs: number, scratch: number, out: number, detailed: number): number;
    ed25519_batch_scratch_size(n: number): number;
    ed25519_slot_size(): number;
  }
  // Copies items into the arena and calls the batch kernel with the given slot fields.
  function rawBatch(e: Engine, xs: Item[], slots: number[]): number {
    const k = e.exports as unknown as Raw;
    const a = e.arena;
    const mark = a.mark();
    try {
      const n = xs.length;
      const sigs = a.alloc(64 * n), pks = a.alloc(32 * n), sl = a.alloc(4 * n), offs = a.alloc(4 * (n + 1)), zs = a.alloc(16 * n), out = a.alloc(n);
      const msgs = a.alloc(xs.reduce((t, x) => t + x.message.length, 0));
      const scratch = a.alloc(k.ed25519_batch_scratch_size(n), 64);
      const mem = a.u8();
      const dv = new DataView(mem.buffer);
      let o = 0;
      xs.forEach((x, i) => {
        mem.set(x.signature, sigs + 64 * i);
        mem.set(x.publicKey, pks + 32 * i);
        dv.setUint32(sl + 4 * i, slots[i], true);
        dv.setUint32(offs + 4 * i, o, true);
        mem.set(x.message, msgs + o);
        o += x.message.length;
      });
      dv.setUint32(offs + 4 * n, o, true);
      mem.fill(0x35, zs, zs + 16 * n);
      return k.ed25519_verify_batch(n, sigs, pks, sl, msgs, offs, zs, scratch, out, 0);
    } finally {
      a.release(mark);
    }
  }
  function rawVerify(e: Engine, x: Item, slot: number): number {
    const k = e.exports as unknown as Raw;
    const a = e.arena;
    const mark = a.mark();
    try {
      const sig = a.put(x.signature), pk = a.put(x.publicKey), m = a.put(x.message);
      return k.ed25519_verify(sig, pk, slot, m, x.message.length);
    } finally {
      a.release(mark);
    }
  }

  it('a slot holding another key is decoded afresh even when the host claims a hit', async () => {
    const e = await loadEngine();
    setKeyCacheSizeWith(e, 1);
    const slot = keyCacheOf(e).base;
    expect(verify(e, attacker)).toBe(true);
    // the host's claim (no refill bit) for the victim's key, on the attacker's slot
    expect(rawVerify(e, forged, slot)).toBe(0);
    expect(rawVerify(e, victim, slot)).toBe(1);
    expect(rawBatch(e, [attacker], [slot])).toBe(1);
    expect(rawBatch(e, [forged], [slot])).toBe(0);
    expect(rawBatch(e, [victim, victim], [slot, slot])).toBe(1);
  });

  it('a forged slot image is never trusted when the refill bit is set', async () => {
    const e = await loadEngine();
    setKeyCacheSizeWith(e, 1);
    const cache = keyCacheOf(e);
    expect(verify(e, attacker)).toBe(true);
    // an attacker who could write a slot image: the attacker's table labelled with the victim's key
    const fake = e.arena.reserve(cache.slotSize, 16);
    const mem = e.arena.u8();
    mem.copyWithin(fake, cache.base, cache.base + cache.slotSize);
    const at = mem.subarray(fake, fake + cache.slotSize).findIndex((_, i, b) => b.subarray(i, i + 32).every((v, j) => v === attacker.publicKey[j]));
    expect(at).toBeGreaterThanOrEqual(0);
    mem.set(victim.publicKey, fake + at);
    expect(rawVerify(e, forged, fake | 1)).toBe(0);
    expect(rawBatch(e, [forged], [fake | 1])).toBe(0);
    expect(rawBatch(e, [victim], [fake | 1])).toBe(1);
  });

  it('one slot handed to two keys within one batch call traps instead of verifying against the wrong table', async () => {
    const e = await loadEngine();
    setKeyCacheSizeWith(e, 1);
    const slot = keyCacheOf(e).base;
    expect(() => rawBatch(e, [attacker, forged], [slot | 1, slot | 1])).toThrow(WebAssembly.RuntimeError);
    expect(() => rawBatch(e, [attacker, victim], [slot, slot])).toThrow(WebAssembly.RuntimeError);
    expect(() => rawBatch(e, [attacker, victim], [0, 0])).toThrow(WebAssembly.RuntimeError);
    // the same key twice is fine, and the engine keeps working after a trap
    expect(rawBatch(e, [victim, victim], [slot | 1, slot])).toBe(1);
    expect(verifyBatchDetailedWith(e, [attacker, forged, victim])).toEqual([true, false, true]);
  });

  it('the key cache sits in reserved arena memory that no release hands out again', async () => {
    const e = await loadEngine();
    const a = e.arena;
    const outer = a.mark();
    a.alloc(1000);
    setKeyCacheSizeWith(e, 2); // first allocated under a caller's mark
    const { base, slotSize, capacity } = keyCacheOf(e);
    a.release(outer);
    const tmp = a.alloc(64);
    expect(tmp).toBeGreaterThanOrEqual(base + slotSize * capacity);
    a.u8().fill(0xff, tmp, tmp + 64);
    expect(verify(e, victim)).toBe(true);
    expect(verify(e, forged)).toBe(false);
  });
});

describe('issue 10, the same class of fault in signing: the expanded secret kept in WASM', () => {
  it('is bound to all 32 seed bytes: seeds differing in one byte, alternated, sign as node:crypto does', async () => {
    const e = await loadEngine();
    const base = seedOf(42);
    const m = new TextEncoder().encode('same message');
    for (const i of [0, 1, 7, 8, 15, 16, 23, 24, 30, 31]) {
      const other = base.slice();
      other[i] ^= 1;
      for (const s of [base, other, base, other]) {
        const { priv, publicKey } = nodeKeys(s);
        expect(Buffer.from(getPublicKeyWith(e, s)).toString('hex'), `byte ${i}`).toBe(Buffer.from(publicKey).toString('hex'));
        expect(Buffer.from(signWith(e, m, s)).toString('hex'), `byte ${i}`).toBe(Buffer.from(nodeSign(m, priv)).toString('hex'));
      }
    }
    // the all-zero seed after a forget: the wiped remembered seed must not pass for it
    const zero = new Uint8Array(32);
    forgetSecretWith(e);
    expect(Buffer.from(getPublicKeyWith(e, zero)).toString('hex')).toBe(Buffer.from(nodeKeys(zero).publicKey).toString('hex'));
  });

  it('forgetSecretWith leaves no trace of the seed, a || prefix, the nonce or their hashes in WASM memory', async () => {
    const e = await loadEngine();
    const seed = seedOf(77);
    const m = new TextEncoder().encode('a message to sign');
    const h = createHash('sha512').update(seed).digest();
    h[0] &= 248;
    h[31] = (h[31] & 127) | 64;
    const prefix = h.subarray(32);
    const nonceHash = createHash('sha512').update(prefix).update(m).digest();
    const r = le32(leToBig(nonceHash) % L);
    // SHA-512's state keeps its words in native (little-endian) order
    const wordSwapped = (b: Buffer) => Buffer.concat(Array.from({ length: b.length / 8 }, (_, i) => Buffer.from(b.subarray(8 * i, 8 * i + 8)).reverse()));
    const secrets: [string, Uint8Array][] = [
      ['seed', seed], ['a', h.subarray(0, 32)], ['prefix', prefix], ['r', r],
      ['SHA-512(prefix || M)', nonceHash], ['SHA-512 state of the nonce hash', wordSwapped(nonceHash).subarray(0, 32)],
    ];
    const found = () => {
      const mem = Buffer.from(e.memory.buffer);
      return secrets.filter(([, s]) => mem.indexOf(Buffer.from(s)) >= 0).map(([name]) => name);
    };
    signWith(e, m, seed);
    // the scan works: the kept expansion and the signature's scratch are there before
    expect(found()).toEqual(expect.arrayContaining(['seed', 'a', 'prefix', 'r', 'SHA-512(prefix || M)']));
    forgetSecretWith(e);
    expect(found()).toEqual([]);
    getPublicKeyWith(e, seed);
    expect(found()).toEqual(expect.arrayContaining(['seed', 'a', 'prefix']));
    forgetSecretWith(e);
    expect(found()).toEqual([]);
    // and signing still works afterwards
    expect(verify(e, { signature: signWith(e, m, seed), message: m, publicKey: getPublicKeyWith(e, seed) })).toBe(true);
  });
});
