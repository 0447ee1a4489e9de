// Determinism across runtimes: the same block of contract calls (test/runtime/contracts-scenario.js:
// the AssemblyScript token, an infinite loop, unbounded recursion) in Node, Deno, Bun and
// headless Chromium gives the same storage hash and the same status and gas of every call.
import binaryen from 'binaryen';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrument, loadInstrumenter } from '../dist/contracts/instrument.js';
import { launchChromium, skipBrowser, type Chromium } from './support/chromium.js';
import { serveStatic, type StaticServer } from './support/static-server.js';

interface Result {
  runtime: string;
  digest: string;
  calls: string[];
}

const root = fileURLToPath(new URL('../', import.meta.url));
const out = fileURLToPath(new URL('../test-artifacts/contracts/', import.meta.url));
const cli = fileURLToPath(new URL('./runtime/contracts-cli.js', import.meta.url));
const bin = (name: string) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));

function wat(text: string): Uint8Array {
  const m = binaryen.parseText(text);
  const b = m.emitBinary();
  m.dispose();
  return b;
}

function run(cmd: string, args: string[]): Promise<Result> {
  return new Promise((ok, fail) => {
    execFile(cmd, args, { cwd: root, timeout: 60_000, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' } }, (err, stdout, stderr) => {
      const line = stdout.split('\n').find((l) => l.startsWith('CONTRACTS-RESULT '));
      if (!line) fail(new Error(`${cmd} printed no result (${err?.message ?? 'exit 0'})\n${stdout}\n${stderr}`));
      else ok(JSON.parse(line.slice('CONTRACTS-RESULT '.length)) as Result);
    });
  });
}

let node: Result;

describe('contract determinism across runtimes', () => {
  beforeAll(async () => {
    expect(await loadInstrumenter()).toBe(true);
    mkdirSync(out, { recursive: true });
    const code: Record<string, Uint8Array> = {
      token: readFileSync(new URL('../build/contracts/token.wasm', import.meta.url)),
      spin: wat('(module (memory (export "memory") 1) (func (export "spin") (loop $l (br $l))))'),
      recurse: wat('(module (memory (export "memory") 1) (func $r (param i64) (result i64) (i64.add (call $r (i64.add (local.get 0) (i64.const 1))) (i64.const 1))) (func (export "go") (drop (call $r (i64.const 0)))))'),
    };
    for (const [n, b] of Object.entries(code)) writeFileSync(`${out}${n}.wasm`, instrument(new Uint8Array(b)).wasm);
    node = await run(process.execPath, [cli, out]);
  });

  it('Node: the scenario runs (token calls ok and reverted, loop out of gas, recursion at the stack limit)', () => {
    expect(node.runtime).toMatch(/^node /);
    const statuses = node.calls.map((c) => c.split(':').slice(0, 2).join(':'));
    expect(statuses).toContain('transfer:ok');
    expect(statuses).toContain('transfer:revert');
    expect(statuses).toContain('mint:revert');
    expect(statuses).toContain('spin:out-of-gas');
    expect(statuses).toContain('go:stack-overflow');
  });

  it('Deno: identical state hash and gas', async () => {
    const r = await run(bin('deno'), ['run', '--no-prompt', '--allow-read', cli, out]);
    expect(r.runtime).toMatch(/^deno /);
    expect(r.calls).toEqual(node.calls);
    expect(r.digest).toBe(node.digest);
  });

  it.skipIf(!existsSync(bin('bun')))('Bun: identical state hash and gas', async () => {
    const r = await run(bin('bun'), [cli, out]);
    expect(r.runtime).toMatch(/^bun /);
    expect(r.calls).toEqual(node.calls);
    expect(r.digest).toBe(node.digest);
  });

  describe.skipIf(skipBrowser)('headless Chromium', () => {
    let server: StaticServer;
    let browser: Chromium;
    beforeAll(async () => {
      server = await serveStatic({ '/': root });
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });
    it('identical state hash and gas', async () => {
      const page = await browser.context.newPage();
      await page.goto(`${server.url}/test/runtime/contracts.html`, { timeout: 15_000 });
      await page.waitForFunction(() => (window as unknown as { contractsResult?: unknown }).contractsResult, undefined, { timeout: 60_000 });
      const r = (await page.evaluate(() => (window as unknown as { contractsResult: unknown }).contractsResult)) as Result & { error?: string };
      expect(r.error).toBeUndefined();
      expect(r.runtime).toMatch(/Chrom/);
      expect(r.calls).toEqual(node.calls);
      expect(r.digest).toBe(node.digest);
      await page.close();
    });
  });
});
