// mine()'s backend option where WebGPU is absent (Node has no navigator.gpu): `auto` and
// `wasm` mine on WASM workers, `webgpu` and `both` refuse with a typed error, and a WebGPU
// entry point that offers nothing usable is reported as unavailable, never thrown through.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpuScanner, GpuUnavailableError, WorkerPool, bitsToTarget, defaultAdapter, mine, ready, toDisplayHex, type MineProgress } from '../dist/index.js';
import { describeAdapter, probeAdapter } from '../dist/gpu/scanner.js';
import { resolveBackend } from '../dist/pow/miner.js';

const vectors = JSON.parse(readFileSync(new URL('./vectors/bitcoin-headers.json', import.meta.url), 'utf8')).headers as { height: number; header_hex: string; hash: string; nonce: number }[];
const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const genesis = vectors[0]!;
const header = unhex(genesis.header_hex);
const target = bitsToTarget(0x1d00ffff);

/** A stand-in for navigator.gpu whose requestAdapter gives `adapter` (or throws it). */
const fakeGpu = (adapter: unknown) =>
  ({
    requestAdapter: async () => {
      if (adapter instanceof Error) throw adapter;
      return adapter;
    },
  }) as unknown as GPU;

let pool: WorkerPool;
beforeAll(async () => {
  await ready();
  pool = await WorkerPool.create({ size: 2 });
});
afterAll(() => pool.terminate());

describe('mine() without WebGPU', () => {
  it('has no adapter here', async () => {
    expect((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu).toBeUndefined();
    expect(await defaultAdapter()).toBeNull();
  });

  it('auto (the default) and wasm mine on the WASM workers and say so', async () => {
    for (const backend of [undefined, 'auto', 'wasm'] as const) {
      const seen: MineProgress[] = [];
      const r = await mine(header, target, { backend, threads: 2, pool, startNonce: genesis.nonce - 400_000, chunkSize: 1 << 16, progressMs: 20, onProgress: (p) => seen.push(p) });
      expect(r).toMatchObject({ nonce: genesis.nonce, backend: 'wasm' });
      expect(toDisplayHex(r!.hash)).toBe(genesis.hash);
      expect(seen.length).toBeGreaterThan(0);
      for (const p of seen) {
        expect(p.perBackend.webgpu).toBe(0);
        expect(p.perThread).toHaveLength(2);
      }
      expect(Math.max(...seen.map((p) => p.perBackend.wasm))).toBeGreaterThan(0);
    }
  });

  it('webgpu and both refuse with GpuUnavailableError; an unknown backend is a RangeError', async () => {
    await expect(mine(header, target, { backend: 'webgpu' })).rejects.toThrow(GpuUnavailableError);
    await expect(mine(header, target, { backend: 'both', pool, threads: 2 })).rejects.toThrow(/backend 'both' needs WebGPU.*navigator\.gpu is absent/);
    await expect(mine(header, target, { backend: 'cuda' as never })).rejects.toThrow(/backend must be one of auto, wasm, webgpu, both, got cuda/);
    await expect(GpuScanner.create()).rejects.toThrow(/no navigator\.gpu/);
  });

  it('auto takes a hardware scanner alone and leaves a software one to the workers', async () => {
    const scanner = (fallback: boolean) => ({ adapter: { name: 'test', vendor: '', architecture: '', description: '', fallback } }) as unknown as GpuScanner;
    const hw = scanner(false);
    expect(await resolveBackend('auto', hw)).toEqual({ gpu: hw, wasm: false });
    expect(await resolveBackend('auto', scanner(true))).toEqual({ gpu: null, wasm: true });
    const sw = scanner(true);
    expect(await resolveBackend('webgpu', sw)).toEqual({ gpu: sw, wasm: false });
    expect(await resolveBackend('both', sw)).toEqual({ gpu: sw, wasm: true });
    expect(await resolveBackend('wasm', hw)).toEqual({ gpu: null, wasm: true });
  });

  it('a WebGPU entry point with no adapter, a failing one, or only a software one is unavailable', async () => {
    expect(await probeAdapter(fakeGpu(null))).toBeNull();
    expect(await probeAdapter(fakeGpu(new Error('adapter request failed')))).toBeNull();
    await expect(GpuScanner.create({ gpu: fakeGpu(null) })).rejects.toThrow(/offers no adapter/);
    const swiftshader = { info: { vendor: 'google', architecture: 'swiftshader', description: '', isFallbackAdapter: true } };
    await expect(GpuScanner.create({ gpu: fakeGpu(swiftshader) })).rejects.toThrow(/only WebGPU adapter is a software one \(google swiftshader\)/);
    // Software adapters are recognised by name too (Deno's wgpu reports llvmpipe so).
    expect(describeAdapter({ info: { vendor: '65541', architecture: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' } } as unknown as GPUAdapter)).toMatchObject({ fallback: true, name: 'llvmpipe (LLVM 15.0.6, 256 bits)' });
    expect(describeAdapter({ info: { vendor: 'nvidia', architecture: 'ada-lovelace', description: '', isFallbackAdapter: false } } as unknown as GPUAdapter)).toMatchObject({ fallback: false, name: 'nvidia ada-lovelace' });
    await expect(GpuScanner.create({ dispatchMs: 0 })).rejects.toThrow(RangeError);
  });
});
