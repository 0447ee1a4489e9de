// Runs the built CLI (dist/cli/main.js) as a user would, bounded in time.
import { execFile, spawn } from 'node:child_process';
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

export interface RunningCli {
  /** The child's process id (for a test that kills it with another signal). */
  pid: number;
  /** Resolves with the exit code once the process has exited by itself or by stop(). */
  exit: Promise<number | null>;
  output(): string;
  /** Resolves with the first match of `re` in stdout + stderr; rejects after `ms` or when the process exits first. */
  waitFor(re: RegExp, ms?: number): Promise<RegExpExecArray>;
  /** Sends `signal` and resolves with the exit code (kills it after `ms`). */
  stop(signal?: NodeJS.Signals, ms?: number): Promise<number | null>;
}

/** Starts a long-running CLI command (a node, a pool miner). */
export function startCli(args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string } = {}): RunningCli {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: opts.cwd, env: { ...process.env, HASHLANE_PASSPHRASE: undefined, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((ok) => child.once('exit', (code, sig) => ok((exitCode = code ?? (sig ? 128 + (sig === 'SIGINT' ? 2 : 15) : null)))));
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return {
    pid: child.pid ?? 0,
    exit: exited,
    output: () => out,
    async waitFor(re, ms = 30_000) {
      const end = Date.now() + ms;
      for (;;) {
        const m = re.exec(out);
        if (m) return m;
        if (exitCode !== undefined) throw new Error(`${args.join(' ')} exited (${exitCode}) before printing ${re}:\n${out}`);
        if (Date.now() > end) throw new Error(`${args.join(' ')}: no ${re} within ${ms} ms:\n${out}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async stop(signal = 'SIGINT', ms = 15_000) {
      if (exitCode !== undefined) return exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
