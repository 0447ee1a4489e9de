/**
 * Every per-connection limit of every server the node runs, in one table. The README's
 * "Limits" section is this table; `hashlane node --limit name=value` overrides any entry.
 * Numbers are chosen so that an honest miner, page, peer or RPC client never meets them
 * and so that one hostile client costs the node at most about `*MaxOutBytes` of memory.
 */
export interface Limits {
  // JSON-RPC (node:http)
  rpcMaxConnections: number;
  rpcMaxPerAddress: number;
  /** Whole request line + headers must arrive within this (slowloris). */
  rpcHeadersTimeoutMs: number;
  /** Whole request including the body must arrive within this. */
  rpcRequestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  rpcIdleMs: number;
  rpcMaxBodyBytes: number;
  /** Requests per second per remote address (token bucket), and its burst. */
  rpcRate: number;
  rpcBurst: number;

  // Stratum (TCP, line-delimited JSON)
  stratumMaxConnections: number;
  stratumMaxPerAddress: number;
  /** mining.subscribe and mining.authorize must both arrive within this. */
  stratumHandshakeMs: number;
  /** A miner that sends nothing for this long is dropped. */
  stratumIdleMs: number;
  stratumMaxLineBytes: number;
  /** Bytes queued towards a miner that does not read; over it the miner is disconnected. */
  stratumMaxOutBytes: number;
  /** Lines per second per connection, and burst; over it: disconnect. */
  stratumRate: number;
  stratumBurst: number;
  /** Lines received but not yet handled; a client that outruns the queue is disconnected. */
  stratumMaxQueued: number;

  // Web page (HTTP) and its /ws work endpoint
  webMaxConnections: number;
  webMaxPerAddress: number;
  webHeadersTimeoutMs: number;
  webRequestTimeoutMs: number;
  /** `hello` must arrive within this after the WebSocket opens. */
  webHandshakeMs: number;
  webIdleMs: number;
  webMaxOutBytes: number;
  webRate: number;
  webBurst: number;

  // P2P (libp2p peers)
  p2pMaxInbound: number;
  p2pMaxOutbound: number;
  p2pMaxPerAddress: number;
  p2pHandshakeMs: number;
  /** A peer that does not read an answer (or finish a request) for this long is disconnected. */
  p2pStallMs: number;
  /** Headers of one branch held while its work is below ours; a peer sending more is scored. */
  p2pMaxBranchHeaders: number;
  /** Largest frame, bytes (an encoded block or a headers message). */
  p2pMaxMessageBytes: number;
  /** Unsolicited messages per second and burst; over it: misbehaviour points. */
  p2pMsgRate: number;
  p2pMsgBurst: number;
  /** Bytes per second and burst. */
  p2pByteRate: number;
  p2pByteBurst: number;
  /** Misbehaviour points at which a peer is banned (Bitcoin Core: 100). */
  p2pBanScore: number;
}

export const DEFAULT_NODE_LIMITS: Readonly<Limits> = Object.freeze({
  rpcMaxConnections: 64,
  rpcMaxPerAddress: 16,
  rpcHeadersTimeoutMs: 10_000,
  rpcRequestTimeoutMs: 30_000,
  rpcIdleMs: 5_000,
  rpcMaxBodyBytes: 8 << 20,
  rpcRate: 500,
  rpcBurst: 1000,

  stratumMaxConnections: 1024,
  stratumMaxPerAddress: 64,
  stratumHandshakeMs: 15_000,
  stratumIdleMs: 30 * 60_000,
  stratumMaxLineBytes: 64 << 10,
  stratumMaxOutBytes: 1 << 20,
  stratumRate: 100,
  stratumBurst: 500,
  stratumMaxQueued: 256,

  webMaxConnections: 256,
  webMaxPerAddress: 16,
  webHeadersTimeoutMs: 10_000,
  webRequestTimeoutMs: 30_000,
  webHandshakeMs: 10_000,
  webIdleMs: 10 * 60_000,
  webMaxOutBytes: 1 << 20,
  webRate: 100,
  webBurst: 500,

  p2pMaxInbound: 64,
  p2pMaxOutbound: 16,
  p2pMaxPerAddress: 8,
  p2pHandshakeMs: 5_000,
  p2pStallMs: 15_000,
  p2pMaxBranchHeaders: 50_000,
  p2pMaxMessageBytes: 8 << 20,
  p2pMsgRate: 200,
  p2pMsgBurst: 1000,
  p2pByteRate: 16 << 20,
  p2pByteBurst: 48 << 20,
  p2pBanScore: 100,
});

export class LimitError extends Error {
  override name = 'LimitError';
}

/** `name=value` (from `--limit`), checked against the table. */
export function parseLimit(text: string, into: Partial<Limits> = {}): Partial<Limits> {
  const m = /^([A-Za-z0-9]+)=([0-9]+)$/.exec(text);
  if (!m) throw new LimitError(`--limit must be name=integer, got "${text}"`);
  const name = m[1]!;
  if (!(name in DEFAULT_NODE_LIMITS)) throw new LimitError(`--limit: unknown limit "${name}"; expected one of ${Object.keys(DEFAULT_NODE_LIMITS).join(', ')}`);
  const n = Number(m[2]);
  if (!Number.isSafeInteger(n) || n < 1) throw new LimitError(`--limit ${name} must be a positive integer, got "${m[2]}"`);
  return { ...into, [name]: n };
}

export function resolveLimits(partial: Partial<Limits> = {}): Limits {
  return { ...DEFAULT_NODE_LIMITS, ...partial };
}

/**
 * Connection slots: a total and a per-remote-address cap. `take` answers whether a new
 * connection from `addr` may stay; `release` must be called exactly once for every
 * successful `take` (the returned function does that and is idempotent).
 */
export class Slots {
  private readonly perAddress = new Map<string, number>();
  private total = 0;
  constructor(
    private readonly max: number,
    private readonly maxPerAddress: number,
  ) {}

  get size(): number {
    return this.total;
  }

  take(addr: string): (() => void) | null {
    const n = this.perAddress.get(addr) ?? 0;
    if (this.total >= this.max || n >= this.maxPerAddress) return null;
    this.perAddress.set(addr, n + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.perAddress.get(addr) ?? 1) - 1;
      if (left <= 0) this.perAddress.delete(addr);
      else this.perAddress.set(addr, left);
    };
  }
}

/** A socket's remote address without the IPv4-mapped IPv6 prefix. */
export function remoteAddress(addr: string | undefined): string {
  const a = addr ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}
