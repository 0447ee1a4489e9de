// Run by test/gpu-webgpu.test.ts under Deno 2 (--allow-read only): the built package on Deno's
// own navigator.gpu, no code change. Prints one line: GPU-RESULT <json>.
import { GpuScanner, GpuUnavailableError, bitsToTarget, defaultAdapter, mine, ready } from '../../dist/index.js';

const vectors = JSON.parse(await Deno.readTextFile(new URL('../vectors/bitcoin-headers.json', import.meta.url))).headers;
const unhex = (s) => new Uint8Array(s.match(/../g).map((x) => parseInt(x, 16)));
const out = { runtime: `deno ${Deno.version.deno}`, adapter: null, auto: null, found: [] };
await ready();
out.adapter = await defaultAdapter();
const genesis = vectors[0];
const target = bitsToTarget(0x1d00ffff);
const auto = await mine(unhex(genesis.header_hex), target, { threads: 1, startNonce: genesis.nonce - 1000 });
out.auto = { backend: auto.backend, nonce: auto.nonce };
if (out.adapter) {
  const gpu = await GpuScanner.create({ allowFallback: true });
  for (const v of vectors) {
    const header = unhex(v.header_hex);
    const bits = new DataView(header.buffer).getUint32(72, true);
    const r = await mine(header, bitsToTarget(bits), { backend: 'webgpu', gpu, startNonce: v.nonce - 5000 });
    out.found.push({ height: v.height, nonce: r.nonce, backend: r.backend });
  }
  gpu.destroy();
} else {
  try {
    await mine(unhex(genesis.header_hex), target, { backend: 'webgpu' });
  } catch (err) {
    out.webgpuError = err instanceof GpuUnavailableError ? err.name : String(err);
  }
}
console.log(`GPU-RESULT ${JSON.stringify(out)}`);
