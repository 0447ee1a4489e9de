// The page's miner: the library's mine() over one WorkerPool (Web Workers running the WASM
// scanner) and, by its backend, the WebGPU scanner, with what a page needs around it — a
// thread count and backend that change while mining, pause, per-thread and per-backend
// rates, and a job that a new one replaces at once.
import { WorkerPool } from '../engine/workers.js';
import type { Engine } from '../engine/loader.js';
import type { GpuScanner } from '../gpu/scanner.js';
import { bigIntToHash } from '../pow/compact.js';
import { mine, type MineBackend, type MineProgress } from '../pow/miner.js';
import type { ScanJob, ScanJobResult } from '../pow/jobs.js';

export interface MinerJob {
  /** 80-byte header, wire order; the scan varies its nonce. */
  header: Uint8Array;
  target: bigint;
}

export interface MinerEvents<J extends MinerJob> {
  /** `header` (nonce written in) meets `job`'s target; mining has stopped. */
  found(job: J, header: Uint8Array, nonce: number, backend: 'wasm' | 'webgpu'): void;
  /** Every nonce of `job` was tried; supply a fresh job (mining has stopped). */
  exhausted(job: J): void;
  /** About twice a second while mining: hashes/s of each WASM thread and of each backend. */
  progress(p: MineProgress): void;
  error(err: unknown): void;
}

export class Miner<J extends MinerJob> {
  private job: J | null = null;
  private run: AbortController | null = null;
  private nThreads = 1;
  private backend: MineBackend = 'auto';
  private gpu: GpuScanner | undefined;

  private constructor(
    private readonly pool: WorkerPool,
    private readonly events: MinerEvents<J>,
  ) {}

  /** `workerUrl`: the pool's worker script (in the page bundle, worker.js beside app.js). */
  static async create<J extends MinerJob>(engine: Engine, events: MinerEvents<J>, threads: number, workerUrl?: URL): Promise<Miner<J>> {
    const pool = await WorkerPool.create({ engine, size: threads, workerUrl });
    const m = new Miner<J>(pool, events);
    m.nThreads = threads;
    return m;
  }

  /** Changes the thread count; a running job goes on with the new count. */
  async setThreads(n: number): Promise<void> {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`threads must be a positive integer, got ${n}`);
    await this.pool.resize(n);
    this.nThreads = n;
    if (this.run && this.job) this.start(this.job);
  }

  /**
   * Picks the backend (see MineBackend) and the WebGPU scanner it may use; a running job goes
   * on with them.
   */
  setBackend(backend: MineBackend, gpu?: GpuScanner): void {
    this.backend = backend;
    this.gpu = gpu;
    if (this.run && this.job) this.start(this.job);
  }

  /** Mines `job`, replacing whatever was being mined. */
  start(job: J): void {
    this.stopRun();
    this.job = job;
    const run = new AbortController();
    this.run = run;
    const result = mine(job.header, job.target, {
      threads: this.nThreads,
      pool: this.pool,
      backend: this.backend,
      gpu: this.gpu,
      signal: run.signal,
      onProgress: (p) => this.run === run && this.events.progress(p),
    });
    result.then(
      (r) => {
        if (this.run !== run) return;
        this.run = null;
        if (r) this.events.found(job, r.header, r.nonce, r.backend);
        else this.events.exhausted(job);
      },
      (err) => {
        if (this.run === run) {
          this.run = null;
          this.events.error(err);
        }
      },
    );
  }

  /** Stops mining until the next `start`. */
  pause(): void {
    this.stopRun();
  }

  /** Hashes/s of the scan kernel on one pool worker (mining must be paused): see benchScan. */
  bench(ms: number, warmupMs = 500): Promise<number> {
    return benchScan(this.pool, ms, warmupMs);
  }

  terminate(): Promise<void> {
    this.stopRun();
    return this.pool.terminate();
  }

  private stopRun(): void {
    const run = this.run;
    this.run = null;
    run?.abort(new Error('mining stopped'));
  }
}

/**
 * Hashes/s of the scan kernel on one worker of `pool`: a target no hash meets, one call of
 * about `ms` after `warmupMs` of calls (V8 first runs WASM in its baseline tier). The same
 * measurement runs in Node (worker_threads) and in the page (Web Workers), so the two compare.
 */
export async function benchScan(pool: WorkerPool, ms: number, warmupMs = 500): Promise<number> {
  const header = new Uint8Array(80);
  const target = bigIntToHash(0n);
  const scan = (count: number) => pool.run<ScanJobResult>('pow.scan', { header, target, start: 0, count } satisfies ScanJob);
  let count = 1 << 20;
  for (const t0 = performance.now(); performance.now() - t0 < warmupMs; ) await scan(count);
  // Size the measured call from a short probe.
  let t0 = performance.now();
  await scan(count);
  count = Math.min(2 ** 32 - 1, Math.max(1 << 16, Math.round((count * ms) / Math.max(1, performance.now() - t0))));
  t0 = performance.now();
  const r = await scan(count);
  return r.hashes / ((performance.now() - t0) / 1000);
}
