// Runs the built CLI (dist/cli/main.js) as a user would, bounded in time.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((ok) => {
    const child = execFile(
      process.execPath,
      [MAIN, ...args],
      { env: { ...process.env, HASHLANE_PASSPHRASE: undefined, ...opts.env }, cwd: opts.cwd, timeout: opts.timeoutMs ?? 30_000 },
      (err, stdout, stderr) => ok({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end();
  });
}
