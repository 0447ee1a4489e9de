// The browser mining page: wires the work sources, the miner and the display together.
// Query parameters (for links and tests): mode=standalone|connected, ws=<url>, threads=<n>,
// backend=auto|wasm|webgpu|both, chain=devnet|regtest (standalone), autostart=1.
import { devnetParams, regtestParams } from '../chain/params.js';
import { engine, ready, simdSupported } from '../engine/index.js';
import { defaultAdapter, sharedGpuScanner, type GpuAdapterInfo } from '../gpu/scanner.js';
import { sha256d } from '../hash/index.js';
import { hashToBigInt, toDisplayHex } from '../pow/index.js';
import { resolveBackend, type MineBackend, type MineProgress } from '../pow/miner.js';
import { GPU_COLOR, RateChart, formatRate, workerColor } from './chart.js';
import { ConnectedSource } from './connected.js';
import { Miner } from './miner.js';
import { WEB_WS_PATH } from './protocol.js';
import { StandaloneSource } from './standalone.js';
import type { Work, WorkSource } from './work.js';

type Mode = 'standalone' | 'connected';

interface FoundBlock {
  height: number;
  hash: string;
  nonce: number;
  txs?: number;
  accepted: boolean;
  reason?: string;
  mode: Mode;
  /** The scanner that found it. */
  backend: 'wasm' | 'webgpu';
}

/** What the page shows, readable by tests as `window.hashlaneApp.state`. */
interface AppState {
  /** The WASM build (simd or scalar). */
  backend: string;
  /** The mining backend chosen (see MineBackend) and the scanners it runs right now. */
  mineBackend: MineBackend;
  activeBackends: ('wasm' | 'webgpu')[];
  /** The WebGPU adapter's name (null: none), and whether it is a software one. */
  gpuAdapter: string | null;
  gpuFallback: boolean;
  mode: Mode;
  running: boolean;
  threads: number;
  height: number | null;
  totalRate: number;
  workerRates: number[];
  /** The WebGPU scanner's hashes/s (0 while it does not run). */
  gpuRate: number;
  blocks: FoundBlock[];
  status: string;
  error: string | null;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const wsDefault = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${WEB_WS_PATH}`;
const hwThreads = Math.max(1, navigator.hardwareConcurrency || 1);
const BACKENDS: MineBackend[] = ['auto', 'wasm', 'webgpu', 'both'];
const backendParam = params.get('backend') as MineBackend | null;
// The standalone chain: the devnet, or regtest (a trivial target, for a slow software GPU).
const standaloneParams = params.get('chain') === 'regtest' ? regtestParams : devnetParams;

const state: AppState = {
  backend: '',
  mineBackend: backendParam && BACKENDS.includes(backendParam) ? backendParam : 'auto',
  activeBackends: [],
  gpuAdapter: null,
  gpuFallback: false,
  mode: params.get('mode') === 'connected' ? 'connected' : 'standalone',
  running: false,
  threads: clampThreads(Number(params.get('threads') ?? Math.max(1, hwThreads - 1))),
  height: null,
  totalRate: 0,
  workerRates: [],
  gpuRate: 0,
  blocks: [],
  status: '',
  error: null,
};

let miner: Miner<Work>;
let source: WorkSource | null = null;
const chart = new RateChart($<HTMLCanvasElement>('chart'));

function clampThreads(n: number): number {
  return Number.isInteger(n) && n >= 1 ? Math.min(n, 64) : 1;
}

function setStatus(text: string): void {
  state.status = text;
  $('status').textContent = text;
}

function fail(err: unknown): void {
  state.error = err instanceof Error ? err.message : String(err);
  setStatus(`error: ${state.error}`);
  stop();
}

/** The latest job from the source; mining (re)starts on it. */
let work: Work | null = null;

function onWork(w: Work): void {
  work = w;
  state.height = w.height - 1;
  $('height').textContent = String(state.height);
  if (state.running) miner.start(w);
}

async function onFound(job: Work, header: Uint8Array, nonce: number, backend: 'wasm' | 'webgpu'): Promise<void> {
  const hash = sha256d(header);
  if (hashToBigInt(hash) > job.target) {
    fail(new Error(`the scanner reported nonce ${nonce}, but its hash ${toDisplayHex(hash)} is above the target`));
    return;
  }
  const current = source;
  const result = await current!.submit(job, header);
  if (current !== source) return;
  const block: FoundBlock = {
    height: result.height ?? job.height,
    hash: result.hash ?? toDisplayHex(hash),
    nonce,
    txs: result.txs,
    accepted: result.accepted,
    reason: result.reason,
    mode: current!.mode,
    backend,
  };
  state.blocks.push(block);
  renderBlock(block);
  if (!result.accepted) {
    setStatus(`block ${block.height} refused: ${result.reason ?? 'no reason given'}`);
    current!.refresh();
  }
}

function renderBlock(b: FoundBlock): void {
  const li = document.createElement('li');
  li.dataset.height = String(b.height);
  li.dataset.hash = b.hash;
  li.textContent = `#${b.height} ${b.hash} nonce ${b.nonce}${b.txs ? ` · ${b.txs} tx` : ''}${b.accepted ? '' : ` — refused (${b.reason ?? '?'})`} [${b.mode}, ${b.backend}]`;
  if (!b.accepted) li.style.color = '#b00';
  $('blocks').prepend(li);
  $('found-count').textContent = String(state.blocks.filter((x) => x.accepted).length);
}

function renderRates(): void {
  const body = $<HTMLTableSectionElement>('rates');
  while (body.rows.length > state.workerRates.length) body.deleteRow(-1);
  state.workerRates.forEach((r, i) => {
    const row = body.rows[i] ?? body.insertRow();
    if (row.cells.length === 0) {
      row.insertCell().innerHTML = `<span class="swatch" style="background:${workerColor(i)}"></span>#${i + 1}`;
      row.insertCell().className = 'rate';
    }
    row.cells[1].textContent = formatRate(r);
  });
  $('gpu-row').style.display = state.activeBackends.includes('webgpu') ? '' : 'none';
  $('gpu-rate').textContent = formatRate(state.gpuRate);
  $('total-rate').textContent = formatRate(state.totalRate);
}

const t0 = performance.now();
let progressCount = 0;

function onProgress(p: MineProgress): void {
  state.workerRates = p.perThread;
  state.gpuRate = p.perBackend.webgpu;
  state.totalRate = p.perBackend.wasm + p.perBackend.webgpu;
  renderRates();
  const gpu = state.activeBackends.includes('webgpu') ? state.gpuRate : undefined;
  chart.push({ t: (performance.now() - t0) / 1000, total: state.totalRate, perWorker: p.perThread, gpu });
  if (++progressCount % 4 === 0) source?.rate(state.totalRate);
}

async function start(): Promise<void> {
  state.error = null;
  syncControls(true);
  try {
    if (!source || source.mode !== state.mode) {
      source?.close();
      work = null;
      source = state.mode === 'connected' ? new ConnectedSource(($('ws-url') as HTMLInputElement).value || wsDefault) : new StandaloneSource(standaloneParams);
      setStatus(state.mode === 'connected' ? `connecting to ${(source as ConnectedSource).url}…` : `creating a ${standaloneParams.name} chain in this page…`);
      state.running = true;
      await source.open(onWork, setStatus);
    } else {
      state.running = true;
      if (work) miner.start(work);
      else source.refresh();
    }
    if (state.mode === 'standalone') setStatus(`mining the in-page ${standaloneParams.name}`);
  } catch (err) {
    source = null;
    fail(err);
  }
  syncControls();
}

function stop(): void {
  state.running = false;
  miner?.pause();
  state.workerRates = state.workerRates.map(() => 0);
  state.gpuRate = 0;
  state.totalRate = 0;
  renderRates();
  syncControls();
}

function syncControls(busy = false): void {
  $<HTMLButtonElement>('start').disabled = busy || state.running;
  $<HTMLButtonElement>('pause').disabled = busy || !state.running;
  $<HTMLSelectElement>('mode').disabled = busy || state.running;
  $<HTMLSelectElement>('backend').disabled = busy;
  $('ws-label').style.display = state.mode === 'connected' ? '' : 'none';
}

/** True when a node's work endpoint answers at `url` within a second (the node served this page). */
function nodeAnswers(url: string): Promise<boolean> {
  if (!location.protocol.startsWith('http')) return Promise.resolve(false);
  return new Promise((ok) => {
    const ws = new WebSocket(url);
    const done = (v: boolean) => {
      clearTimeout(timer);
      ws.onopen = ws.onerror = null;
      ws.close();
      ok(v);
    };
    const timer = setTimeout(() => done(false), 1000);
    ws.onopen = () => done(true);
    ws.onerror = () => done(false);
  });
}

function gpuLabel(info: GpuAdapterInfo | null): string {
  if (!info) return 'no WebGPU adapter';
  return `GPU: ${info.name}${info.fallback ? ' (software adapter: slower than the WASM workers)' : ''}`;
}

/**
 * Switches the mining backend. The WebGPU kernel is compiled only when a backend will run it
 * (auto runs it on a hardware adapter only); a backend that needs WebGPU where there is none
 * fails with mine()'s GpuUnavailableError, shown on the page.
 */
async function useBackend(b: MineBackend): Promise<void> {
  const info = await defaultAdapter();
  state.gpuAdapter = info?.name ?? null;
  state.gpuFallback = info?.fallback ?? false;
  $('gpu-info').textContent = gpuLabel(info);
  const needsGpu = b === 'webgpu' || b === 'both' || (b === 'auto' && info !== null && !info.fallback);
  if (needsGpu) setStatus(`compiling the WebGPU kernel for ${info?.name ?? 'the GPU'}…`);
  const gpu = needsGpu ? await sharedGpuScanner() : null;
  const { gpu: runs, wasm } = await resolveBackend(b, gpu ?? undefined);
  state.mineBackend = b;
  state.activeBackends = [...(wasm ? (['wasm'] as const) : []), ...(runs ? (['webgpu'] as const) : [])];
  $('backend-info').textContent = `mining on ${state.activeBackends.join(' + ')}`;
  $<HTMLSelectElement>('backend').value = b;
  miner.setBackend(b, runs ?? undefined);
  renderRates();
}

async function main(): Promise<void> {
  const backend = simdSupported() ? 'simd' : 'scalar';
  // The page carries both builds next to app.js (the bundle's import.meta.url).
  await ready({ backend, wasm: new URL(`./hashlane.${backend}.wasm`, import.meta.url) });
  $('engine-info').textContent = `engine: ${backend} WASM build · ${hwThreads} hardware threads`;
  miner = await Miner.create<Work>(
    engine(),
    {
      found: (w, header, nonce, backend) => void onFound(w, header, nonce, backend).catch(fail),
      exhausted: () => source?.refresh(),
      progress: onProgress,
      error: fail,
    },
    state.threads,
    new URL('./worker.js', import.meta.url),
  );

  const threads = $<HTMLInputElement>('threads');
  threads.max = String(Math.max(64, hwThreads));
  threads.value = String(state.threads);
  threads.onchange = () => {
    state.threads = clampThreads(Number(threads.value));
    threads.value = String(state.threads);
    void miner.setThreads(state.threads).catch(fail);
  };
  const mode = $<HTMLSelectElement>('mode');
  mode.value = state.mode;
  mode.onchange = () => {
    state.mode = mode.value as Mode;
    syncControls();
  };
  const backendSelect = $<HTMLSelectElement>('backend');
  backendSelect.value = state.mineBackend;
  backendSelect.onchange = () => void useBackend(backendSelect.value as MineBackend).catch(fail);
  ($('gpu-row').querySelector('.swatch') as HTMLElement).style.background = GPU_COLOR;
  let backendNote = '';
  try {
    await useBackend(state.mineBackend);
  } catch (err) {
    // A link asked for WebGPU where there is none: say so and mine on the workers.
    backendNote = `; ${state.mineBackend} is unavailable (${(err as Error).message})`;
    await useBackend('wasm');
  }
  $<HTMLInputElement>('ws-url').value = params.get('ws') ?? wsDefault;
  $('start').onclick = () => void start();
  $('pause').onclick = () => stop();
  if (!params.has('mode') && (await nodeAnswers(wsDefault))) {
    state.mode = 'connected';
    mode.value = 'connected';
  }
  syncControls();
  state.backend = backend;
  setStatus(`ready (${backend} build, mining on ${state.activeBackends.join(' + ')}${backendNote}): choose a mode and press start`);
  if (params.get('autostart') === '1') await start();
}

(globalThis as unknown as { hashlaneApp: unknown }).hashlaneApp = {
  state,
  start,
  pause: stop,
  setThreads: async (n: number) => {
    state.threads = clampThreads(n);
    $<HTMLInputElement>('threads').value = String(state.threads);
    await miner.setThreads(state.threads);
  },
  setBackend: (b: MineBackend) => useBackend(b),
  setMode: (m: Mode) => {
    state.mode = m;
    $<HTMLSelectElement>('mode').value = m;
    syncControls();
  },
  /** Kernel hashes/s of one pool worker (pause mining first), for the Chromium vs Node comparison. */
  bench: (ms: number, warmupMs?: number) => miner.bench(ms, warmupMs),
};

main().catch(fail);
