// The WebGPU nonce scanner: one device and pipeline per adapter, job tables written by the
// host (job.ts), dispatches sized at run time so that each takes about `dispatchMs`, the
// result words read back after every dispatch, and each reported nonce re-hashed on the CPU
// with the WASM sha256d before it leaves this file.
import { engine, ready } from '../engine/loader.js';
import { bigIntToHash, hashToBigInt } from '../pow/compact.js';
import { assertHeaderBytes } from '../pow/header.js';
import { checkRange, headerHashWith } from '../pow/scan.js';
import { JOB_COUNT, JOB_START, JOB_STRIDE, writeJob } from './job.js';
import { NO_MATCH, RESULT_WORDS, SCAN_WGSL, WORKGROUP_SIZE } from './shader.js';

/** No WebGPU here: no `navigator.gpu`, no adapter, or the device or pipeline failed. */
export class GpuUnavailableError extends Error {
  override name = 'GpuUnavailableError';
}

/** The GPU reported a nonce whose sha256d, re-computed on the CPU, does not meet the target. */
export class GpuResultError extends Error {
  override name = 'GpuResultError';
}

export interface GpuAdapterInfo {
  /** A readable name: the description, else vendor and architecture (e.g. "google swiftshader"). */
  name: string;
  vendor: string;
  architecture: string;
  description: string;
  /**
   * A software (CPU) adapter: SwiftShader, llvmpipe/lavapipe, WARP, or one the browser flags
   * as a fallback adapter. Correct, but far slower than the WASM workers.
   */
  fallback: boolean;
}

export interface GpuScannerOptions {
  /** The WebGPU entry point (default `navigator.gpu`; in Node e.g. the `webgpu` package's `create([])`). */
  gpu?: GPU;
  /** Accept a software adapter (default false: such an adapter counts as none). */
  allowFallback?: boolean;
  /** Aim for dispatches of about this many milliseconds (default 25; 10-50 keeps pause and new jobs responsive). */
  dispatchMs?: number;
}

export interface GpuWindow {
  header: Uint8Array;
  target: bigint;
  start: number;
  count: number;
}

export interface GpuWindowResult {
  /** The first nonce of the window whose sha256d <= target (re-checked on the CPU), or null. */
  nonce: number | null;
  /** Nonces tried: up to and including the find, else the whole window. */
  hashes: number;
  /** Nonces that passed the early reject on the top 32 bits of the hash. */
  survivors: number;
}

export interface GpuScanOptions {
  signal?: AbortSignal;
  /** Hashes done, after each dispatch. */
  onProgress?: (hashes: number) => void;
}

// WebGPU's GPUBufferUsage and GPUMapMode flags (fixed by the spec), as numbers: a GPU object
// from outside the browser (Node's webgpu package) comes without those globals.
const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const;
const MAP_READ = 0x1;
const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|warp|microsoft basic render/i;
// One dispatch: at most this many invocations (2^26 keeps a 64-wide 2D grid well inside the limits).
const MAX_DISPATCH = 2 ** 26;
const MIN_DISPATCH = WORKGROUP_SIZE * 4;
// Windows per dispatch in scanWindows (each has its own job table and result words), and the
// nonces it packs into one dispatch at least: its callers want throughput, not responsiveness.
const MAX_WINDOWS = 4096;
const MIN_PACK = 4096;

function defaultGpu(): GPU | undefined {
  return (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
}

export function describeAdapter(adapter: GPUAdapter): GpuAdapterInfo {
  const info = (adapter.info ?? {}) as Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean };
  const vendor = info.vendor ?? '';
  const architecture = info.architecture ?? '';
  const description = info.description ?? '';
  const flagged = info.isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false;
  const name = description || [vendor, architecture, info.device].filter(Boolean).join(' ') || 'unnamed adapter';
  return { name, vendor, architecture, description, fallback: flagged || SOFTWARE.test(`${vendor} ${architecture} ${description}`) };
}

/** The adapter `gpu` offers (null where WebGPU is absent or offers none); never throws. */
export async function probeAdapter(gpu: GPU | undefined = defaultGpu()): Promise<{ adapter: GPUAdapter; info: GpuAdapterInfo } | null> {
  if (!gpu || typeof gpu.requestAdapter !== 'function') return null;
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    return adapter ? { adapter, info: describeAdapter(adapter) } : null;
  } catch {
    return null;
  }
}

export class GpuScanner {
  private jobsBuf: GPUBuffer | null = null;
  private jobsWindows = 0;
  private bindGroup: GPUBindGroup | null = null;
  private readonly params: GPUBuffer;
  private readonly results: GPUBuffer;
  private readonly readback: GPUBuffer;
  private lost: string | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private batch: number;
  private readonly recent: number[] = [];

  private constructor(
    readonly adapter: GpuAdapterInfo,
    private readonly device: GPUDevice,
    private readonly pipeline: GPUComputePipeline,
    private readonly dispatchMs: number,
  ) {
    const resultBytes = MAX_WINDOWS * RESULT_WORDS * 4;
    this.params = device.createBuffer({ size: 16, usage: USAGE.UNIFORM | USAGE.COPY_DST });
    this.results = device.createBuffer({ size: resultBytes, usage: USAGE.STORAGE | USAGE.COPY_DST | USAGE.COPY_SRC });
    this.readback = device.createBuffer({ size: resultBytes, usage: USAGE.MAP_READ | USAGE.COPY_DST });
    // A software adapter does a few tens of kH/s, a real GPU hundreds of MH/s: start near either.
    this.batch = adapter.fallback ? 2048 : 2 ** 18;
    void device.lost.then((l) => {
      this.lost = `${l.reason}: ${l.message}`;
    });
  }

  /** Opens the adapter, its device and the scan pipeline; throws GpuUnavailableError when any of them is missing. */
  static async create(options: GpuScannerOptions = {}): Promise<GpuScanner> {
    const dispatchMs = options.dispatchMs ?? 25;
    if (!(dispatchMs > 0 && dispatchMs <= 1000)) throw new RangeError(`dispatchMs must be in (0, 1000], got ${dispatchMs}`);
    const gpu = options.gpu ?? defaultGpu();
    if (!gpu) throw new GpuUnavailableError('WebGPU is not available here (no navigator.gpu); expected a browser or Deno 2 with WebGPU, or a GPU object in options.gpu');
    const found = await probeAdapter(gpu);
    if (!found) throw new GpuUnavailableError('navigator.gpu offers no adapter (in Chromium without a GPU, --enable-unsafe-webgpu gives the SwiftShader adapter)');
    if (found.info.fallback && !options.allowFallback) {
      throw new GpuUnavailableError(`the only WebGPU adapter is a software one (${found.info.name}); pass allowFallback to use it anyway`);
    }
    // The candidate re-check runs the WASM sha256d on this thread.
    await ready();
    let device: GPUDevice;
    try {
      device = await found.adapter.requestDevice();
    } catch (err) {
      throw new GpuUnavailableError(`the adapter ${found.info.name} gave no device: ${(err as Error).message}`, { cause: err });
    }
    try {
      device.pushErrorScope('validation');
      const module = device.createShaderModule({ code: SCAN_WGSL, label: 'hashlane sha256d scan' });
      const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'scan' } });
      const err = await device.popErrorScope();
      if (err) throw new Error(err.message);
      return new GpuScanner(found.info, device, pipeline, dispatchMs);
    } catch (err) {
      device.destroy();
      throw new GpuUnavailableError(`the WGSL scan kernel did not compile on ${found.info.name}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Nonces per dispatch at present (tuned after every dispatch of scan()). */
  get dispatchSize(): number {
    return this.batch;
  }

  /** Milliseconds of the last (up to 16) full-size dispatches of scan(), read-back included. */
  get recentDispatchMs(): number[] {
    return [...this.recent];
  }

  /**
   * Scans nonces [start, start + count) of `header` in dispatches of about `dispatchMs` and
   * returns the first nonce whose sha256d <= target (as scanNonces does on the CPU).
   */
  async scan(header: Uint8Array, target: bigint, start: number, count: number, options: GpuScanOptions = {}): Promise<GpuWindowResult> {
    assertHeaderBytes(header);
    const t = this.targetBytes(target);
    checkRange(start, count);
    return this.exclusive(async () => {
      const job = new Uint32Array(JOB_STRIDE);
      writeJob(job, 0, header, t, start, 0);
      let done = 0;
      let survivors = 0;
      while (done < count) {
        if (options.signal?.aborted) throw options.signal.reason;
        const n = Math.min(this.batch, count - done);
        job[JOB_START] = start + done;
        job[JOB_COUNT] = n;
        const t0 = performance.now();
        const [found, passed] = await this.dispatch(job, 1, n);
        this.tune(n, performance.now() - t0);
        survivors += passed!;
        if (found !== NO_MATCH) {
          const nonce = start + done + found!;
          this.recheck(header, target, nonce);
          options.onProgress?.(found! + 1);
          return { nonce, hashes: done + found! + 1, survivors };
        }
        done += n;
        options.onProgress?.(n);
      }
      return { nonce: null, hashes: count, survivors };
    });
  }

  /**
   * Scans many small windows, packed into few dispatches (each window has its own job), for
   * cross-checks against the WASM scanner. Each window's count must be at most 2^20.
   */
  async scanWindows(windows: readonly GpuWindow[]): Promise<GpuWindowResult[]> {
    const jobs = windows.map((w, i) => {
      assertHeaderBytes(w.header, `windows[${i}].header`);
      checkRange(w.start, w.count);
      if (w.count > 2 ** 20) throw new RangeError(`windows[${i}].count must be at most 2^20, got ${w.count}`);
      return { ...w, t: this.targetBytes(w.target) };
    });
    return this.exclusive(async () => {
      const out: GpuWindowResult[] = [];
      for (let i = 0; i < jobs.length; ) {
        // As many windows as fit one dispatch of the tuned size (at least one).
        let per = 0;
        let n = 0;
        while (i + n < jobs.length && n < MAX_WINDOWS) {
          const p = Math.max(per, jobs[i + n]!.count, 1);
          if (n > 0 && p * (n + 1) > Math.max(this.batch, MIN_PACK)) break;
          per = p;
          n++;
        }
        const table = new Uint32Array(n * JOB_STRIDE);
        for (let k = 0; k < n; k++) {
          const w = jobs[i + k]!;
          writeJob(table, k * JOB_STRIDE, w.header, w.t, w.start, w.count);
        }
        const res = await this.dispatch(table, n, per);
        for (let k = 0; k < n; k++) {
          const w = jobs[i + k]!;
          const found = res[k * RESULT_WORDS]!;
          const survivors = res[k * RESULT_WORDS + 1]!;
          if (found === NO_MATCH) out.push({ nonce: null, hashes: w.count, survivors });
          else {
            this.recheck(w.header, w.target, w.start + found);
            out.push({ nonce: w.start + found, hashes: found + 1, survivors });
          }
        }
        i += n;
      }
      return out;
    });
  }

  /** Why the device is gone (lost or destroyed), or null while it works. */
  get lostReason(): string | null {
    return this.lost;
  }

  /** Frees the device; later calls throw GpuUnavailableError. */
  destroy(): void {
    this.lost ??= 'destroyed';
    this.device.destroy();
  }

  private targetBytes(target: bigint): Uint8Array {
    if (typeof target !== 'bigint') throw new TypeError(`target must be a bigint, got ${typeof target}`);
    return bigIntToHash(target);
  }

  private recheck(header: Uint8Array, target: bigint, nonce: number): void {
    const hash = headerHashWith(engine(), header, nonce);
    if (hashToBigInt(hash) > target) {
      throw new GpuResultError(`the GPU (${this.adapter.name}) reported nonce ${nonce}, but its sha256d re-computed on the CPU is above the target`);
    }
  }

  /** Aim the next dispatch at dispatchMs, changing by at most 4x a step. */
  private tune(n: number, ms: number): void {
    if (n < this.batch) return; // a short tail says nothing about the rate
    this.recent.push(ms);
    if (this.recent.length > 16) this.recent.shift();
    const want = ms < 1 ? n * 4 : (n * this.dispatchMs) / ms;
    const next = Math.min(n * 4, Math.max(n / 4, want));
    this.batch = Math.min(MAX_DISPATCH, Math.max(MIN_DISPATCH, Math.round(next / WORKGROUP_SIZE) * WORKGROUP_SIZE));
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  private ensureJobs(windows: number): void {
    if (this.jobsBuf && this.jobsWindows >= windows) return;
    this.jobsBuf?.destroy();
    this.jobsWindows = Math.max(windows, 16);
    this.jobsBuf = this.device.createBuffer({ size: this.jobsWindows * JOB_STRIDE * 4, usage: USAGE.STORAGE | USAGE.COPY_DST });
    this.bindGroup = this.device.createBindGroup({
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: this.jobsBuf } },
        { binding: 1, resource: { buffer: this.params } },
        { binding: 2, resource: { buffer: this.results } },
      ],
    });
  }

  /** One dispatch of `windows` jobs with `perWindow` invocations each; returns the result words. */
  private async dispatch(table: Uint32Array, windows: number, perWindow: number): Promise<Uint32Array> {
    if (this.lost) throw new GpuUnavailableError(`the GPU device (${this.adapter.name}) is gone: ${this.lost}`);
    this.ensureJobs(windows);
    const groups = Math.ceil((windows * perWindow) / WORKGROUP_SIZE);
    const groupsX = Math.min(groups, 65535);
    const groupsY = Math.ceil(groups / groupsX);
    const q = this.device.queue;
    q.writeBuffer(this.jobsBuf!, 0, table);
    q.writeBuffer(this.params, 0, new Uint32Array([windows, perWindow, groupsX, 0]));
    const init = new Uint32Array(windows * RESULT_WORDS);
    for (let i = 0; i < windows; i++) init[i * RESULT_WORDS] = NO_MATCH;
    q.writeBuffer(this.results, 0, init);
    const enc = this.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bindGroup);
    pass.dispatchWorkgroups(groupsX, groupsY);
    pass.end();
    enc.copyBufferToBuffer(this.results, 0, this.readback, 0, init.byteLength);
    q.submit([enc.finish()]);
    try {
      await this.readback.mapAsync(MAP_READ, 0, init.byteLength);
    } catch (err) {
      throw new GpuUnavailableError(`reading the GPU's results failed on ${this.adapter.name}: ${this.lost ?? (err as Error).message}`, { cause: err });
    }
    const out = new Uint32Array(this.readback.getMappedRange(0, init.byteLength).slice(0));
    this.readback.unmap();
    return out;
  }
}

let probed: Promise<{ adapter: GPUAdapter; info: GpuAdapterInfo } | null> | null = null;
let shared: Promise<GpuScanner | null> | null = null;

/** probeAdapter() of `navigator.gpu`, once per process (the answer does not change). */
export function defaultAdapter(): Promise<GpuAdapterInfo | null> {
  probed ??= probeAdapter();
  return probed.then((p) => p?.info ?? null);
}

/**
 * The process-wide scanner on `navigator.gpu`, created on first use (software adapters
 * accepted: callers decide with `adapter.fallback`); null where there is no WebGPU adapter.
 */
export function sharedGpuScanner(): Promise<GpuScanner | null> {
  if (shared) {
    // A lost device (driver reset, GPU process crash) is replaced on the next call.
    const current = shared;
    return current.then((s) => {
      if (!s?.lostReason) return s;
      if (shared === current) shared = null;
      return sharedGpuScanner();
    });
  }
  shared = GpuScanner.create({ allowFallback: true }).catch((err) => {
    if (err instanceof GpuUnavailableError) return null;
    shared = null;
    throw err;
  });
  return shared;
}
