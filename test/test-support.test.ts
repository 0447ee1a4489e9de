// The test machinery itself: the Chromium finder's three outcomes and the closing summary
// lines agreeing with vitest's own counts (a file that fails to load included).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findChromium, SYSTEM_CHROMIUM_PATHS } from './support/chromium.js';

describe('findChromium', () => {
  const none = () => false;
  it('uses CHROMIUM_PATH when it exists', () => {
    expect(findChromium({ CHROMIUM_PATH: '/opt/c/chrome' }, (p) => p === '/opt/c/chrome')).toMatchObject({ path: '/opt/c/chrome', mode: 'run' });
  });

  it('a CHROMIUM_PATH that does not exist hides the system paths and skips with the install hint', () => {
    const r = findChromium({ CHROMIUM_PATH: '/nonexistent/chromium' }, (p) => SYSTEM_CHROMIUM_PATHS.includes(p));
    expect(r.path).toBeNull();
    expect(r.mode).toBe('skip');
    expect(r.notice).toMatch(/^BROWSER TESTS SKIPPED: CHROMIUM_PATH=\/nonexistent\/chromium does not exist;.*apt-get install chromium.*CHROMIUM_PATH/);
    expect(r.notice).not.toContain('\n');
  });

  it('falls back to the system paths in order', () => {
    expect(findChromium({}, (p) => p === '/usr/bin/chromium-browser' || p === '/usr/bin/google-chrome').path).toBe('/usr/bin/chromium-browser');
    expect(findChromium({}, none)).toMatchObject({ path: null, mode: 'skip' });
  });

  it('under CI a missing browser is a failure, not a skip', () => {
    const r = findChromium({ CI: 'true' }, none);
    expect(r.mode).toBe('fail');
    expect(r.notice).toMatch(/CI is set/);
    expect(findChromium({ CI: 'false' }, none).mode).toBe('skip');
  });
});

describe('summary reporter', () => {
  it('prints the same file and test counts as vitest, a file that fails to load counted as a failed file', async () => {
    const dir = fileURLToPath(new URL('./fixtures/summary/', import.meta.url));
    const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
    const out = await new Promise<string>((ok) =>
      execFile(
        process.execPath,
        [vitest, 'run', '--root', dir],
        { timeout: 60_000, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CI: '' } },
        (_err, stdout) => ok(stdout),
      ),
    );
    expect(out).toMatch(/Test Files\s+1 failed \| 1 passed \(2\)|Test Files\s+2 failed \(2\)/);
    const vFiles = /Test Files\s+(.*)\(/.exec(out)![1]!;
    const vTests = /Tests\s+(.*)\(/.exec(out)![1]!;
    const n = (s: string, what: string) => Number(new RegExp(`(\\d+) ${what}`).exec(s)?.[1] ?? 0);
    const ours = (label: string) => /^(?:test files|tests): (\d+) passed, (\d+) failed, (\d+) skipped/m.exec(out.split('\n').find((l) => l.startsWith(label + ':'))!)!;
    const f = ours('test files');
    const t = ours('tests');
    expect([Number(f[1]), Number(f[2])]).toEqual([n(vFiles, 'passed'), n(vFiles, 'failed')]);
    expect([Number(t[1]), Number(t[2]), Number(t[3])]).toEqual([n(vTests, 'passed'), n(vTests, 'failed'), n(vTests, 'skipped')]);
    expect([Number(t[1]), Number(t[2])]).toEqual([1, 1]);
    expect(n(vFiles, 'failed')).toBeGreaterThanOrEqual(1);
  });
});
