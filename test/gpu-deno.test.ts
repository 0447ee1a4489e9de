// The same package on Deno 2's built-in navigator.gpu (test/gpu/deno-check.js, --allow-read
// only): `auto` keeps a software adapter (here llvmpipe) off and mines on WASM; `webgpu`
// finds the real nonce of every Bitcoin header on it. Where Deno finds no adapter, `webgpu`
// must refuse with GpuUnavailableError instead.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const deno = fileURLToPath(new URL('../node_modules/.bin/deno', import.meta.url));
const script = fileURLToPath(new URL('./gpu/deno-check.js', import.meta.url));
const vectors = JSON.parse(readFileSync(new URL('./vectors/bitcoin-headers.json', import.meta.url), 'utf8')).headers as { height: number; nonce: number }[];

function runDeno(): Promise<any> {
  return new Promise((ok, fail) => {
    execFile(deno, ['run', '--no-prompt', '--allow-read', script], { timeout: 60_000, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' } }, (err, stdout, stderr) => {
      const line = stdout.split('\n').find((l) => l.startsWith('GPU-RESULT '));
      if (!line) fail(new Error(`deno printed no result (${err?.message ?? 'exit 0'})\n${stdout}\n${stderr}`));
      else ok(JSON.parse(line.slice('GPU-RESULT '.length)));
    });
  });
}

describe('Deno 2 navigator.gpu', () => {
  it('auto falls back to WASM on a software adapter; webgpu finds every real nonce', async () => {
    const r = await runDeno();
    expect(r.runtime).toMatch(/^deno 2\./);
    if (!r.adapter) {
      console.warn('NOTICE: Deno finds no WebGPU adapter here; only the fallback is tested');
      expect(r.auto).toMatchObject({ backend: 'wasm', nonce: 2083236893 });
      expect(r.webgpuError).toBe('GpuUnavailableError');
      return;
    }
    console.log(`Deno WebGPU adapter: ${r.adapter.name}${r.adapter.fallback ? ' (software)' : ''}`);
    expect(r.auto).toEqual({ backend: r.adapter.fallback ? 'wasm' : 'webgpu', nonce: 2083236893 });
    expect(r.found).toEqual(vectors.map((v) => ({ height: v.height, nonce: v.nonce, backend: 'webgpu' })));
  });
});
