// Small output helpers shared by CLI commands.

/** Hashes per second with a unit: "7.21 MH/s". */
export function rate(hps: number): string {
  if (hps >= 1e9) return `${(hps / 1e9).toFixed(2)} GH/s`;
  if (hps >= 1e6) return `${(hps / 1e6).toFixed(2)} MH/s`;
  if (hps >= 1e3) return `${(hps / 1e3).toFixed(2)} kH/s`;
  return `${hps.toFixed(0)} H/s`;
}

/** Elapsed milliseconds as h:mm:ss or m:ss. */
export function elapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

/** A one-line status that rewrites itself on a TTY and prints plain lines otherwise. */
export class StatusLine {
  private last = 0;
  private shown = false;
  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly plainEveryMs = 5000,
  ) {}

  update(text: string): void {
    if (this.stream.isTTY) {
      const width = this.stream.columns || 120;
      this.stream.write(`\r\x1b[K${text.slice(0, width - 1)}`);
      this.shown = true;
    } else if (Date.now() - this.last >= this.plainEveryMs) {
      this.last = Date.now();
      this.stream.write(text + '\n');
    }
  }

  /** Ends the status line so that the next output starts on a fresh line. */
  done(): void {
    if (this.shown) this.stream.write('\n');
    this.shown = false;
  }
}

/** A usage error: printed as "hashlane <cmd>: <message>" with exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function exitWith(command: string, err: unknown): void {
  const e = err as Error;
  process.stderr.write(`hashlane ${command}: ${e?.message ?? String(err)}\n`);
  process.exitCode = err instanceof UsageError ? 2 : 1;
}
