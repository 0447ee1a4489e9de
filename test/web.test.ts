// The browser mining page (dist/web/page) in headless Chromium: it loads, mines a devnet block
// in standalone mode, and its scan kernel runs about as fast as in Node.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
  running: boolean;
  threads: number;
  totalRate: number;
  workerRates: number[];
  blocks: { height: number; hash: string; nonce: number; txs?: number; accepted: boolean; reason?: string }[];
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
  await page.waitForFunction(() => (window as unknown as { hashlaneApp?: { state: AppState } }).hashlaneApp?.state.backend, undefined, { timeout: 20_000 });
  return { page, errors };
}

/** A `hashlane node --web` process on free ports, with a fresh data dir. */
async function startNode(): Promise<{ rpc: string; web: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'hashlane-web-node-'));
  const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
  const args = ['node', '--data-dir', dir, '--no-listen', '--rpc-port', '0', '--no-stratum', '--web', '--web-port', '0', '--no-status'];
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
    return { ...urls, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function rpc(url: string, method: string, params: unknown[] = []): Promise<any> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
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
      expect(await rpc(node.rpc, 'getblockcount')).toBe(0);
      const { page, errors } = await openPage(browser, `${node.web}?mode=connected&threads=2&autostart=1`);
      await page.waitForFunction(() => (window as unknown as { hashlaneApp: { state: AppState } }).hashlaneApp.state.blocks.some((b) => b.accepted), undefined, { timeout: 60_000 });
      const s = await appState(page);
      expect(s.error).toBeNull();
      const block = s.blocks.find((b) => b.accepted)!;
      expect(block.height).toBe(1);
      // The node has it on its chain (it does not mine itself: every block came from the page).
      expect(await rpc(node.rpc, 'getblockcount')).toBeGreaterThanOrEqual(1);
      expect(await rpc(node.rpc, 'getblockhash', [1])).toBe(block.hash);
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
