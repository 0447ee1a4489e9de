// The browser mining page (dist/web/page) in headless Chromium: it loads, mines a devnet block
// in standalone mode, and its scan kernel runs about as fast as in Node.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerPool, ready } from '../dist/index.js';
import { benchScan } from '../dist/web/miner.js';
import { launchChromium, skipBrowser, type Chromium } from './support/chromium.js';
import { serveStatic, type StaticServer } from './support/static-server.js';

const pageDir = fileURLToPath(new URL('../dist/web/page/', import.meta.url));
const artifacts = fileURLToPath(new URL('../test-artifacts/', import.meta.url));

interface AppState {
  backend: string;
  mineBackend: string;
  activeBackends: string[];
  gpuAdapter: string | null;
  gpuFallback: boolean;
  gpuRate: number;
  running: boolean;
  threads: number;
  totalRate: number;
  workerRates: number[];
  blocks: { height: number; hash: string; nonce: number; txs?: number; accepted: boolean; reason?: string; backend: string }[];
  status: string;
  error: string | null;
}

const appState = (page: Page) => page.evaluate(() => (window as unknown as { hashlaneApp: { state: AppState } }).hashlaneApp.state);

/** Opens the page and fails on any page error or console error. */
async function openPage(browser: Chromium, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // Without ?mode= the page probes for a node's work endpoint; a static server has none.
  page.on('console', (m) => m.type() === 'error' && !/WebSocket connection to .*\/ws' failed/.test(m.text()) && errors.push(m.text()));
  await page.goto(url, { timeout: 15_000 });
  await page.waitForFunction(() => (window as unknown as { hashlaneApp?: { state: AppState } }).hashlaneApp?.state.backend, undefined, { timeout: 60_000 });
  return { page, errors };
}

/** A `hashlane node --web` process on free ports, with a fresh data dir. */
async function startNode(extraArgs: string[] = []): Promise<{ rpc: string; web: string; cookie: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'hashlane-web-node-'));
  const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
  const args = ['node', '--data-dir', dir, '--no-listen', '--rpc-port', '0', '--no-stratum', '--web', '--web-port', '0', '--no-status', ...extraArgs];
  const child: ChildProcess = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const urls = await new Promise<{ rpc: string; web: string }>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`the node printed no addresses within 20 s:\n${out}`)), 20_000);
      const onData = (d: Buffer) => {
        out += d.toString();
        const rpc = out.match(/rpc (http:\/\/[\d.]+:\d+\/)/)?.[1];
        const web = out.match(/web (http:\/\/[\d.]+:\d+\/)/)?.[1];
        if (rpc && web) {
          clearTimeout(timer);
          ok({ rpc, web });
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => fail(new Error(`the node exited with ${code}:\n${out}`)));
    });
    // The node writes its RPC cookie before it prints the addresses (devnet: the default chain).
    const chain = extraArgs.includes('--chain') ? extraArgs[extraArgs.indexOf('--chain') + 1] : 'devnet';
    return { ...urls, cookie: readFileSync(join(dir, chain, '.cookie'), 'utf8'), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function rpc(node: { rpc: string; cookie: string }, method: string, params: unknown[] = []): Promise<any> {
  const authorization = `Basic ${Buffer.from(node.cookie).toString('base64')}`;
  const res = await fetch(node.rpc, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe.skipIf(skipBrowser)('browser mining page', () => {
  let server: StaticServer;
  let browser: Chromium;
  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    server = await serveStatic({ '/': pageDir });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('loads with its controls and the SIMD engine', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/`);
    const s = await appState(page);
    expect(s.backend).toBe('simd');
    expect(s.error).toBeNull();
    expect(s.status).toMatch(/^ready/);
    for (const id of ['mode', 'threads', 'start', 'pause', 'chart', 'rates', 'total-rate', 'blocks']) expect(await page.locator(`#${id}`).count()).toBe(1);
    expect(await page.locator('#start').isEnabled()).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a link asking for the webgpu backend where there is no adapter says so and mines on the workers', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/?mode=standalone&backend=webgpu`);
    const s = await appState(page);
    expect(s).toMatchObject({ mineBackend: 'wasm', activeBackends: ['wasm'], gpuAdapter: null, error: null });
    expect(s.status).toMatch(/webgpu is unavailable \(backend 'webgpu' needs WebGPU/);
    expect(await page.locator('#gpu-info').textContent()).toBe('no WebGPU adapter');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('standalone mode mines devnet blocks (one with a signed transfer) with 2 workers, shows rates, screenshot', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/?mode=standalone&threads=2&autostart=1`);
    // Block 1 pays the page's key; block 2 also carries the page's first signed transfer.
    await page.waitForFunction(() => (window as unknown as { hashlaneApp: { state: AppState } }).hashlaneApp.state.blocks.length >= 2, undefined, { timeout: 60_000 });
    // Let a few rate samples reach the chart before the screenshot.
    await page.waitForFunction(() => (window as unknown as { hashlaneApp: { state: AppState } }).hashlaneApp.state.totalRate > 0, undefined, { timeout: 10_000 });
    await page.waitForTimeout(1500);
    const s = await appState(page);
    expect(s.error).toBeNull();
    const first = s.blocks[0];
    expect(first).toMatchObject({ height: 1, accepted: true, txs: 1 });
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(s.blocks[1]).toMatchObject({ height: 2, accepted: true, txs: 2 });
    expect(s.workerRates).toHaveLength(2);
    expect(await page.locator('#blocks li').count()).toBeGreaterThan(0);
    await page.screenshot({ path: `${artifacts}web-standalone.png`, fullPage: true });
    // Pause, choose one thread, start again: one worker's rate, and mining goes on.
    await page.evaluate(() => (window as unknown as { hashlaneApp: { pause(): void } }).hashlaneApp.pause());
    expect((await appState(page)).running).toBe(false);
    await page.locator('#threads').fill('1');
    await page.locator('#threads').dispatchEvent('change');
    await page.locator('#start').click();
    await page.waitForFunction(() => {
      const st = (window as unknown as { hashlaneApp: { state: AppState } }).hashlaneApp.state;
      return st.running && st.workerRates.length === 1 && st.totalRate > 0;
    }, undefined, { timeout: 10_000 });
    await page.evaluate(() => (window as unknown as { hashlaneApp: { pause(): void } }).hashlaneApp.pause());
    expect(errors).toEqual([]);
    await page.close();
  });

  // `hashlane node --web` (src/node/web-server.ts) serves the page and the work endpoint.
  it('connected mode: a block found in the browser is accepted by a node', async () => {
    const node = await startNode();
    try {
      expect(await rpc(node, 'getblockcount')).toBe(0);
      const { page, errors } = await openPage(browser, `${node.web}?mode=connected&threads=2&autostart=1`);
      await page.waitForFunction(() => (window as unknown as { hashlaneApp: { state: AppState } }).hashlaneApp.state.blocks.some((b) => b.accepted), undefined, { timeout: 60_000 });
      const s = await appState(page);
      expect(s.error).toBeNull();
      const block = s.blocks.find((b) => b.accepted)!;
      expect(block.height).toBe(1);
      // The node has it on its chain (it does not mine itself: every block came from the page).
      expect(await rpc(node, 'getblockcount')).toBeGreaterThanOrEqual(1);
      expect(await rpc(node, 'getblockhash', [1])).toBe(block.hash);
      await page.waitForFunction(() => (window as unknown as { hashlaneApp: { state: AppState } }).hashlaneApp.state.totalRate > 0, undefined, { timeout: 10_000 });
      await page.screenshot({ path: `${artifacts}web-connected.png`, fullPage: true });
      await page.evaluate(() => (window as unknown as { hashlaneApp: { pause(): void } }).hashlaneApp.pause());
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await node.stop();
    }
  });

  it('kernel MH/s in Chromium vs Node, interleaved in one run', async () => {
    // The same measurement on both sides: one pool worker (worker_threads here, a Web Worker
    // in the page) running the scan job for about `ms`, alternating short rounds so that both
    // sample the same load of this shared machine; medians.
    await ready();
    const pool = await WorkerPool.create({ size: 1 });
    const { page } = await openPage(browser, `${server.url}/?threads=1`);
    const inPage = (ms: number, warm: number) =>
      page.evaluate(([m, w]) => (window as unknown as { hashlaneApp: { bench(ms: number, w: number): Promise<number> } }).hashlaneApp.bench(m, w), [ms, warm] as const);
    const node: number[] = [];
    const chromium: number[] = [];
    try {
      await benchScan(pool, 10, 800);
      await inPage(10, 800);
      for (let round = 0; round < 7; round++) {
        node.push(await benchScan(pool, 300, 0));
        chromium.push(await inPage(300, 0));
      }
    } finally {
      await pool.terminate();
    }
    const result = { nodeMHs: median(node) / 1e6, chromiumMHs: median(chromium) / 1e6, ratio: median(chromium) / median(node), rounds: { node, chromium } };
    writeFileSync(`${artifacts}kernel-mhs.json`, JSON.stringify(result, null, 2));
    console.log(`scanNonces, one thread: Node ${result.nodeMHs.toFixed(2)} MH/s, Chromium ${result.chromiumMHs.toFixed(2)} MH/s, ratio ${result.ratio.toFixed(3)} (target >= 0.85)`);
    // The 15% target is reported above; the assertion leaves room for a busy shared machine.
    expect(result.ratio).toBeGreaterThan(0.6);
    await page.close();
  });
});

// The WebGPU backend on the page (issue 19). Headless Chromium without a GPU offers SwiftShader
// with --enable-unsafe-webgpu: correct, but ~40x slower than one WASM worker, so a devnet block
// (4 M expected hashes) would take about a minute on it alone. The GPU-only tests mine the
// regtest chain (same chain code, trivial target); the devnet test mines with both backends.
describe.skipIf(skipBrowser)('browser mining page on WebGPU (SwiftShader)', () => {
  let server: StaticServer;
  let browser: Chromium;
  let hasAdapter = false;
  const state = (page: Page) => appState(page);
  const waitFor = (page: Page, fn: string, timeout = 60_000) => page.waitForFunction(`(() => { const s = window.hashlaneApp.state; return ${fn}; })()`, undefined, { timeout });
  beforeAll(async () => {
    server = await serveStatic({ '/': pageDir });
    browser = await launchChromium(['--enable-unsafe-webgpu']);
    const { page } = await openPage(browser, `${server.url}/?mode=standalone`);
    const s = await state(page);
    hasAdapter = s.gpuAdapter !== null;
    if (!hasAdapter) console.warn('NOTICE: page WebGPU tests skipped, Chromium offers no WebGPU adapter here');
    await page.close();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('auto leaves the software adapter alone and says so; the adapter is named', async (ctx) => {
    if (!hasAdapter) return ctx.skip();
    const { page, errors } = await openPage(browser, `${server.url}/?mode=standalone`);
    const s = await state(page);
    expect(s).toMatchObject({ mineBackend: 'auto', activeBackends: ['wasm'], gpuFallback: true });
    expect(s.gpuAdapter).toMatch(/swiftshader/i);
    expect(await page.locator('#gpu-info').textContent()).toContain(s.gpuAdapter!);
    expect(await page.locator('#backend-info').textContent()).toBe('mining on wasm');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('standalone: mines regtest blocks on the GPU backend alone, screenshot', async (ctx) => {
    if (!hasAdapter) return ctx.skip();
    const { page, errors } = await openPage(browser, `${server.url}/?mode=standalone&chain=regtest&backend=webgpu&autostart=1`);
    // Regtest's fixed trivial target gives a block in the first dispatch of every job, so the
    // page never reports a GPU rate here; the devnet test below checks the GPU rate.
    await waitFor(page, 's.blocks.filter((b) => b.accepted).length >= 3', 150_000);
    const s = await state(page);
    expect(s.error).toBeNull();
    expect(s.activeBackends).toEqual(['webgpu']);
    expect(s.workerRates).toEqual([]);
    const accepted = s.blocks.filter((b) => b.accepted);
    expect(accepted.map((b) => b.height).slice(0, 3)).toEqual([1, 2, 3]);
    for (const b of accepted) expect(b.backend).toBe('webgpu');
    expect(await page.locator('#gpu-row').isVisible()).toBe(true);
    expect(await page.locator('#blocks li').first().textContent()).toMatch(/\[standalone, webgpu\]/);
    await page.screenshot({ path: `${artifacts}web-webgpu-standalone.png`, fullPage: true });
    await page.evaluate(() => (window as unknown as { hashlaneApp: { pause(): void } }).hashlaneApp.pause());
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);

  it('standalone devnet with both backends: WASM worker and GPU side by side, each with its rate', async (ctx) => {
    if (!hasAdapter) return ctx.skip();
    const { page, errors } = await openPage(browser, `${server.url}/?mode=standalone&backend=both&threads=1&autostart=1`);
    await waitFor(page, 's.gpuRate > 0 && s.workerRates.length === 1 && s.workerRates[0] > 0', 30_000);
    await waitFor(page, 's.blocks.some((b) => b.accepted)');
    const s = await state(page);
    expect(s.error).toBeNull();
    expect(s.activeBackends).toEqual(['wasm', 'webgpu']);
    expect(s.blocks.find((b) => b.accepted)).toMatchObject({ height: 1, accepted: true });
    await page.screenshot({ path: `${artifacts}web-both-devnet.png`, fullPage: true });
    await page.evaluate(() => (window as unknown as { hashlaneApp: { pause(): void } }).hashlaneApp.pause());
    expect(errors).toEqual([]);
    await page.close();
  });

  it('connected mode: a block the page found on the GPU is accepted by a node', async (ctx) => {
    if (!hasAdapter) return ctx.skip();
    const node = await startNode(['--chain', 'regtest']);
    try {
      const { page, errors } = await openPage(browser, `${node.web}?mode=connected&backend=webgpu&autostart=1`);
      await waitFor(page, 's.blocks.some((b) => b.accepted)');
      const s = await state(page);
      expect(s.error).toBeNull();
      const block = s.blocks.find((b) => b.accepted)!;
      expect(block).toMatchObject({ height: 1, backend: 'webgpu' });
      expect(await rpc(node, 'getblockhash', [1])).toBe(block.hash);
      await page.evaluate(() => (window as unknown as { hashlaneApp: { pause(): void } }).hashlaneApp.pause());
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await node.stop();
    }
  });
});
