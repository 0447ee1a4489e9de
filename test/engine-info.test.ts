// ready() tells which build loaded; engineInfo() says the same afterwards.
import { describe, expect, it } from 'vitest';
import { engineInfo, loadEngine, ready, sha256BatchWith, sha256dWith, sha256With, simdSupported, merkleRootWith, createSha256With } from '../dist/index.js';

describe('engine info', () => {
  it('ready() resolves to { backend, simd }, and engineInfo() agrees', async () => {
    const info = await ready();
    expect(info).toEqual({ backend: 'simd', simd: true });
    expect(engineInfo()).toEqual(info);
    expect(await ready({ backend: 'scalar' })).toEqual(info); // the first call's options win
    expect(simdSupported()).toBe(true);
  });

  it('the *With calls are exported from the package root and agree across builds', async () => {
    const [scalar, simd] = await Promise.all([loadEngine({ backend: 'scalar' }), loadEngine({ backend: 'simd' })]);
    expect([scalar.backend, simd.backend]).toEqual(['scalar', 'simd']);
    const msg = new TextEncoder().encode('abc');
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    expect(hex(sha256With(scalar, msg))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hex(sha256With(simd, msg))).toBe(hex(sha256With(scalar, msg)));
    expect(hex(sha256dWith(simd, msg))).toBe(hex(sha256dWith(scalar, msg)));
    expect(hex(createSha256With(simd).update(msg).digest())).toBe(hex(sha256With(scalar, msg)));
    const many = new Uint8Array(64 * 8).map((_, i) => i);
    expect(hex(sha256BatchWith(simd, many, 64))).toBe(hex(sha256BatchWith(scalar, many, 64)));
    expect(hex(merkleRootWith(simd, many.subarray(0, 32 * 5)))).toBe(hex(merkleRootWith(scalar, many.subarray(0, 32 * 5))));
  });
});
