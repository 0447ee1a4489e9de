import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Where a Chromium or Chrome usually is (Debian/Ubuntu apt and snap, Fedora, macOS). */
export const SYSTEM_CHROMIUM_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/snap/bin/chromium',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

export interface ChromiumLookup {
  /** The executable to launch, or null when there is none. */
  path: string | null;
  /** What the browser tests do: run, skip (with `notice`), or fail because CI demands them. */
  mode: 'run' | 'skip' | 'fail';
  notice: string;
}

type Env = Record<string, string | undefined>;

/**
 * CHROMIUM_PATH, when set, is the only place looked at: naming a browser that is not there
 * is a mistake worth hearing about, not a reason to pick another one (and it lets a test
 * hide the system browser). Otherwise the usual system paths, in order.
 */
export function findChromium(env: Env = process.env, exists: (p: string) => boolean = existsSync): ChromiumLookup {
  const explicit = env.CHROMIUM_PATH;
  const path = explicit ? (exists(explicit) ? explicit : null) : (SYSTEM_CHROMIUM_PATHS.find(exists) ?? null);
  if (path) return { path, mode: 'run', notice: '' };
  const where = explicit ? `CHROMIUM_PATH=${explicit} does not exist` : `no Chromium in ${SYSTEM_CHROMIUM_PATHS.slice(0, 3).join(', ')}, ...`;
  const ci = !!env.CI && env.CI !== 'false' && env.CI !== '0';
  return ci
    ? { path, mode: 'fail', notice: `BROWSER TESTS CANNOT RUN: ${where}; CI is set, so they are required (.ci/run installs Debian's chromium)` }
    : { path, mode: 'skip', notice: `BROWSER TESTS SKIPPED: ${where}; install one (apt-get install chromium) or set CHROMIUM_PATH to a Chromium/Chrome binary` };
}

export const lookup = findChromium();

/** For `describe.skipIf(skipBrowser)`: true only when Chromium is missing and CI is not set. */
export const skipBrowser = lookup.mode === 'skip';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Launches headless Chromium with a fresh profile directory (Playwright takes the profile as
 * launchPersistentContext's argument; it refuses --user-data-dir among the flags).
 * `extraArgs` are added to the flags (the WebGPU tests pass --enable-unsafe-webgpu).
 */
export async function launchChromium(extraArgs: string[] = []): Promise<Chromium> {
  if (!lookup.path) throw new Error(lookup.notice);
  const profile = mkdtempSync(join(tmpdir(), 'hashlane-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: lookup.path,
    headless: true,
    args: [...FLAGS, ...extraArgs],
    timeout: 30_000,
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
