import { describe, expect, it } from 'vitest';
import { EngineNotReadyError, loadEngine, simdSupported } from '../dist/index.js';
import { engine } from '../dist/engine/index.js';

describe('engine loader', () => {
  it('throws a clear error before ready()', () => {
    expect(() => engine()).toThrow(EngineNotReadyError);
    expect(() => engine()).toThrow(/await ready\(\)/);
  });

  it('detects SIMD on this runtime and loads both builds', async () => {
    expect(simdSupported()).toBe(true);
    const simd = await loadEngine({ backend: 'simd' });
    const scalar = await loadEngine({ backend: 'scalar' });
    expect(simd.backend).toBe('simd');
    expect((simd.exports.simd as () => number)()).toBe(1);
    expect((scalar.exports.simd as () => number)()).toBe(0);
  });

  it('arena allocations are aligned and grow memory', async () => {
    const e = await loadEngine();
    const mark = e.arena.mark();
    const p = e.arena.alloc(10, 64);
    expect(p % 64).toBe(0);
    const big = e.arena.alloc(4 << 20);
    expect(e.memory.buffer.byteLength).toBeGreaterThanOrEqual(big + (4 << 20));
    e.arena.release(mark);
    expect(e.arena.mark()).toBe(mark);
  });

  it('rejects a bad wasm source with EngineLoadError', async () => {
    await expect(loadEngine({ wasm: new Uint8Array([1, 2, 3]) })).rejects.toThrow(/could not load/);
  });
});
