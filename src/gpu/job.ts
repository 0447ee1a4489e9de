// Host side of the WebGPU scanner: the per-job table the kernel reads. Everything that does
// not depend on the nonce is computed here once per job (midstate, the folded words of
// kernel.generated.ts, the target), so that an invocation starts from the nonce alone.
import { assertHeaderBytes } from '../pow/header.js';
import { IV, JOB_WORDS, K, prepareJob } from './kernel.generated.js';

// Layout of one job (one window of nonces) in the jobs buffer, in u32 words.
export const JOB_MID = JOB_WORDS; // midstate m0..m7 (the candidate re-hash starts here)
export const JOB_W = JOB_MID + 8; // block-2 words w0..w2 (header bytes 64..75, big-endian)
export const JOB_TARGET = JOB_W + 3; // target limbs, least significant first
export const JOB_START = JOB_TARGET + 8; // first nonce of the window
export const JOB_COUNT = JOB_START + 1; // nonces in the window
/** Words per job, rounded up to 16 bytes so each job starts aligned. */
export const JOB_STRIDE = Math.ceil((JOB_COUNT + 1) / 4) * 4;

const rotr = (x: number, n: number) => ((x >>> n) | (x << (32 - n))) >>> 0;

/** FIPS 180-4 6.2.2: one compression of the 16 big-endian words `w` into `state`. */
function compress(state: Uint32Array, w: Uint32Array): void {
  const W = new Uint32Array(64);
  W.set(w);
  for (let t = 16; t < 64; t++) {
    const x = W[t - 15]!;
    const y = W[t - 2]!;
    W[t] = (rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10)) + W[t - 7]! + (rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3)) + W[t - 16]!;
  }
  let [a, b, c, d, e, f, g, h] = state as unknown as number[];
  for (let t = 0; t < 64; t++) {
    const t1 = (h! + (rotr(e!, 6) ^ rotr(e!, 11) ^ rotr(e!, 25)) + ((e! & f!) ^ (~e! & g!)) + K[t]! + W[t]!) >>> 0;
    const t2 = ((rotr(a!, 2) ^ rotr(a!, 13) ^ rotr(a!, 22)) + ((a! & b!) ^ (a! & c!) ^ (b! & c!))) >>> 0;
    h = g;
    g = f;
    f = e;
    e = (d! + t1) >>> 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) >>> 0;
  }
  const out = [a, b, c, d, e, f, g, h];
  for (let i = 0; i < 8; i++) state[i] = (state[i]! + out[i]!) >>> 0;
}

/**
 * Writes the job of (header, target, [start, start + count)) at `jobs[at ..]`. `target` is
 * 32 bytes little-endian (bigIntToHash), the order in which Bitcoin compares.
 */
export function writeJob(jobs: Uint32Array, at: number, header: Uint8Array, targetLE: Uint8Array, start: number, count: number): void {
  assertHeaderBytes(header);
  const dv = new DataView(header.buffer, header.byteOffset, 80);
  const mid = Uint32Array.from(IV);
  const block1 = new Uint32Array(16);
  for (let i = 0; i < 16; i++) block1[i] = dv.getUint32(4 * i, false);
  compress(mid, block1);
  const w0 = dv.getUint32(64, false);
  const w1 = dv.getUint32(68, false);
  const w2 = dv.getUint32(72, false);
  const job = jobs.subarray(at, at + JOB_STRIDE);
  prepareJob(job, mid[0]!, mid[1]!, mid[2]!, mid[3]!, mid[4]!, mid[5]!, mid[6]!, mid[7]!, w0, w1, w2);
  job.set(mid, JOB_MID);
  job[JOB_W] = w0;
  job[JOB_W + 1] = w1;
  job[JOB_W + 2] = w2;
  const tv = new DataView(targetLE.buffer, targetLE.byteOffset, 32);
  for (let i = 0; i < 8; i++) job[JOB_TARGET + i] = tv.getUint32(4 * i, true);
  job[JOB_START] = start >>> 0;
  job[JOB_COUNT] = count >>> 0;
}
