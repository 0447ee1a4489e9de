// A Stratum V1 mining client (the protocol cgminer, bfgminer and pools speak: JSON-RPC
// lines over TCP). The socket comes through StratumTransport, so this file runs anywhere;
// src/cli/stratum-tcp.ts is the Node TCP transport.
import { type WorkerPool } from '../engine/workers.js';
import { difficultyToTarget, hashDifficulty } from './compact.js';
import { mine, type MineProgress } from './miner.js';
import { StratumProtocolError, buildHeader, extranonce2Hex, parseNotify, u32Hex, type StratumJob } from './stratum-job.js';

/** One open connection: text in, text out. */
export interface StratumConnection {
  write(text: string): void;
  close(): void;
}

export interface StratumHandlers {
  onData(text: string): void;
  onClose(err?: Error): void;
}

/** Opens a connection to host:port and feeds it to the handlers. */
export type StratumTransport = (host: string, port: number, handlers: StratumHandlers) => Promise<StratumConnection>;

export interface StratumStats {
  connected: boolean;
  accepted: number;
  rejected: number;
  submitted: number;
  difficulty: number;
  jobId: string | null;
  hashesPerSecond: number;
  perThread: number[];
  connections: number;
}

export interface StratumOptions {
  /** stratum+tcp://host:port */
  url: string;
  user: string;
  pass?: string;
  transport: StratumTransport;
  threads?: number;
  pool?: WorkerPool;
  /** Reconnect backoff: starts at minMs, doubles up to maxMs (defaults 1 s, 60 s). */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** First extranonce2 counter of each job (default 0). */
  extranonce2Start?: bigint;
  /** First nonce of each header (default 0); tests start near a known share. */
  startNonce?: number;
  userAgent?: string;
  onStatus?: (s: StratumStats) => void;
  /** Called for each share answer from the pool. */
  onShare?: (share: { jobId: string; extranonce2: string; ntime: string; nonce: string; difficulty: number; accepted: boolean; error?: unknown }) => void;
  onError?: (err: Error) => void;
  /** Every log line worth showing a user (connects, jobs, errors). */
  onLog?: (line: string) => void;
}

interface Pending {
  resolve(result: unknown): void;
  reject(err: Error): void;
}

/** Thrown when the pool refuses mining.authorize (no reconnect helps). */
export class StratumAuthError extends Error {
  override name = 'StratumAuthError';
}

/** Parses stratum+tcp://host:port. */
export function parseStratumUrl(url: string): { host: string; port: number } {
  const m = /^stratum\+tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})\/?$/.exec(url);
  const port = m ? Number(m[2]) : 0;
  if (!m || port < 1 || port > 65535) {
    throw new RangeError(`pool URL must look like stratum+tcp://host:port, got ${JSON.stringify(url)}`);
  }
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

export class StratumClient {
  readonly stats: StratumStats = {
    connected: false,
    accepted: 0,
    rejected: 0,
    submitted: 0,
    difficulty: 1,
    jobId: null,
    hashesPerSecond: 0,
    perThread: [],
    connections: 0,
  };
  private readonly host: string;
  private readonly port: number;
  private conn: StratumConnection | null = null;
  /** The difficulty last logged on this connection (null: none yet). */
  private announcedDifficulty: number | null = null;
  private buffer = '';
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private extranonce1 = '';
  private extranonce2Size = 4;
  private job: StratumJob | null = null;
  // extranonce2 counter of the job mined last: restarting the same job (new difficulty,
  // new extranonce, reconnect) continues after it, so no share is found and sent twice.
  private counterJob: string | null = null;
  private counter = 0n;
  private work: AbortController | null = null;
  private working: Promise<void> = Promise.resolve();
  private stopped = false;
  private backoff: number;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private done!: () => void;
  private readonly finished = new Promise<void>((r) => (this.done = r));

  constructor(private readonly opts: StratumOptions) {
    ({ host: this.host, port: this.port } = parseStratumUrl(opts.url));
    if (typeof opts.user !== 'string' || !opts.user) throw new TypeError('a pool user (-u) is required');
    this.backoff = opts.reconnectMinMs ?? 1000;
  }

  /** Connects and mines until stop(); resolves when stopped. */
  start(): Promise<void> {
    void this.connect();
    return this.finished;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.work?.abort();
    this.conn?.close();
    this.conn = null;
    await this.working;
    this.done();
  }

  private log(line: string): void {
    this.opts.onLog?.(line);
  }

  private status(): void {
    this.opts.onStatus?.({ ...this.stats });
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.buffer = '';
    try {
      this.conn = await this.opts.transport(this.host, this.port, {
        onData: (text) => this.onData(text),
        onClose: (err) => this.onClose(err),
      });
      if (this.stopped) {
        this.conn.close();
        return;
      }
      this.stats.connections++;
      this.announcedDifficulty = null;
      this.log(`connected to ${this.host}:${this.port}`);
      const sub = (await this.call('mining.subscribe', [this.opts.userAgent ?? 'hashlane/0.1'])) as unknown[];
      if (!Array.isArray(sub) || typeof sub[1] !== 'string' || typeof sub[2] !== 'number') {
        throw new StratumProtocolError(`unexpected mining.subscribe result ${JSON.stringify(sub)}`);
      }
      this.setExtranonce(sub[1], sub[2]);
      const ok = await this.call('mining.authorize', [this.opts.user, this.opts.pass ?? 'x']);
      if (ok !== true) throw new StratumAuthError(`the pool refused mining.authorize for user ${JSON.stringify(this.opts.user)}`);
      // Ask for mining.set_extranonce (NiceHash's extension); pools that lack it answer with an error.
      this.call('mining.extranonce.subscribe', []).catch(() => {});
      this.stats.connected = true;
      this.backoff = this.opts.reconnectMinMs ?? 1000;
      this.status();
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private fail(err: Error): void {
    this.opts.onError?.(err);
    this.log(`error: ${err.message}`);
    if (err instanceof StratumAuthError) {
      void this.stop();
      return;
    }
    this.conn?.close();
    this.onClose(err);
  }

  private onClose(err?: Error): void {
    if (this.retryTimer) return;
    this.conn = null;
    this.stats.connected = false;
    for (const p of this.pending.values()) p.reject(new Error('connection closed'));
    this.pending.clear();
    this.work?.abort();
    if (this.stopped) return;
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.opts.reconnectMaxMs ?? 60_000);
    this.log(`disconnected${err ? ` (${err.message})` : ''}; reconnecting in ${wait} ms`);
    this.status();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, wait);
  }

  private call(method: string, params: unknown[]): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!this.conn) return reject(new Error('not connected'));
      this.pending.set(id, { resolve, reject });
      this.conn.write(JSON.stringify({ id, method, params }) + '\n');
    });
  }

  private onData(text: string): void {
    this.buffer += text;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (!line) continue;
      let msg: any;
      try {
        msg = JSON.parse(line);
      } catch {
        this.log(`ignoring a line that is not JSON: ${line.slice(0, 120)}`);
        continue;
      }
      try {
        this.onMessage(msg);
      } catch (err) {
        this.opts.onError?.(err as Error);
        this.log(`error: ${(err as Error).message}`);
      }
    }
    if (this.buffer.length > 1 << 20) this.fail(new StratumProtocolError('a line from the pool exceeds 1 MiB'));
  }

  private onMessage(msg: any): void {
    if (msg.method === undefined && msg.id !== undefined && msg.id !== null) {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error) p.reject(new Error(`pool error: ${JSON.stringify(msg.error)}`));
      else p.resolve(msg.result);
      return;
    }
    switch (msg.method) {
      case 'mining.set_difficulty': {
        const d = Number(msg.params?.[0]);
        if (!(d > 0)) throw new StratumProtocolError(`mining.set_difficulty needs a positive difficulty, got ${JSON.stringify(msg.params)}`);
        // Pools resend the same difficulty before every job: only a change is news (or work).
        if (d === this.announcedDifficulty) break;
        this.announcedDifficulty = d;
        this.stats.difficulty = d;
        this.log(`pool difficulty ${d}`);
        this.status();
        // Takes effect at once: the current job restarts with the new share target.
        if (this.job) this.startJob(this.job);
        break;
      }
      case 'mining.notify': {
        const job = parseNotify(msg.params);
        this.log(`job ${job.jobId}${job.cleanJobs ? ' (clean)' : ''}`);
        this.startJob(job);
        break;
      }
      case 'mining.set_extranonce': {
        const [e1, size] = msg.params ?? [];
        this.setExtranonce(e1, size);
        if (this.job) this.startJob(this.job);
        break;
      }
      case 'client.reconnect':
        this.conn?.close();
        break;
      default:
        if (msg.id !== undefined && msg.method) this.conn?.write(JSON.stringify({ id: msg.id, result: null, error: [20, 'unsupported method', null] }) + '\n');
    }
  }

  private setExtranonce(e1: unknown, size: unknown): void {
    if (typeof e1 !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(e1) || typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > 16) {
      throw new StratumProtocolError(`bad extranonce: ${JSON.stringify([e1, size])}`);
    }
    this.extranonce1 = e1.toLowerCase();
    this.extranonce2Size = size;
  }

  /** Replaces the current work with `job`; mining continues in the background. */
  private startJob(job: StratumJob): void {
    this.job = job;
    this.stats.jobId = job.jobId;
    this.work?.abort();
    const ac = new AbortController();
    this.work = ac;
    const previous = this.working;
    this.working = previous.then(() => this.mineJob(job, ac.signal)).catch((err) => {
      if (!ac.signal.aborted) {
        this.opts.onError?.(err as Error);
        this.log(`mining error: ${(err as Error).message}`);
      }
    });
  }

  private async mineJob(job: StratumJob, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const e1 = this.extranonce1;
    const size = this.extranonce2Size;
    const difficulty = this.stats.difficulty;
    const target = difficultyToTarget(difficulty);
    let counter = this.counterJob === job.jobId ? this.counter + 1n : (this.opts.extranonce2Start ?? 0n);
    if (counter >= 1n << BigInt(8 * size)) counter = 0n;
    this.counterJob = job.jobId;
    this.counter = counter;
    let e2 = extranonce2Hex(counter, size);
    let header = buildHeader(job, e1, e2);
    let start = this.opts.startNonce ?? 0;
    const progress = (p: MineProgress) => {
      this.stats.hashesPerSecond = p.hashesPerSecond;
      this.stats.perThread = p.perThread;
      this.status();
    };
    while (!signal.aborted) {
      const found = await mine(header, target, {
        threads: this.opts.threads,
        pool: this.opts.pool,
        signal,
        startNonce: start,
        onProgress: progress,
        // The nonce space of this extranonce2 is used up: roll extranonce2 (a new coinbase,
        // a new merkle root).
        onExhausted: () => {
          counter++;
          if (counter >= 1n << BigInt(8 * size)) return null;
          this.counter = counter;
          e2 = extranonce2Hex(counter, size);
          header = buildHeader(job, e1, e2);
          return header;
        },
      });
      if (!found) return;
      header = found.header;
      start = found.nonce + 1;
      void this.submit(job, e2, found.nonce, found.hash);
      if (start >= 2 ** 32) {
        counter++;
        if (counter >= 1n << BigInt(8 * size)) return;
        this.counter = counter;
        e2 = extranonce2Hex(counter, size);
        header = buildHeader(job, e1, e2);
        start = 0;
      }
    }
  }

  private async submit(job: StratumJob, extranonce2: string, nonce: number, hash: Uint8Array): Promise<void> {
    const share = { jobId: job.jobId, extranonce2, ntime: job.ntime, nonce: u32Hex(nonce), difficulty: hashDifficulty(hash) };
    this.stats.submitted++;
    try {
      const ok = await this.call('mining.submit', [this.opts.user, share.jobId, share.extranonce2, share.ntime, share.nonce]);
      if (ok === true) this.stats.accepted++;
      else this.stats.rejected++;
      this.opts.onShare?.({ ...share, accepted: ok === true });
    } catch (err) {
      this.stats.rejected++;
      this.opts.onShare?.({ ...share, accepted: false, error: err });
    }
    this.status();
  }
}
