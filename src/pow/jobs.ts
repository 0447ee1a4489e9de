// Worker job kinds of the miner.
import { registerJob, type JobContext } from '../engine/jobs.js';
import { checkRange, headerHashWith, scanRange, setupJob } from './scan.js';
import { assertHeaderBytes } from './header.js';

export interface ScanJob {
  header: Uint8Array;
  /** 32 bytes, little-endian. */
  target: Uint8Array;
  start: number;
  count: number;
  /** Milliseconds per slice between cancel checks and progress messages. */
  sliceMs?: number;
}

export interface ScanJobResult {
  nonce: number | null;
  hash: Uint8Array | null;
  hashes: number;
  cancelled: boolean;
}

/** Scans a chunk in slices of ~sliceMs so that a cancel lands quickly; reports hashes per slice. */
async function scanJob(job: ScanJob, ctx: JobContext): Promise<ScanJobResult> {
  assertHeaderBytes(job.header);
  checkRange(job.start, job.count);
  const sliceMs = job.sliceMs ?? 50;
  let slice = 1 << 16;
  let at = job.start;
  const end = job.start + job.count;
  let hashes = 0;
  while (at < end) {
    if (ctx.cancelled) return { nonce: null, hash: null, hashes, cancelled: true };
    const n = Math.min(slice, end - at);
    const t0 = performance.now();
    // Set up each slice: another job kind may have used the kernel state in between.
    const r = scanRange(setupJob(ctx.engine, job.header, job.target), at, n);
    const dt = performance.now() - t0;
    hashes += r.hashes;
    ctx.progress(r.hashes);
    if (r.nonce !== null) {
      return { nonce: r.nonce, hash: headerHashWith(ctx.engine, job.header, r.nonce), hashes, cancelled: false };
    }
    at += n;
    if (dt > 0.5) slice = Math.max(1024, Math.min(1 << 26, Math.round((n * sliceMs) / dt)));
    else slice = Math.min(1 << 26, slice * 4);
    await ctx.yield();
  }
  return { nonce: null, hash: null, hashes, cancelled: false };
}

registerJob('pow.scan', scanJob);
