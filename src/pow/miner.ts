// mine(): the nonce space split into chunks over a worker pool, a WebGPU scanner, or both
// (each lane takes the next chunk when it is free, so the faster one scans more).
import { sharedPool, defaultThreads, type WorkerPool } from '../engine/workers.js';
import { GpuUnavailableError, defaultAdapter, sharedGpuScanner, type GpuScanner } from '../gpu/scanner.js';
import { bigIntToHash } from './compact.js';
import { assertInt } from './errors.js';
import { assertHeaderBytes, withNonce } from './header.js';
import { headerHash } from './scan.js';
import type { ScanJob, ScanJobResult } from './jobs.js';

export interface MineProgress {
  /** Hashes tried since mine() began (all threads). */
  hashes: number;
  /** Total rate over the last interval. */
  hashesPerSecond: number;
  /** Rate of each WASM worker thread over the last interval (empty on the webgpu backend). */
  perThread: number[];
  /** Rate of each backend over the last interval (0 for one that is not running). */
  perBackend: { wasm: number; webgpu: number };
  elapsedMs: number;
}

/**
 * `wasm`: WASM workers. `webgpu`: the WebGPU scanner on whatever adapter there is (software
 * ones too). `both`: the two side by side over one nonce range. `auto` (default): WebGPU
 * when the adapter is a hardware GPU, else WASM workers (a software adapter such as
 * SwiftShader or llvmpipe is far slower than the workers).
 */
export type MineBackend = 'auto' | 'wasm' | 'webgpu' | 'both';

export interface MineOptions {
  /** Which scanner mines (default `auto`). */
  backend?: MineBackend;
  /** A WebGPU scanner to use instead of the process-wide one on `navigator.gpu`. */
  gpu?: GpuScanner;
  /** Worker threads (default: all cores). */
  threads?: number;
  /** Aborting stops every worker within ~100 ms; mine() then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called about every `progressMs` (default 500) while mining. */
  onProgress?: (p: MineProgress) => void;
  progressMs?: number;
  /**
   * Called when every nonce of `header` has been handed out without a find. Return the
   * next header to mine (rolled time or extranonce) or null to stop (mine() resolves null).
   */
  onExhausted?: (header: Uint8Array) => Uint8Array | null | Promise<Uint8Array | null>;
  /** Nonces per work item handed to a worker (default 2^22). */
  chunkSize?: number;
  /** First nonce (default 0); the range is [startNonce, 2^32). */
  startNonce?: number;
  /** A pool to use instead of the process-wide one. */
  pool?: WorkerPool;
}

export interface MineResult {
  nonce: number;
  /** sha256d of the header, internal byte order. */
  hash: Uint8Array;
  /** The header mined (after any onExhausted roll) with the nonce written in. */
  header: Uint8Array;
  /** Which scanner found it (a WebGPU find was re-hashed on the CPU before it got here). */
  backend: 'wasm' | 'webgpu';
}

const BACKENDS: readonly MineBackend[] = ['auto', 'wasm', 'webgpu', 'both'];

/** The scanners `backend` means here: a GPU scanner or none, and whether WASM workers run. */
export async function resolveBackend(backend: MineBackend = 'auto', gpu?: GpuScanner): Promise<{ gpu: GpuScanner | null; wasm: boolean }> {
  if (!BACKENDS.includes(backend)) throw new RangeError(`backend must be one of ${BACKENDS.join(', ')}, got ${String(backend)}`);
  if (backend === 'wasm') return { gpu: null, wasm: true };
  if (backend === 'auto') {
    if (gpu) return { gpu: gpu.adapter.fallback ? null : gpu, wasm: gpu.adapter.fallback };
    // Probe first: opening a device compiles the kernel, which a software adapter would not use.
    const info = await defaultAdapter();
    if (!info || info.fallback) return { gpu: null, wasm: true };
    const s = await sharedGpuScanner();
    return s ? { gpu: s, wasm: false } : { gpu: null, wasm: true };
  }
  const s = gpu ?? (await sharedGpuScanner());
  if (!s) throw new GpuUnavailableError(`backend '${backend}' needs WebGPU, but this runtime offers no adapter (navigator.gpu ${(globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu ? 'gives none' : 'is absent'})`);
  return { gpu: s, wasm: backend === 'both' };
}

const SPACE = 2 ** 32;

export async function mine(header: Uint8Array, target: bigint, options: MineOptions = {}): Promise<MineResult | null> {
  assertHeaderBytes(header);
  const targetLE = bigIntToHash(target);
  if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
    throw new RangeError(`threads must be a positive integer, got ${options.threads}`);
  }
  const chunk = options.chunkSize ?? 2 ** 22;
  if (!Number.isInteger(chunk) || chunk < 1 || chunk > SPACE) throw new RangeError(`chunkSize must be an integer in [1, 2^32], got ${chunk}`);
  if (options.startNonce !== undefined) assertInt(options.startNonce, 0, SPACE - 1, 'startNonce');
  const signal = options.signal;
  if (signal?.aborted) throw signal.reason;
  const { gpu, wasm } = await resolveBackend(options.backend, options.gpu);
  const threads = wasm ? (options.threads ?? (await defaultThreads())) : 0;
  const pool = wasm ? (options.pool ?? (await sharedPool(threads))) : null;
  // Starting workers takes a while: an abort may have come in meanwhile.
  if (signal?.aborted) throw signal.reason;

  const stop = new AbortController();
  const started = performance.now();
  const perThread = new Array<number>(threads).fill(0);
  const lastThread = new Array<number>(threads).fill(0);
  let total = 0;
  let lastTotal = 0;
  let gpuTotal = 0;
  let lastGpu = 0;
  let lastTime = started;

  let current = header.slice();
  let next = options.startNonce ?? 0;
  let rolling: Promise<Uint8Array | null> | null = null;
  let finished = false;

  /** The next [header, start, count] work item, rolling the header when the space runs out. */
  async function take(size = chunk): Promise<{ header: Uint8Array; start: number; count: number } | null> {
    while (!finished) {
      if (next < SPACE) {
        const start = next;
        const count = Math.min(size, SPACE - start);
        next += count;
        return { header: current, start, count };
      }
      if (!options.onExhausted) return null;
      if (!rolling) {
        const exhausted = current;
        rolling = Promise.resolve(options.onExhausted(exhausted)).then((h) => {
          if (h !== null) assertHeaderBytes(h, 'header returned by onExhausted');
          if (h) {
            current = h.slice();
            next = 0;
          }
          rolling = null;
          return h;
        });
      }
      if ((await rolling) === null) return null;
    }
    return null;
  }

  return new Promise<MineResult | null>((resolve, reject) => {
    const timer = options.onProgress
      ? setInterval(() => {
          const now = performance.now();
          const dt = (now - lastTime) / 1000;
          const rates = perThread.map((h, i) => (h - lastThread[i]!) / dt);
          const gpuRate = (gpuTotal - lastGpu) / dt;
          const rate = (total - lastTotal) / dt;
          options.onProgress!({ hashes: total, hashesPerSecond: rate, perThread: rates, perBackend: { wasm: rate - gpuRate, webgpu: gpuRate }, elapsedMs: now - started });
          lastThread.splice(0, threads, ...perThread);
          lastTotal = total;
          lastGpu = gpuTotal;
          lastTime = now;
        }, options.progressMs ?? 500)
      : null;
    const finish = (fn: () => void) => {
      if (finished) return;
      finished = true;
      if (timer) clearInterval(timer);
      signal?.removeEventListener('abort', onAbort);
      stop.abort(new Error('mining finished'));
      fn();
    };
    const onAbort = () => finish(() => reject(signal!.reason));
    signal?.addEventListener('abort', onAbort, { once: true });

    let running = threads + (gpu ? 1 : 0);
    const gpuLane = async (g: GpuScanner) => {
      for (;;) {
        // About eight dispatches' worth: enough to keep the GPU busy, little left over when the other lane finds.
        const item = await take(Math.max(g.dispatchSize * 8, 1 << 16));
        if (!item || finished) break;
        const r = await g.scan(item.header, target, item.start, item.count, {
          signal: stop.signal,
          onProgress: (h) => {
            gpuTotal += h;
            total += h;
          },
        });
        if (r.nonce !== null) {
          const hash = headerHash(withNonce(item.header, r.nonce));
          const found: MineResult = { nonce: r.nonce, hash, header: withNonce(item.header, r.nonce), backend: 'webgpu' };
          finish(() => resolve(found));
          break;
        }
      }
    };
    const lane = async (i: number) => {
      for (;;) {
        const item = await take();
        if (!item || finished) break;
        const job: ScanJob = { header: item.header, target: targetLE, start: item.start, count: item.count };
        const r = await pool!.run<ScanJobResult>('pow.scan', job, {
          signal: stop.signal,
          onProgress: (h: number) => {
            perThread[i]! += h;
            total += h;
          },
        });
        if (r.nonce !== null && r.hash) {
          const found: MineResult = { nonce: r.nonce, hash: r.hash, header: withNonce(item.header, r.nonce), backend: 'wasm' };
          finish(() => resolve(found));
          break;
        }
      }
    };
    const settle = (p: Promise<void>) =>
      p.then(
        () => {
          if (--running === 0) finish(() => resolve(null));
        },
        (err) => {
          if (stop.signal.aborted) {
            if (--running === 0) finish(() => resolve(null));
          } else finish(() => reject(err));
        },
      );
    for (let i = 0; i < threads; i++) settle(lane(i));
    if (gpu) settle(gpuLane(gpu));
  });
}
