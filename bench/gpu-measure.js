// The measurement of bench/gpu.bench.js, runtime-agnostic: it runs inside the Chromium page
// (imported by URL) and under Deno (imported by path), with that runtime's hashlane build.
// Interleaved rounds of (WebGPU scan, one WASM worker), each about `ms`, medians kept.

// Block 100000's header; target 0 is never met, so every call scans its whole range.
const HEADER_HEX =
  '0100000050120119172a610421a6c3011dd330d9df07b63616c2cc1f1cd00200000000006657a9252aacd5c0b2940996ecff952228c3067cc38d4885efb5a4ac4247e9f337221b4d4c86041b0f2b5710';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * @param {any} hl the hashlane module (ready() resolved)
 * @param {{ rounds?: number, ms?: number, scanner?: any }} [opts] `scanner`: a GpuScanner to use
 *   (and leave open) instead of a fresh one on the runtime's adapter
 * @returns {Promise<{ adapter: any, gpu: number[], wasm: number[], gpuMedian: number, wasmMedian: number, dispatchSize: number }>}
 */
export async function measureGpu(hl, opts = {}) {
  const rounds = opts.rounds ?? 5;
  const ms = opts.ms ?? 1500;
  const header = new Uint8Array(HEADER_HEX.match(/../g).map((x) => parseInt(x, 16)));
  const scanner = opts.scanner ?? (await hl.GpuScanner.create({ allowFallback: true }));
  const pool = await hl.WorkerPool.create({ size: 1 });
  const rate = { gpu: 1e5, wasm: 1e6 };
  let at = 0;
  // Each sample is sized from the last rate to take about `ms`.
  const gpuSample = async (t) => {
    const n = Math.max(1 << 14, Math.min(2 ** 31, Math.round((rate.gpu * t) / 1000)));
    const start = (at = (at + n) % 2 ** 31);
    const t0 = performance.now();
    await scanner.scan(header, 0n, start, n);
    return (rate.gpu = n / ((performance.now() - t0) / 1000));
  };
  const wasmSample = async (t) => {
    const n = Math.max(1 << 18, Math.min(2 ** 31, Math.round((rate.wasm * t) / 1000)));
    const t0 = performance.now();
    await hl.mine(header, 0n, { backend: 'wasm', threads: 1, pool, startNonce: 2 ** 32 - n, chunkSize: 1 << 20 });
    return (rate.wasm = n / ((performance.now() - t0) / 1000));
  };
  try {
    // Warm up: the GPU's dispatch size settles, V8 tiers the WASM kernel up.
    for (let i = 0; i < 3; i++) {
      await gpuSample(ms / 3);
      await wasmSample(ms / 3);
    }
    const gpu = [];
    const wasm = [];
    for (let r = 0; r < rounds; r++) {
      if (r % 2) {
        wasm.push(await wasmSample(ms));
        gpu.push(await gpuSample(ms));
      } else {
        gpu.push(await gpuSample(ms));
        wasm.push(await wasmSample(ms));
      }
    }
    return { adapter: scanner.adapter, gpu, wasm, gpuMedian: median(gpu), wasmMedian: median(wasm), dispatchSize: scanner.dispatchSize };
  } finally {
    if (!opts.scanner) scanner.destroy();
    await pool.terminate();
  }
}
