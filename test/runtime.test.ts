// The runtime matrix: the same smoke suite (test/runtime/smoke.js) against the built package
// under Node, Deno (--allow-read only), Bun and headless Chromium.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, skipBrowser, type Chromium } from './support/chromium.js';
import { serveStatic, type StaticServer } from './support/static-server.js';

interface SmokeReport {
  runtime: string;
  backend: string;
  ok: boolean;
  results: { name: string; status: 'pass' | 'fail' | 'skip'; detail?: string }[];
}

const root = fileURLToPath(new URL('../', import.meta.url));
const cli = fileURLToPath(new URL('./runtime/smoke-cli.js', import.meta.url));
const bin = (name: string) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));

function runSmokeCli(cmd: string, args: string[]): Promise<SmokeReport> {
  return new Promise((ok, fail) => {
    execFile(
      cmd,
      args,
      // Generous: a loaded 2-core CI machine has taken over 30 s for Bun's cold start and run.
      { cwd: root, timeout: 90_000, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' } },
      (err, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith('SMOKE-RESULT '));
        if (!line) {
          fail(new Error(`${cmd} ${args.join(' ')} printed no result (${err?.message ?? 'exit 0'})\n${stdout}\n${stderr}`));
          return;
        }
        const report = JSON.parse(line.slice('SMOKE-RESULT '.length)) as SmokeReport;
        // A failed check exits 1 with a report: the report says which.
        if (err && report.ok) fail(new Error(`${cmd} exited with ${err.message} after a passing report\n${stderr}`));
        else ok(report);
      },
    );
  });
}

const failures = (r: SmokeReport) => r.results.filter((x) => x.status === 'fail').map((x) => `${x.name}: ${x.detail}`);
const passed = (r: SmokeReport) => r.results.filter((x) => x.status === 'pass').map((x) => x.name);

let nodeReport: SmokeReport;

/** Same verdicts as Node: nothing fails, and every check Node passes passes here too. */
function expectLikeNode(r: SmokeReport) {
  expect(failures(r)).toEqual([]);
  expect(r.ok).toBe(true);
  expect(passed(r)).toEqual(passed(nodeReport));
}

describe('runtime smoke matrix', () => {
  beforeAll(async () => {
    nodeReport = await runSmokeCli(process.execPath, [cli]);
  });

  it('Node: every check of this build passes', () => {
    expect(failures(nodeReport)).toEqual([]);
    expect(nodeReport.backend).toBe('simd');
    // Checks of parts that are on main must run (not skip); the others join as their parts land.
    expect(passed(nodeReport)).toEqual(expect.arrayContaining(['engine', 'hash', 'batch', 'merkle', 'scan', 'mine', 'ed25519', 'chain']));
  });

  it('Deno with --allow-read only', async () => {
    const r = await runSmokeCli(bin('deno'), ['run', '--no-prompt', '--allow-read', cli]);
    expect(r.runtime).toMatch(/^deno /);
    expectLikeNode(r);
  }, 120_000);

  // The bun binary comes from the npm registry's platform package (devDependency `bun`); a
  // node_modules installed before it was added lacks it until `npm install` runs again.
  it.skipIf(!existsSync(bin('bun')))('Bun', async () => {
    const r = await runSmokeCli(bin('bun'), [cli]);
    expect(r.runtime).toMatch(/^bun /);
    expectLikeNode(r);
  }, 120_000);

  describe.skipIf(skipBrowser)('headless Chromium', () => {
    let server: StaticServer;
    let browser: Chromium;
    beforeAll(async () => {
      server = await serveStatic();
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    it('the same smoke page passes', async () => {
      const page = await browser.context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.goto(`${server.url}/test/runtime/smoke.html`, { timeout: 15_000 });
      await page.waitForFunction(() => (window as unknown as { smokeReport?: unknown }).smokeReport, undefined, { timeout: 60_000 });
      const r = (await page.evaluate(() => (window as unknown as { smokeReport: unknown }).smokeReport)) as SmokeReport;
      expect(errors).toEqual([]);
      expect(r.runtime).toMatch(/Chrom/);
      expect(r.backend).toBe('simd');
      expectLikeNode(r);
      await page.close();
    });
  });
});
