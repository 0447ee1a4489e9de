// npm run bench gpu: MH/s of the WebGPU scanner on the adapter each runtime finds, against one
// WASM worker in the same runtime and run (bench/gpu-measure.js): headless Chromium with
// --enable-unsafe-webgpu (SwiftShader where there is no GPU), and Deno 2's navigator.gpu.
// A software adapter's figures prove the kernel runs, not what a GPU does.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { report } from './harness.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.map': 'application/json' };
const opts = { rounds: Number(process.env.BENCH_ROUNDS ?? 5), ms: Number(process.env.BENCH_GPU_MS ?? 1500) };

/** The project folder over http://127.0.0.1 (WebGPU needs a secure context). */
async function serveRoot() {
  const server = createServer((req, res) => {
    const file = normalize(join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    if (!file.startsWith(root) || file.includes(`${sep}node_modules${sep}`)) return void res.writeHead(403).end();
    try {
      if (!statSync(file).isFile()) throw new Error('not a file');
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

async function inChromium() {
  const server = await serveRoot();
  const profile = mkdtempSync(join(tmpdir(), 'hashlane-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--enable-unsafe-webgpu', '--no-first-run', '--disable-background-networking'],
  });
  try {
    const page = await context.newPage();
    await page.goto(`${server.url}/test/gpu/gpu.html`);
    await page.waitForFunction(() => window.hashlaneReady, undefined, { timeout: 30_000 });
    return await page.evaluate(async (o) => {
      if (!(await window.hashlane.defaultAdapter())) return null;
      const { measureGpu } = await import('/bench/gpu-measure.js');
      return measureGpu(window.hashlane, o);
    }, opts);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
    server.close();
  }
}

function inDeno() {
  const deno = fileURLToPath(new URL('../node_modules/.bin/deno', import.meta.url));
  return new Promise((ok) => {
    execFile(deno, ['run', '--no-prompt', '--allow-read', fileURLToPath(new URL('./gpu-deno.js', import.meta.url)), JSON.stringify(opts)], { timeout: 300_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout) => {
      const line = stdout.split('\n').find((l) => l.startsWith('GPU-BENCH '));
      if (!line) {
        console.log(`Deno: no result (${err?.message ?? 'no output'})`);
        ok(null);
      } else ok(JSON.parse(line.slice('GPU-BENCH '.length)));
    });
  });
}

export default async function run() {
  for (const [runtime, measure] of [
    ['Chromium', inChromium],
    ['Deno', inDeno],
  ]) {
    const m = await measure();
    if (!m) {
      console.log(`\n## gpu-${runtime.toLowerCase()}: no WebGPU adapter, nothing to measure`);
      continue;
    }
    const kind = m.adapter.fallback ? 'software adapter' : 'hardware adapter';
    const wasmTask = `one WASM worker (${runtime})`;
    report(
      `gpu-${runtime.toLowerCase()}`,
      [
        { task: `WebGPU ${m.adapter.name} (${kind}, ${runtime})`, unit: 'H/s', perSecond: m.gpuMedian, rounds: m.gpu },
        { task: wasmTask, unit: 'H/s', perSecond: m.wasmMedian, rounds: m.wasm },
      ],
      [wasmTask],
    );
    console.log(`${runtime}: ${m.adapter.name}: ${(m.gpuMedian / 1e6).toFixed(3)} MH/s on WebGPU, ${(m.wasmMedian / 1e6).toFixed(3)} MH/s on one WASM worker, ratio ${(m.gpuMedian / m.wasmMedian).toFixed(3)}; final dispatch ${m.dispatchSize} nonces`);
  }
}
