// mine(): the nonce space split into chunks over a worker pool.
import { sharedPool, defaultThreads, type WorkerPool } from '../engine/workers.js';
import { bigIntToHash } from './compact.js';
import { assertInt } from './errors.js';
import { assertHeaderBytes, withNonce } from './header.js';
import type { ScanJob, ScanJobResult } from './jobs.js';

export interface MineProgress {
  /** Hashes tried since mine() began (all threads). */
  hashes: number;
  /** Total rate over the last interval. */
  hashesPerSecond: number;
  /** Rate of each thread over the last interval. */
  perThread: number[];
  elapsedMs: number;
}

export interface MineOptions {
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
}

const SPACE = 2 ** 32;

export async function mine(header: Uint8Array, target: bigint, options: MineOptions = {}): Promise<MineResult | null> {
  assertHeaderBytes(header);
  const targetLE = bigIntToHash(target);
  const threads = options.threads ?? (await defaultThreads());
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
  const chunk = options.chunkSize ?? 2 ** 22;
  if (!Number.isInteger(chunk) || chunk < 1 || chunk > SPACE) throw new RangeError(`chunkSize must be an integer in [1, 2^32], got ${chunk}`);
  if (options.startNonce !== undefined) assertInt(options.startNonce, 0, SPACE - 1, 'startNonce');
  const signal = options.signal;
  if (signal?.aborted) throw signal.reason;
  const pool = options.pool ?? (await sharedPool(threads));
  // Starting workers takes a while: an abort may have come in meanwhile.
  if (signal?.aborted) throw signal.reason;

  const stop = new AbortController();
  const started = performance.now();
  const perThread = new Array<number>(threads).fill(0);
  const lastThread = new Array<number>(threads).fill(0);
  let total = 0;
  let lastTotal = 0;
  let lastTime = started;

  let current = header.slice();
  let next = options.startNonce ?? 0;
  let rolling: Promise<Uint8Array | null> | null = null;
  let finished = false;

  /** The next [header, start, count] work item, rolling the header when the space runs out. */
  async function take(): Promise<{ header: Uint8Array; start: number; count: number } | null> {
    while (!finished) {
      if (next < SPACE) {
        const start = next;
        const count = Math.min(chunk, SPACE - start);
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
          options.onProgress!({ hashes: total, hashesPerSecond: (total - lastTotal) / dt, perThread: rates, elapsedMs: now - started });
          lastThread.splice(0, threads, ...perThread);
          lastTotal = total;
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

    let running = threads;
    const lane = async (i: number) => {
      for (;;) {
        const item = await take();
        if (!item || finished) break;
        const job: ScanJob = { header: item.header, target: targetLE, start: item.start, count: item.count };
        const r = await pool.run<ScanJobResult>('pow.scan', job, {
          signal: stop.signal,
          onProgress: (h: number) => {
            perThread[i]! += h;
            total += h;
          },
        });
        if (r.nonce !== null && r.hash) {
          const found = { nonce: r.nonce, hash: r.hash, header: withNonce(item.header, r.nonce) };
          finish(() => resolve(found));
          break;
        }
      }
    };
    for (let i = 0; i < threads; i++) {
      lane(i).then(
        () => {
          if (--running === 0) finish(() => resolve(null));
        },
        (err) => {
          if (stop.signal.aborted) {
            if (--running === 0) finish(() => resolve(null));
          } else finish(() => reject(err));
        },
      );
    }
  });
}
