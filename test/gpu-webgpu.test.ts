// The WGSL scanner on a real WebGPU adapter: headless Chromium with --enable-unsafe-webgpu,
// which on a machine without a GPU is SwiftShader (a CPU implementation: this proves the
// kernel correct, not fast). The page must be a secure context, so it is served from
// 127.0.0.1. Where Chromium offers no adapter at all, the tests skip with a notice.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bitsToTarget, hashToBigInt, headerHash, ready, scanNonces, withNonce } from '../dist/index.js';
import { launchChromium, skipBrowser, type Chromium } from './support/chromium.js';
import { projectRoot, serveStatic, type StaticServer } from './support/static-server.js';

const vectors = JSON.parse(readFileSync(new URL('./vectors/bitcoin-headers.json', import.meta.url), 'utf8')).headers as { height: number; header_hex: string; hash: string; nonce: number }[];
const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bits = (h: Uint8Array) => new DataView(h.buffer, h.byteOffset, 80).getUint32(72, true);
const TOP = 2 ** 32;

/** A window as it crosses into the page (bigints and bytes as hex). */
interface WireWindow {
  header: string;
  target: string;
  start: number;
  count: number;
}
interface WindowResult {
  nonce: number | null;
  hashes: number;
  survivors: number;
}

type PageApi = {
  hashlane: any;
  scanner: any;
};

let server: StaticServer;
let browser: Chromium;
let page: Page;
let adapter: { name: string; fallback: boolean } | null = null;
let skipReason = '';

/** Runs scanWindows in the page: each call of `groups` is one scanWindows call. */
function scanInPage(groups: WireWindow[][]): Promise<WindowResult[][]> {
  return page.evaluate(async (gs) => {
    const w = window as unknown as PageApi;
    const fromHex = (s: string) => new Uint8Array(s.match(/../g)!.map((x) => parseInt(x, 16)));
    const out = [];
    for (const g of gs) out.push(await w.scanner.scanWindows(g.map((x) => ({ header: fromHex(x.header), target: BigInt(`0x${x.target}`), start: x.start, count: x.count }))));
    return out;
  }, groups);
}

const wire = (header: Uint8Array, target: bigint, start: number, count: number): WireWindow => ({ header: hex(header), target: target.toString(16), start, count });

beforeAll(async () => {
  await ready();
  if (skipBrowser) return;
  server = await serveStatic({ '/': projectRoot });
  browser = await launchChromium(['--enable-unsafe-webgpu']);
  page = await browser.context.newPage();
  await page.goto(`${server.url}/test/gpu/gpu.html`, { timeout: 15_000 });
  await page.waitForFunction(() => (window as unknown as { hashlaneReady?: boolean }).hashlaneReady, undefined, { timeout: 20_000 });
  const r = await page.evaluate(async () => {
    const w = window as unknown as PageApi;
    try {
      w.scanner = await w.hashlane.GpuScanner.create({ allowFallback: true });
      return { adapter: w.scanner.adapter, error: null };
    } catch (err) {
      return { adapter: null, error: `${(err as Error).name}: ${(err as Error).message}` };
    }
  });
  adapter = r.adapter;
  if (!adapter) {
    skipReason = r.error ?? 'no adapter';
    console.warn(`NOTICE: WebGPU tests skipped, Chromium offers no WebGPU adapter here (${skipReason})`);
  } else console.log(`WebGPU adapter in headless Chromium: ${adapter.name}${adapter.fallback ? ' (software)' : ''}`);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe.skipIf(skipBrowser)('WGSL sha256d scanner in headless Chromium', () => {
  it('finds the real nonce of every Bitcoin header at the start, middle and end of a dispatch', async (ctx) => {
    if (!adapter) return ctx.skip();
    const D = 4096;
    const groups: WireWindow[][] = [];
    for (const v of vectors) {
      const header = unhex(v.header_hex);
      const target = bitsToTarget(bits(header));
      // One scanWindows call with one window is one dispatch: nonce first, in the middle, last.
      for (const start of [v.nonce, v.nonce - D / 2, v.nonce - D + 1]) groups.push([wire(header, target, start, D)]);
      // The dispatch that ends the nonce space: none of these headers wins there.
      groups.push([wire(header, target, TOP - D, D)]);
    }
    const results = await scanInPage(groups);
    vectors.forEach((v, i) => {
      const [first, middle, last, top] = results.slice(4 * i, 4 * i + 4).map((r) => r[0]!);
      expect(first, `height ${v.height}, nonce first`).toMatchObject({ nonce: v.nonce, hashes: 1 });
      expect(middle, `height ${v.height}, nonce in the middle`).toMatchObject({ nonce: v.nonce, hashes: D / 2 + 1 });
      expect(last, `height ${v.height}, nonce last`).toMatchObject({ nonce: v.nonce, hashes: D });
      expect(top, `height ${v.height}, top of the nonce space`).toMatchObject({ nonce: null, hashes: D });
      // A real target has a zero top limb: only the winning nonce survives the early reject.
      expect(first!.survivors).toBe(1);
    });
  });

  it('finds a winner at nonce 2^32 - 1, the last nonce of the space', async (ctx) => {
    if (!adapter) return ctx.skip();
    // Genesis with its time rolled so that nonce 2^32 - 1 hashes low; the target is that hash
    // (hash <= target: equality wins), and the WASM scanner agrees it is the window's first win.
    const D = 2048;
    const genesis = unhex(vectors[0]!.header_hex);
    const dv = new DataView(genesis.buffer);
    const time0 = dv.getUint32(68, true);
    let best: { header: Uint8Array; target: bigint } | null = null;
    for (let t = 0; t < 4096 && !best; t++) {
      dv.setUint32(68, time0 + t, true);
      const h = withNonce(genesis, TOP - 1);
      const target = hashToBigInt(headerHash(h));
      if (target < 1n << 246n && scanNonces(genesis, target, TOP - D, D).nonce === TOP - 1) best = { header: genesis.slice(), target };
    }
    expect(best).not.toBeNull();
    const [[r]] = await scanInPage([[wire(best!.header, best!.target, TOP - D, D)]]);
    expect(r).toMatchObject({ nonce: TOP - 1, hashes: D });
    // Through scan(), the tuned multi-dispatch path, as well; over a wider range it must
    // agree with the WASM scanner (an earlier nonce may win there).
    const viaScan = (start: number, count: number) =>
      page.evaluate(
        async ([h, t, s, c]) => {
          const w = window as unknown as PageApi;
          const header = new Uint8Array((h as string).match(/../g)!.map((x) => parseInt(x, 16)));
          return w.scanner.scan(header, BigInt(`0x${t}`), s, c);
        },
        [hex(best!.header), best!.target.toString(16), start, count] as const,
      );
    expect(await viaScan(TOP - D, D)).toMatchObject({ nonce: TOP - 1, hashes: D });
    const wide = scanNonces(best!.header, best!.target, TOP - 8 * D, 8 * D);
    expect(await viaScan(TOP - 8 * D, 8 * D)).toMatchObject({ nonce: wide.nonce, hashes: wide.hashes });
  });

  it('agrees with the WASM scanner on 10,000 random easy-target windows', async (ctx) => {
    if (!adapter) return ctx.skip();
    // A seeded generator (xorshift32): the same windows every run.
    let s = 0x9e3779b9;
    const rnd = () => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return (s >>> 0) / TOP;
    };
    const windows: { header: Uint8Array; target: bigint; start: number; count: number }[] = [];
    for (let i = 0; i < 10_000; i++) {
      const header = new Uint8Array(80);
      for (let j = 0; j < 80; j++) header[j] = (rnd() * 256) | 0;
      // One win in 2^0 .. 2^36 nonces: from "nearly every nonce" to targets with a zero top limb.
      const target = ((1n << 256n) - 1n) / BigInt(Math.floor(2 ** (rnd() * 36)));
      const count = 1 + Math.floor(rnd() * 48);
      // Every tenth window ends at the top of the nonce space.
      const start = i % 10 === 0 ? TOP - count : Math.floor(rnd() * (TOP - count));
      windows.push({ header, target, start, count });
    }
    const expected = windows.map((w) => scanNonces(w.header, w.target, w.start, w.count));
    const t0 = performance.now();
    const [got] = await scanInPage([windows.map((w) => wire(w.header, w.target, w.start, w.count))]);
    const ms = performance.now() - t0;
    let mismatches = 0;
    windows.forEach((w, i) => {
      const e = expected[i]!;
      const g = got![i]!;
      if (g.nonce !== e.nonce || g.hashes !== e.hashes) mismatches++;
      if (mismatches === 1 && (g.nonce !== e.nonce || g.hashes !== e.hashes)) expect({ window: i, ...g }).toEqual({ window: i, ...e, survivors: g.survivors });
    });
    expect(mismatches).toBe(0);
    const wins = expected.filter((e) => e.nonce !== null).length;
    // Both outcomes occur often, so the comparison covers finds and misses.
    expect(wins).toBeGreaterThan(1000);
    expect(windows.length - wins).toBeGreaterThan(1000);
    console.log(`10,000 windows (${wins} with a win) agree with the WASM scanner; ${adapter!.name} took ${(ms / 1000).toFixed(1)} s`);
  }, 120_000);

  it('mine() in the page: webgpu and both find the nonce and say which backend did; auto leaves a software adapter alone', async (ctx) => {
    if (!adapter) return ctx.skip();
    const v = vectors[1]!;
    const r = await page.evaluate(
      async ([h, nonce]) => {
        const w = window as unknown as PageApi;
        const hl = w.hashlane;
        const header = new Uint8Array((h as string).match(/../g)!.map((x) => parseInt(x, 16)));
        const target = hl.bitsToTarget(0x1d00ffff);
        const n = nonce as number;
        const gpuRates: number[] = [];
        const gpu = await hl.mine(header, target, { backend: 'webgpu', gpu: w.scanner, startNonce: n - 20_000, progressMs: 50, onProgress: (p: any) => gpuRates.push(p.perBackend.webgpu) });
        const both: { wasm: number; webgpu: number }[] = [];
        const mixed = await hl.mine(header, target, { backend: 'both', gpu: w.scanner, threads: 1, chunkSize: 1 << 16, startNonce: n - 1_500_000, progressMs: 100, onProgress: (p: any) => both.push(p.perBackend) });
        const auto = await hl.mine(header, target, { backend: 'auto', threads: 1, startNonce: n - 10_000 });
        const hexOf = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
        return {
          gpu: { nonce: gpu.nonce, backend: gpu.backend, header: hexOf(gpu.header) },
          gpuRate: Math.max(...gpuRates),
          mixed: { nonce: mixed.nonce, backend: mixed.backend },
          bothRates: { wasm: Math.max(...both.map((b) => b.wasm)), webgpu: Math.max(...both.map((b) => b.webgpu)) },
          auto: { nonce: auto.nonce, backend: auto.backend },
        };
      },
      [v.header_hex, v.nonce] as const,
    );
    expect(r.gpu).toEqual({ nonce: v.nonce, backend: 'webgpu', header: v.header_hex });
    expect(r.gpuRate).toBeGreaterThan(0);
    expect(r.mixed.nonce).toBe(v.nonce);
    expect(['wasm', 'webgpu']).toContain(r.mixed.backend);
    // Both lanes ran side by side over the one range.
    expect(r.bothRates.wasm).toBeGreaterThan(0);
    expect(r.bothRates.webgpu).toBeGreaterThan(0);
    expect(r.auto).toEqual({ nonce: v.nonce, backend: adapter!.fallback ? 'wasm' : 'webgpu' });
  }, 120_000);

  it('a destroyed device fails with GpuUnavailableError, and bad input with typed errors', async (ctx) => {
    if (!adapter) return ctx.skip();
    const r = await page.evaluate(async () => {
      const w = window as unknown as PageApi;
      const catchName = (p: Promise<unknown>) => p.then(() => 'resolved', (e: Error) => `${e.name}: ${e.message}`);
      const g = await w.hashlane.GpuScanner.create({ allowFallback: true });
      g.destroy();
      return {
        gone: await catchName(g.scan(new Uint8Array(80), 0n, 0, 1000)),
        short: await catchName(w.scanner.scan(new Uint8Array(79), 0n, 0, 10)),
        range: await catchName(w.scanner.scan(new Uint8Array(80), 0n, 2 ** 32 - 5, 10)),
        target: await catchName(w.scanner.scan(new Uint8Array(80), 1n << 256n, 0, 10)),
        big: await catchName(w.scanner.scanWindows([{ header: new Uint8Array(80), target: 0n, start: 0, count: 2 ** 21 }])),
        // The page's scanner still works after all that.
        after: await w.scanner.scan(new Uint8Array(80), (1n << 256n) - 1n, 7, 10),
      };
    });
    expect(r.gone).toMatch(/^GpuUnavailableError: the GPU device \(.*\) is gone: destroyed/);
    expect(r.short).toMatch(/^HeaderError: header must be 80 bytes/);
    expect(r.range).toMatch(/^RangeError: count/);
    expect(r.target).toMatch(/^RangeError: value must be in \[0, 2\^256\)/);
    expect(r.big).toMatch(/^RangeError: windows\[0\]\.count must be at most 2\^20/);
    expect(r.after).toMatchObject({ nonce: 7, hashes: 1 });
  });

  it('tunes its dispatches to about 25 ms each on this adapter', async (ctx) => {
    if (!adapter) return ctx.skip();
    const r = await page.evaluate(async () => {
      const w = window as unknown as PageApi;
      // Target 0: no nonce wins, so the scan runs its whole range in full-size dispatches.
      const t0 = performance.now();
      await w.scanner.scan(new Uint8Array(80), 0n, 0, 1 << 17);
      return { ms: performance.now() - t0, recent: w.scanner.recentDispatchMs as number[], size: w.scanner.dispatchSize as number };
    });
    const sorted = [...r.recent].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    console.log(`${adapter!.name}: ${r.size} nonces per dispatch, median ${median.toFixed(1)} ms of the last ${sorted.length}`);
    expect(sorted.length).toBeGreaterThan(4);
    // 25 ms is the aim; the bounds leave room for a loaded machine (or a floor-sized dispatch on a fast one).
    expect(median).toBeGreaterThan(r.size === 256 ? 0 : 5);
    expect(median).toBeLessThan(150);
  }, 60_000);

  it('the gpu bench measurement (bench/gpu-measure.js) gives both rates in the page', async (ctx) => {
    if (!adapter) return ctx.skip();
    // A string, so that vitest does not rewrite the page's import().
    const m: any = await page.evaluate(`import('/bench/gpu-measure.js').then((b) => b.measureGpu(window.hashlane, { rounds: 1, ms: 200, scanner: window.scanner }))`);
    expect(m.adapter.name).toBe(adapter!.name);
    expect(m.gpu).toHaveLength(1);
    expect(m.gpuMedian).toBeGreaterThan(0);
    expect(m.wasmMedian).toBeGreaterThan(0);
    // The tuner settled on a dispatch size within its bounds.
    expect(m.dispatchSize).toBeGreaterThanOrEqual(256);
    expect(m.dispatchSize % 64).toBe(0);
  }, 60_000);
});
