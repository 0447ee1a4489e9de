import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadVectors } from './support/vectors.js';

const MAIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const genesis = loadVectors('bitcoin-headers.json').headers[0];

function run(args: string[], opts: { killAfterMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let killedAt = 0;
    if (opts.killAfterMs) {
      // Wait until mining has started, then Ctrl-C.
      const iv = setInterval(() => {
        if (stderr.includes('mining on') && Date.now() - t0 > opts.killAfterMs!) {
          clearInterval(iv);
          killedAt = Date.now();
          child.kill('SIGINT');
        }
      }, 20);
    }
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - (killedAt || t0) }));
    if (process.env.DEBUG_CLI) child.stderr.on('data', (d) => console.log('stderr', Date.now() - t0, String(d), process.env.NODE_OPTIONS));
  });
}

describe('hashlane mine', () => {
  it('mines the genesis header from a start nonce and prints nonce, hash and header', async () => {
    const r = await run(['mine', '--header', genesis.header_hex, '--bits', '1d00ffff', '--start', String(genesis.nonce - 200_000), '-t', '2']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toEqual({ nonce: genesis.nonce, hash: genesis.hash, header: genesis.header_hex });
  });

  it('stops cleanly on Ctrl-C', async () => {
    const r = await run(['mine', '--header', genesis.header_hex, '--target', '0', '-t', '2', '--no-status'], { killAfterMs: 300 });
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/stopped after/);
    expect(r.ms).toBeLessThan(1500);
  });

  it('bench mine prints a rate per thread count', async () => {
    const r = await run(['bench', 'mine', '--seconds', '0.4', '-t', '2']);
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n').slice(1);
    expect(rows).toHaveLength(2);
    for (const [i, row] of rows.entries()) expect(row).toMatch(new RegExp(`^\\s*${i + 1}\\s+[\\d.]+ [kM]H/s`));
  });

  it('wrong flags give a clear message and a non-zero exit', async () => {
    const cases: [string[], RegExp][] = [
      [['mine'], /nothing to mine/],
      [['mine', '--header', 'abcd'], /80 bytes/],
      [['mine', '--header', genesis.header_hex, '--bits', 'ff123456'], /2\^256/],
      [['mine', '--header', genesis.header_hex, '--bits', '1d00ffff', '--target', 'ff'], /not both/],
      [['mine', '--header', genesis.header_hex, '-t', 'zero'], /--threads/],
      [['mine', '-o', 'http://pool:1', '-u', 'x'], /stratum\+tcp/],
      [['mine', '-o', 'stratum+tcp://127.0.0.1:1'], /-u <user>/],
      [['mine', '--frobnicate'], /unknown option/],
      [['bench', 'nope'], /unknown suite/],
    ];
    const results = await Promise.all(cases.map(([args]) => run(args)));
    results.forEach((r, i) => {
      expect(r.code, cases[i]![0].join(' ')).not.toBe(0);
      expect(r.stderr).toMatch(cases[i]![1]);
    });
  });
});
