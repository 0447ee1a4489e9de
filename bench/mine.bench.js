// Mining: single-core nonce scanning (scanNonces, both builds) against naive sha256d loops
// over hash-wasm, node:crypto (crypto.hash twice) and @noble/hashes, in one run; then
// mine() thread scaling from 1 to all cores. Throughput = nonces / total time.
import crypto from 'node:crypto';
import os from 'node:os';
import { createSHA256 } from 'hash-wasm';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { ready, loadEngine, mine, WorkerPool } from '../dist/index.js';
import { scanNoncesWith } from '../dist/pow/scan.js';
import { report, runSuite } from './harness.js';

// A real header (block 100000) whose nonce field we overwrite; target 0 is never met, so
// every call scans its whole range.
const HEADER = Buffer.from(
  '0100000050120119172a610421a6c3011dd330d9df07b63616c2cc1f1cd00200000000006657a9252aacd5c0b2940996ecff952228c3067cc38d4885efb5a4ac4247e9f337221b4d4c86041b0f2b5710',
  'hex',
);

function naive(items, hash2) {
  const buf = new Uint8Array(HEADER);
  const dv = new DataView(buf.buffer);
  let nonce = 0;
  return () => {
    for (let i = 0; i < items; i++) {
      dv.setUint32(76, nonce++, true);
      const h = hash2(buf);
      if (h[31] === 0 && h[30] === 0 && h[29] === 0 && h[28] === 0 && h[27] === 0) return h;
    }
    return null;
  };
}

export default async function run() {
  await ready();
  const simd = await loadEngine({ backend: 'simd' });
  const scalar = await loadEngine({ backend: 'scalar' });
  const hw = await createSHA256();
  const hashWasm = (b) => {
    hw.init();
    hw.update(b);
    const d = hw.digest('binary');
    hw.init();
    hw.update(d);
    return hw.digest('binary');
  };
  const nodeHash = (b) => crypto.hash('sha256', crypto.hash('sha256', b, 'buffer'), 'buffer');
  const noble = (b) => nobleSha256(nobleSha256(b));

  const scanTask = (name, e, items) => {
    let start = 0;
    return {
      name,
      items,
      unit: 'H/s',
      fn: () => {
        const r = scanNoncesWith(e, HEADER, 0n, start, items);
        start = (start + items) % 2 ** 31;
        return r;
      },
    };
  };
  const rows = await runSuite('mine', [
    scanTask('scanNonces (simd)', simd, 1 << 17),
    scanTask('scanNonces (scalar build)', scalar, 1 << 15),
    { name: 'hash-wasm naive sha256d', items: 1 << 13, unit: 'H/s', fn: naive(1 << 13, hashWasm) },
    { name: 'node:crypto naive sha256d', items: 1 << 12, unit: 'H/s', fn: naive(1 << 12, nodeHash) },
    { name: '@noble/hashes naive sha256d', items: 1 << 11, unit: 'H/s', fn: naive(1 << 11, noble) },
  ]);
  report('mine', rows, ['hash-wasm naive sha256d', 'node:crypto naive sha256d']);

  // Thread scaling: each sample scans 2^22 nonces per thread through mine(); rounds
  // interleave the thread counts and the median of each is kept.
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const pool = await WorkerPool.create({ size: cores });
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const perThreads = Array.from({ length: cores }, () => []);
  const sample = async (t) => {
    const n = t * 2 ** 22;
    const t0 = performance.now();
    await mine(HEADER, 0n, { threads: t, pool, startNonce: 2 ** 32 - n, chunkSize: 2 ** 20 });
    return n / ((performance.now() - t0) / 1000);
  };
  for (let t = 1; t <= cores; t++) await sample(t); // warm up every worker
  for (let r = 0; r < rounds; r++) {
    const order = Array.from({ length: cores }, (_, i) => i + 1);
    if (r % 2) order.reverse();
    for (const t of order) perThreads[t - 1].push(await sample(t));
  }
  await pool.terminate();
  const scaling = perThreads.map((xs, i) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return { task: `mine() ${i + 1} thread${i ? 's' : ''}`, unit: 'H/s', perSecond: sorted[Math.floor(sorted.length / 2)], rounds: sorted };
  });
  report('mine-threads', scaling, ['mine() 1 thread']);
}
