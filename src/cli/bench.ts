// hashlane bench <suite>: quick throughput figures on this machine. Suites are entries of
// SUITES (one line each).
import type { Command } from 'commander';
import { ready } from '../engine/loader.js';
import { WorkerPool, defaultThreads } from '../engine/workers.js';
import { mine } from '../pow/miner.js';
import { UsageError, exitWith, rate } from './format.js';

interface BenchFlags {
  seconds: string;
  threads?: string;
}

const SUITES: Record<string, (flags: BenchFlags) => Promise<void>> = {
  mine: benchMine,
};

export function register(program: Command): void {
  program
    .command('bench')
    .description(`measure throughput on this machine (suites: ${Object.keys(SUITES).join(', ')})`)
    .argument('<suite>', `one of: ${Object.keys(SUITES).join(', ')}`)
    .option('--seconds <s>', 'seconds per measurement', '2')
    .option('-t, --threads <n>', 'largest thread count (default: all cores)')
    .action(async (suite: string, flags: BenchFlags) => {
      try {
        const run = SUITES[suite];
        if (!run) throw new UsageError(`unknown suite ${JSON.stringify(suite)}; expected one of: ${Object.keys(SUITES).join(', ')}`);
        await run(flags);
      } catch (err) {
        exitWith('bench', err);
      }
    });
}

/** MH/s of mine() for 1..N threads: a target no hash meets, stopped after --seconds. */
async function benchMine(flags: BenchFlags): Promise<void> {
  const seconds = Number(flags.seconds);
  if (!(seconds > 0 && seconds <= 600)) throw new UsageError(`--seconds must be in (0, 600], got ${JSON.stringify(flags.seconds)}`);
  const max = flags.threads === undefined ? await defaultThreads() : Number(flags.threads);
  if (!Number.isInteger(max) || max < 1) throw new UsageError(`--threads must be a positive integer, got ${JSON.stringify(flags.threads)}`);
  await ready();
  const pool = await WorkerPool.create({ size: max });
  const header = new Uint8Array(80);
  // Warm up every worker (V8 tiers WASM up to TurboFan in the background).
  await measure(pool, header, max, 0.5);
  console.log('threads  total        per thread   x 1 thread');
  let one = 0;
  for (let t = 1; t <= max; t++) {
    const hps = await measure(pool, header, t, seconds);
    if (t === 1) one = hps;
    console.log(`${String(t).padStart(7)}  ${rate(hps).padEnd(11)}  ${rate(hps / t).padEnd(11)}  ${(hps / one).toFixed(2)}`);
  }
  await pool.terminate();
}

async function measure(pool: WorkerPool, header: Uint8Array, threads: number, seconds: number): Promise<number> {
  const ac = new AbortController();
  // Rate between the first and the last progress report: workers start staggered.
  let first: { t: number; h: number } | null = null;
  let last: { t: number; h: number } | null = null;
  const run = mine(header, 0n, {
    threads,
    pool,
    signal: ac.signal,
    progressMs: 100,
    onProgress: (p) => {
      const point = { t: p.elapsedMs, h: p.hashes };
      if (!first) first = point;
      last = point;
    },
  });
  await new Promise((r) => setTimeout(r, seconds * 1000));
  ac.abort();
  await run.catch(() => {});
  const a = first as { t: number; h: number } | null;
  const b = last as { t: number; h: number } | null;
  if (!a || !b || b.t <= a.t) return 0;
  return ((b.h - a.h) * 1000) / (b.t - a.t);
}
