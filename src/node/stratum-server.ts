import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { difficultyToTarget } from '../pow/compact.js';
import { remoteAddress, resolveLimits, Slots, type Limits } from './limits.js';
import { TokenBucket } from './rate.js';

/**
 * A unit of Stratum work. The coinbase transaction is coinb1 || extranonce1 || extranonce2 ||
 * coinb2 and its txid is sha256d of those bytes; `merkleBranch` holds the sibling hashes on
 * the coinbase's path to the root (internal byte order), as in Bitcoin.
 */
export interface StratumJob {
  /** Previous block hash, internal byte order. */
  prevHash: Uint8Array;
  coinb1: Uint8Array;
  coinb2: Uint8Array;
  merkleBranch: Uint8Array[];
  version: number;
  bits: number;
  time: number;
  /** The network target the block hash must meet. */
  target: bigint;
  /** Anything the backend needs to turn a solved header back into a block. */
  context?: unknown;
}

export interface StratumBackend {
  /** Work on the current tip; called for every new connection and on every tip change. */
  job(): StratumJob | Promise<StratumJob>;
  /**
   * A share met the network target: build the block and submit it. Resolves to null when the
   * block joined the active chain, SIDE_CHAIN when it is valid but on a side chain, or a
   * reject reason.
   */
  submitBlock(job: StratumJob, coinbase: Uint8Array, header: Uint8Array): Promise<string | null>;
}

export interface StratumServerOptions {
  host?: string;
  port?: number;
  /** Share difficulty (Bitcoin difficulty-1 units); capped at the network difficulty. */
  difficulty?: number;
  extranonce2Size?: number;
  /** Re-send work without a new tip this often (new transactions, fresh time), ms. */
  refreshMs?: number;
  /** Lowest difficulty mining.suggest_difficulty may ask for (the network difficulty caps it above). */
  minDifficulty?: number;
  limits?: Partial<Limits>;
}

/** What a backend answers for a valid block that did not become the tip. */
export const SIDE_CHAIN = 'side-chain';

/** Stratum's error codes (the de-facto list from the original pool servers). */
export const StratumErr = {
  OTHER: 20,
  JOB_NOT_FOUND: 21,
  DUPLICATE: 22,
  LOW_DIFFICULTY: 23,
  UNAUTHORIZED: 24,
  NOT_SUBSCRIBED: 25,
} as const;

/** The difficulty-1 target (bdiff): 0x00000000ffff0000...0000. */
export const DIFF1_TARGET = 0xffffn << 208n;

/** Share difficulty of a target; the inverse is pow's difficultyToTarget, which our Stratum client uses too. */
export function targetToDifficulty(target: bigint): number {
  // Floats keep ~16 digits over the whole range, which devnets (difficulty << 1) need.
  return Number(DIFF1_TARGET) / Number(target === 0n ? 1n : target);
}

const sha256d = (b: Uint8Array): Uint8Array =>
  new Uint8Array(createHash('sha256').update(createHash('sha256').update(b).digest()).digest());
const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const be32 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');

/** Stratum sends prevhash with each 4-byte word byte-swapped. */
function swap32(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i += 4) {
    out[i] = b[i + 3]!;
    out[i + 1] = b[i + 2]!;
    out[i + 2] = b[i + 1]!;
    out[i + 3] = b[i]!;
  }
  return out;
}

function leToBigInt(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
}

/** The 80-byte header for a share (Bitcoin layout). */
export function shareHeader(job: StratumJob, coinbase: Uint8Array, ntime: number, nonce: number, version = job.version): Uint8Array {
  let root = sha256d(coinbase);
  for (const h of job.merkleBranch) {
    const pair = new Uint8Array(64);
    pair.set(root, 0);
    pair.set(h, 32);
    root = sha256d(pair);
  }
  const header = new Uint8Array(80);
  const dv = new DataView(header.buffer);
  dv.setInt32(0, version | 0, true);
  header.set(job.prevHash, 4);
  header.set(root, 36);
  dv.setUint32(68, ntime >>> 0, true);
  dv.setUint32(72, job.bits >>> 0, true);
  dv.setUint32(76, nonce >>> 0, true);
  return header;
}

interface Client {
  socket: Socket;
  address: string;
  /** Lines not yet handled, handled one at a time in arrival order. */
  queue: string[];
  busy: boolean;
  bucket: TokenBucket;
  timer: ReturnType<typeof setTimeout> | null;
  extranonce1: Uint8Array;
  subscribed: boolean;
  authorized: boolean;
  worker: string;
  difficulty: number;
  buffer: string;
  accepted: number;
  rejected: number;
}

interface LiveJob {
  id: string;
  job: StratumJob;
  seen: Set<string>;
  /** Its block joined the active chain: every later solution for it is stale. */
  solved: boolean;
}

/**
 * A Stratum V1 server (line-delimited JSON-RPC over TCP): mining.subscribe with a
 * per-connection extranonce1, mining.authorize, mining.set_difficulty, mining.notify on
 * every new tip, mining.submit checked against the share target, and a block handed to
 * the backend when a share meets the network target. Emits 'share' and 'block'.
 */
export class StratumServer extends EventEmitter {
  private server: Server | null = null;
  private readonly clients = new Set<Client>();
  private readonly jobs = new Map<string, LiveJob>();
  private current: LiveJob | null = null;
  private jobSeq = 0;
  private en1Seq = 0;
  private readonly en1Prefix = sha256d(new Uint8Array(Buffer.from(String(process.pid) + Date.now()))).subarray(0, 2);
  private refreshTimer: ReturnType<typeof setInterval> | null = null;
  private readonly opts: Required<Omit<StratumServerOptions, 'limits'>>;
  private readonly limits: Limits;
  private readonly slots: Slots;
  /** Block candidates go to the backend one at a time, so "solved" is known before the next is judged. */
  private blockQueue: Promise<unknown> = Promise.resolve();
  sharesAccepted = 0;
  sharesRejected = 0;
  blocksFound = 0;

  constructor(private readonly backend: StratumBackend, opts: StratumServerOptions = {}) {
    super();
    const { limits, ...rest } = opts;
    this.opts = { host: '127.0.0.1', port: 0, difficulty: 1, extranonce2Size: 4, refreshMs: 30_000, minDifficulty: 0.001, ...rest };
    this.limits = resolveLimits(limits);
    this.slots = new Slots(this.limits.stratumMaxConnections, this.limits.stratumMaxPerAddress);
  }

  async listen(): Promise<number> {
    const server = createServer((s) => this.onConnection(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.report(err));
    this.refreshTimer = setInterval(() => void this.newWork(false), this.opts.refreshMs);
    this.refreshTimer.unref?.();
    return (server.address() as { port: number }).port;
  }

  get port(): number {
    return (this.server?.address() as { port: number } | null)?.port ?? 0;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  async close(): Promise<void> {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    for (const c of this.clients) c.socket.destroy();
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Call on every new tip (clean: miners drop old work) or to refresh the template. */
  async newWork(clean = true): Promise<void> {
    if (!this.server) return;
    let job: StratumJob;
    try {
      job = await this.backend.job();
    } catch (err) {
      this.report(err);
      return;
    }
    const live = this.addJob(job, clean);
    for (const c of this.clients) if (c.subscribed) this.notify(c, live, clean);
  }

  private addJob(job: StratumJob, clean: boolean): LiveJob {
    const live: LiveJob = { id: (++this.jobSeq).toString(16), job, seen: new Set(), solved: false };
    if (clean) this.jobs.clear();
    this.jobs.set(live.id, live);
    if (this.jobs.size > 16) this.jobs.delete(this.jobs.keys().next().value!);
    this.current = live;
    return live;
  }

  private onConnection(socket: Socket): void {
    const address = remoteAddress(socket.remoteAddress);
    const release = this.slots.take(address);
    if (!release) {
      socket.destroy();
      return;
    }
    const L = this.limits;
    const en1 = new Uint8Array(4);
    en1.set(this.en1Prefix, 0);
    new DataView(en1.buffer).setUint16(2, ++this.en1Seq & 0xffff, false);
    const c: Client = {
      socket,
      address,
      queue: [],
      busy: false,
      bucket: new TokenBucket(L.stratumRate, L.stratumBurst),
      timer: null,
      extranonce1: en1,
      subscribed: false,
      authorized: false,
      worker: '',
      difficulty: this.opts.difficulty,
      buffer: '',
      accepted: 0,
      rejected: 0,
    };
    this.clients.add(c);
    this.arm(c);
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      c.buffer += chunk;
      let nl: number;
      while ((nl = c.buffer.indexOf('\n')) >= 0) {
        const line = c.buffer.slice(0, nl).trim();
        c.buffer = c.buffer.slice(nl + 1);
        if (!line) continue;
        if (!c.bucket.take(1)) return this.drop(c, `over ${L.stratumRate} lines per second`);
        if (c.queue.length >= L.stratumMaxQueued) return this.drop(c, `over ${L.stratumMaxQueued} lines waiting`);
        c.queue.push(line);
      }
      if (c.buffer.length > L.stratumMaxLineBytes) return this.drop(c, `line over ${L.stratumMaxLineBytes} bytes`);
      void this.pump(c);
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      if (c.timer) clearTimeout(c.timer);
      c.queue.length = 0;
      this.clients.delete(c);
      release();
    });
  }

  /** Handshake timeout until subscribed and authorized, then the idle timeout; re-armed on every line. */
  private arm(c: Client): void {
    if (c.timer) clearTimeout(c.timer);
    const ready = c.subscribed && c.authorized;
    const ms = ready ? this.limits.stratumIdleMs : this.limits.stratumHandshakeMs;
    c.timer = setTimeout(() => this.drop(c, ready ? 'idle' : 'no mining.subscribe and mining.authorize in time'), ms);
    c.timer.unref?.();
  }

  /** 'error' without a listener would throw from inside our own guards; then it is dropped. */
  private report(err: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  private drop(c: Client, reason: string): void {
    if (c.socket.destroyed) return;
    this.emit('disconnect', { address: c.address, worker: c.worker, reason });
    c.queue.length = 0;
    c.socket.destroy();
  }

  /** Handles queued lines strictly one after another: a submit finishes before the next line is read. */
  private async pump(c: Client): Promise<void> {
    if (c.busy) return;
    c.busy = true;
    try {
      while (c.queue.length && !c.socket.destroyed) {
        const line = c.queue.shift()!;
        try {
          await this.onLine(c, line);
        } catch (err) {
          // A bug or a backend failure on one line must not take the server down or stall the queue.
          this.report(err);
          this.send(c, { id: null, result: null, error: [StratumErr.OTHER, 'internal error', null] });
        }
        this.arm(c);
      }
    } finally {
      c.busy = false;
    }
  }

  private send(c: Client, msg: unknown): void {
    if (c.socket.destroyed) return;
    c.socket.write(JSON.stringify(msg) + '\n');
    // A miner that does not read would make us buffer without end.
    if (c.socket.writableLength > this.limits.stratumMaxOutBytes) this.drop(c, `over ${this.limits.stratumMaxOutBytes} bytes unread`);
  }

  private async onLine(c: Client, line: string): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      this.send(c, { id: null, result: null, error: [StratumErr.OTHER, 'parse error: not JSON', null] });
      return;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      this.send(c, { id: null, result: null, error: [StratumErr.OTHER, 'a request must be a JSON object with id, method and params', null] });
      return;
    }
    const req = parsed as { id?: unknown; method?: unknown; params?: unknown };
    // Echo only ids a JSON-RPC client can have sent; anything else would be reflected back.
    const id = typeof req.id === 'number' || typeof req.id === 'string' ? req.id : null;
    const params = Array.isArray(req.params) ? req.params : [];
    const ok = (result: unknown) => this.send(c, { id, result, error: null });
    const fail = (code: number, msg: string) => this.send(c, { id, result: null, error: [code, msg, null] });
    switch (req.method) {
      case 'mining.subscribe': {
        c.subscribed = true;
        const sub = hex(c.extranonce1);
        ok([[['mining.set_difficulty', sub], ['mining.notify', sub]], hex(c.extranonce1), this.opts.extranonce2Size]);
        let live = this.current;
        if (!live) {
          try {
            live = this.addJob(await this.backend.job(), true);
          } catch (err) {
            this.report(err);
            return;
          }
        }
        this.notify(c, live, true);
        return;
      }
      case 'mining.authorize':
        c.authorized = true;
        c.worker = typeof params[0] === 'string' ? params[0].slice(0, 128) : '';
        ok(true);
        return;
      case 'mining.extranonce.subscribe':
        ok(true);
        return;
      case 'mining.configure': {
        // BIP 310: one answer per requested extension. None is supported (version rolling
        // would change a consensus field here), so each is answered false.
        const exts = params[0];
        if (!Array.isArray(exts) || exts.length > 16 || !exts.every((e) => typeof e === 'string' && e.length <= 64)) {
          return fail(StratumErr.OTHER, 'mining.configure expects [extensions: string[], options: object]');
        }
        ok(Object.fromEntries(exts.map((e) => [e, false])));
        return;
      }
      case 'mining.suggest_difficulty': {
        const raw = params[0];
        const d = typeof raw === 'number' ? raw : typeof raw === 'string' && /^[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$/.test(raw.trim()) ? Number(raw) : NaN;
        if (!Number.isFinite(d) || d <= 0) return fail(StratumErr.OTHER, `mining.suggest_difficulty expects a positive number, got ${JSON.stringify(raw)?.slice(0, 40)}`);
        // Below the minimum a miner would flood us with shares; above the network nothing more is learnt.
        const network = this.current ? targetToDifficulty(this.current.job.target) : Infinity;
        c.difficulty = Math.min(network, Math.max(this.opts.minDifficulty, d));
        ok(true);
        if (this.current && c.subscribed) this.notify(c, this.current, false);
        return;
      }
      case 'mining.submit':
        return this.onSubmit(c, params, ok, fail);
      default:
        fail(StratumErr.OTHER, `unknown method ${JSON.stringify(req.method)?.slice(0, 64)}`);
    }
  }

  private shareDifficulty(c: Client, job: StratumJob): number {
    return Math.min(c.difficulty, targetToDifficulty(job.target));
  }

  private notify(c: Client, live: LiveJob, clean: boolean): void {
    const j = live.job;
    this.send(c, { id: null, method: 'mining.set_difficulty', params: [this.shareDifficulty(c, j)] });
    this.send(c, {
      id: null,
      method: 'mining.notify',
      params: [live.id, hex(swap32(j.prevHash)), hex(j.coinb1), hex(j.coinb2), j.merkleBranch.map(hex), be32(j.version), be32(j.bits), be32(j.time), clean],
    });
  }

  private async onSubmit(c: Client, params: unknown[], ok: (r: unknown) => void, fail: (code: number, msg: string) => void): Promise<void> {
    const reject = (code: number, msg: string) => {
      c.rejected++;
      this.sharesRejected++;
      this.emit('share', { worker: c.worker, accepted: false, reason: msg });
      fail(code, msg);
    };
    if (!c.subscribed) return reject(StratumErr.NOT_SUBSCRIBED, 'not subscribed');
    if (!c.authorized) return reject(StratumErr.UNAUTHORIZED, 'unauthorized worker');
    const [, jobId, en2Hex, ntimeHex, nonceHex] = params;
    const en2Len = this.opts.extranonce2Size * 2;
    if (typeof jobId !== 'string') return reject(StratumErr.OTHER, 'job id must be a string');
    if (typeof en2Hex !== 'string' || en2Hex.length !== en2Len || !/^[0-9a-fA-F]+$/.test(en2Hex)) {
      return reject(StratumErr.OTHER, `extranonce2 must be ${this.opts.extranonce2Size} bytes of hex`);
    }
    if (typeof ntimeHex !== 'string' || !/^[0-9a-fA-F]{8}$/.test(ntimeHex)) return reject(StratumErr.OTHER, 'ntime must be 8 hex digits');
    if (typeof nonceHex !== 'string' || !/^[0-9a-fA-F]{8}$/.test(nonceHex)) return reject(StratumErr.OTHER, 'nonce must be 8 hex digits');
    const live = this.jobs.get(jobId);
    if (!live || live.solved) return reject(StratumErr.JOB_NOT_FOUND, 'job not found (stale)');
    const ntime = parseInt(ntimeHex, 16);
    const nonce = parseInt(nonceHex, 16);
    const job = live.job;
    if (ntime < job.time || ntime > Math.floor(Date.now() / 1000) + 600) return reject(StratumErr.OTHER, 'ntime out of range');
    const key = `${hex(c.extranonce1)}:${en2Hex.toLowerCase()}:${ntimeHex.toLowerCase()}:${nonceHex.toLowerCase()}`;
    if (live.seen.has(key)) return reject(StratumErr.DUPLICATE, 'duplicate share');
    live.seen.add(key);
    const en2 = new Uint8Array(Buffer.from(en2Hex, 'hex'));
    const coinbase = new Uint8Array(job.coinb1.length + 4 + en2.length + job.coinb2.length);
    coinbase.set(job.coinb1, 0);
    coinbase.set(c.extranonce1, job.coinb1.length);
    coinbase.set(en2, job.coinb1.length + c.extranonce1.length);
    coinbase.set(job.coinb2, job.coinb1.length + c.extranonce1.length + en2.length);
    const header = shareHeader(job, coinbase, ntime, nonce);
    const hash = sha256d(header);
    const value = leToBigInt(hash);
    const shareTarget = difficultyToTarget(this.shareDifficulty(c, job));
    if (value > shareTarget && value > job.target) return reject(StratumErr.LOW_DIFFICULTY, 'low difficulty share');
    if (value <= job.target) {
      const task = this.blockQueue.then(async () => {
        // A solution for this job already became the tip (from this or another miner).
        if (live.solved) return 'stale';
        const why = await this.backend.submitBlock(job, coinbase, header).catch((e: Error) => e.message);
        if (why === null) live.solved = true;
        return why;
      });
      this.blockQueue = task.catch(() => {});
      const why = await task;
      if (why === 'stale') return reject(StratumErr.JOB_NOT_FOUND, 'job not found (stale)');
      // As pools do with a block that lost the race: a stale share, neither accepted nor a found block.
      if (why === SIDE_CHAIN) return reject(StratumErr.JOB_NOT_FOUND, 'stale: the block went to a side chain (inconclusive)');
      if (why !== null) return reject(StratumErr.OTHER, `block rejected: ${why}`);
      this.blocksFound++;
      this.emit('block', { worker: c.worker, hash: hex(hash.slice().reverse()) });
    }
    c.accepted++;
    this.sharesAccepted++;
    this.emit('share', { worker: c.worker, accepted: true });
    ok(true);
  }
}
