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

/** Visible width of a line: escape sequences take no columns. */
function visible(text: string): string {
  return text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/[\r\n\t]/g, ' ');
}

/** `text` cut to `width` columns (an ellipsis marks the cut), so a terminal never wraps it. */
export function fitWidth(text: string, width: number): string {
  const plain = visible(text);
  const chars = [...plain];
  if (width < 2) return '';
  return chars.length < width ? plain : `${chars.slice(0, width - 2).join('')}…`;
}

/**
 * A one-line status that redraws itself in place on a TTY, cut to the terminal's width (a
 * wrapped line could not be redrawn: it would scroll), and prints plain lines otherwise, at
 * most one per `plainEveryMs`.
 */
export class StatusLine {
  private last = 0;
  private shown = false;
  constructor(
    private readonly stream: Pick<NodeJS.WriteStream, 'write' | 'isTTY' | 'columns'> = process.stderr,
    private readonly plainEveryMs = 5000,
  ) {}

  update(text: string): void {
    if (this.stream.isTTY) {
      this.stream.write(`\r\x1b[K${fitWidth(text, this.stream.columns || 80)}`);
      this.shown = true;
    } else if (Date.now() - this.last >= this.plainEveryMs) {
      this.last = Date.now();
      this.stream.write(visible(text) + '\n');
    }
  }

  /** Ends the status line so that the next output starts on a fresh line. */
  done(): void {
    if (this.shown) this.stream.write('\r\x1b[K');
    this.shown = false;
  }
}

/**
 * Log lines above a status line. A line equal to the one before it is not printed again; the
 * next different line is preceded by "(repeated N times)", as syslog does.
 */
export class LogLines {
  private previous: string | null = null;
  private repeats = 0;
  constructor(
    private readonly write: (line: string) => void,
    private readonly status?: StatusLine,
  ) {}

  line(text: string): void {
    if (text === this.previous) {
      this.repeats++;
      return;
    }
    this.status?.done();
    if (this.repeats) this.write(`(repeated ${this.repeats} more time${this.repeats > 1 ? 's' : ''})`);
    this.previous = text;
    this.repeats = 0;
    this.write(text);
  }
}

/** A user mistake on the command line: "hashlane <command>: <message>" and exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A command that could not do its work (node unreachable, wrong passphrase...): exit code 1. */
export class CliError extends Error {
  override name = 'CliError';
}

/**
 * Prints one line "hashlane <command>: <message>" on stderr and sets the exit code (2 for
 * usage errors, 1 otherwise). Never a stack: an unexpected error is still one line, with a
 * hint how to see its stack (HASHLANE_DEBUG=1).
 */
export function exitWith(command: string, err: unknown): void {
  const e = err as Error;
  const known = e instanceof Error && e.constructor !== Error && e.constructor !== TypeError && e.constructor !== RangeError;
  let message = e instanceof Error ? e.message : String(err);
  message = message.split('\n')[0]!.trim() || (e?.name ?? 'error');
  if (!known && process.env.HASHLANE_DEBUG) process.stderr.write(`${e?.stack ?? String(err)}\n`);
  const hint = known || process.env.HASHLANE_DEBUG ? '' : ' (HASHLANE_DEBUG=1 shows where)';
  process.stderr.write(`hashlane${command ? ` ${command}` : ''}: ${message}${hint}\n`);
  process.exitCode = err instanceof UsageError ? 2 : 1;
}
