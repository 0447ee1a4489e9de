import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerPool, bitsToTarget, hashToBigInt, mine, ready, scanNonces, toDisplayHex } from '../dist/index.js';
import { loadVectors, unhex } from './support/vectors.js';

const vectors = loadVectors('bitcoin-headers.json').headers as { height: number; header_hex: string; hash: string; nonce: number }[];
const withNonce = (h: Uint8Array, n: number) => {
  const c = h.slice();
  new DataView(c.buffer).setUint32(76, n >>> 0, true);
  return c;
};
let pool: WorkerPool;

beforeAll(async () => {
  await ready();
  pool = await WorkerPool.create({ size: 2 });
});
afterAll(() => pool.terminate());

describe('mine() over 2 worker threads', () => {
  it('finds the real nonce of every header', async () => {
    for (const v of vectors) {
      const header = withNonce(unhex(v.header_hex), 0);
      const target = bitsToTarget(new DataView(header.buffer).getUint32(72, true));
      const r = await mine(header, target, { threads: 2, pool, startNonce: Math.max(0, v.nonce - 300_000), chunkSize: 1 << 16 });
      expect(r?.nonce).toBe(v.nonce);
      expect(toDisplayHex(r!.hash)).toBe(v.hash);
      expect(r!.header).toEqual(unhex(v.header_hex));
    }
  });

  it('the process-wide pool works too and reports progress', async () => {
    const v = vectors[0]!;
    const header = withNonce(unhex(v.header_hex), 0);
    const seen: number[] = [];
    const r = await mine(header, bitsToTarget(0x1d00ffff), {
      threads: 2,
      startNonce: v.nonce - 1_500_000,
      progressMs: 100,
      onProgress: (p) => {
        expect(p.perThread).toHaveLength(2);
        seen.push(p.hashesPerSecond);
      },
    });
    expect(r?.nonce).toBe(v.nonce);
    expect(seen.length).toBeGreaterThan(0);
    expect(Math.max(...seen)).toBeGreaterThan(100_000);
  });

  it('stops within 100 ms of an abort, and the pool is free again', async () => {
    const header = unhex(vectors[3]!.header_hex);
    const ac = new AbortController();
    const p = mine(header, 0n, { threads: 2, pool, signal: ac.signal });
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    ac.abort();
    await expect(p).rejects.toThrow(/abort/i);
    expect(performance.now() - t0).toBeLessThan(100);
    // The workers honour the cancel within one ~50 ms slice: an easy job now runs at once.
    const t1 = performance.now();
    const r = await mine(header, 2n ** 256n - 1n, { threads: 2, pool });
    // Either thread's first nonce (chunk 0 or chunk 1): any valid find may win.
    expect([0, 1 << 22]).toContain(r?.nonce);
    expect(performance.now() - t1).toBeLessThan(150);
  });

  it('calls onExhausted to roll the header, and resolves null when it returns null', async () => {
    const base = unhex(vectors[2]!.header_hex);
    const target = (2n ** 256n - 1n) >> 12n;
    // Pick a time whose last 200 nonces hold no solution, so the roll is needed.
    const start = 2 ** 32 - 200;
    const dv = new DataView(base.buffer);
    while (scanNonces(base, target, start, 200).nonce !== null) dv.setUint32(68, dv.getUint32(68, true) + 1, true);
    const rolled: number[] = [];
    const r = await mine(base, target, {
      threads: 2,
      pool,
      startNonce: start,
      chunkSize: 64,
      onExhausted: (h) => {
        const next = h.slice();
        const t = new DataView(next.buffer).getUint32(68, true) + 1;
        new DataView(next.buffer).setUint32(68, t, true);
        rolled.push(t);
        return next;
      },
    });
    expect(rolled).toHaveLength(1);
    expect(new DataView(r!.header.buffer).getUint32(68, true)).toBe(rolled[0]);
    expect(r!.nonce).toBe(scanNonces(r!.header, target, 0, 2 ** 20).nonce);
    expect(hashToBigInt(r!.hash) <= target).toBe(true);

    const none = await mine(base, target, { threads: 2, pool, startNonce: start, onExhausted: () => null });
    expect(none).toBeNull();
  });

  it('idle workers do not keep a Node process alive', async () => {
    const script = `
      import { ready, mine } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)};
      await ready();
      const r = await mine(new Uint8Array(80), 2n ** 255n, { threads: 2 });
      console.log('found', r.nonce);`;
    const t0 = performance.now();
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000 }, (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      ),
    );
    expect(out).toMatch(/found \d+/);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it('a job kind no worker knows rejects clearly, and the pool goes on', async () => {
    await expect(pool.run('no.such.kind', {})).rejects.toThrow(/unknown job kind "no.such.kind".*pow.scan/);
    const v = vectors[0]!;
    const r = await mine(withNonce(unhex(v.header_hex), 0), bitsToTarget(0x1d00ffff), { threads: 2, pool, startNonce: v.nonce - 1000 });
    expect(r?.nonce).toBe(v.nonce);
  });

  it('rejects bad arguments', async () => {
    await expect(mine(new Uint8Array(10), 1n, { pool })).rejects.toThrow(/80 bytes/);
    await expect(mine(new Uint8Array(80), 1n, { pool, threads: 0 })).rejects.toThrow(/threads/);
    await expect(mine(new Uint8Array(80), 1n, { pool, startNonce: 2 ** 32 })).rejects.toThrow(/startNonce/);
    await expect(mine(new Uint8Array(80), -1n, { pool })).rejects.toThrow(RangeError);
  });
});
