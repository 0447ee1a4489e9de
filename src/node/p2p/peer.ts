import { EventEmitter } from 'node:events';
import type { RawData, WebSocket } from 'ws';
import { parseMessage, ProtocolError, type Hello, type Message } from './messages.js';
import { TokenBucket } from './rate.js';
import { DEFAULT_NODE_LIMITS } from '../limits.js';

export interface PeerLimits {
  /** Largest frame accepted, bytes (ws closes the socket with 1009 above it). */
  maxMessageBytes: number;
  /** Sustained messages per second and burst. */
  msgRate: number;
  msgBurst: number;
  /** Sustained bytes per second and burst. */
  byteRate: number;
  byteBurst: number;
  /** Score at which a peer is disconnected and its address banned. */
  banScore: number;
  handshakeTimeoutMs: number;
  pingIntervalMs: number;
  /** Bytes queued towards a peer that does not read; over it the peer is disconnected. */
  maxSendBuffer: number;
  /** A peer whose queued bytes do not shrink for this long, while answers wait, is disconnected. */
  stallMs: number;
}

/** From the node's limits table (src/node/limits.ts), where they are documented. */
export const DEFAULT_LIMITS: PeerLimits = {
  maxMessageBytes: DEFAULT_NODE_LIMITS.p2pMaxMessageBytes,
  msgRate: DEFAULT_NODE_LIMITS.p2pMsgRate,
  msgBurst: DEFAULT_NODE_LIMITS.p2pMsgBurst,
  byteRate: DEFAULT_NODE_LIMITS.p2pByteRate,
  byteBurst: DEFAULT_NODE_LIMITS.p2pByteBurst,
  banScore: DEFAULT_NODE_LIMITS.p2pBanScore,
  handshakeTimeoutMs: DEFAULT_NODE_LIMITS.p2pHandshakeMs,
  pingIntervalMs: 30_000,
  maxSendBuffer: DEFAULT_NODE_LIMITS.p2pMaxOutBytes,
  stallMs: DEFAULT_NODE_LIMITS.p2pStallMs,
};

/** Misbehaviour points, as in Bitcoin Core's Misbehaving(): 100 bans at once. */
export const Penalty = {
  MALFORMED: 20,
  RATE: 10,
  INVALID_TX: 10,
  INVALID_BLOCK: 100,
  INVALID_HEADER: 100,
  OVERSIZE: 100,
  WRONG_CHAIN: 100,
  UNSOLICITED: 5,
} as const;

let nextId = 1;

/**
 * One WebSocket peer: JSON framing, the hello handshake, per-peer rate limits and a
 * misbehaviour score. Emits 'ready' (hello received and accepted), 'message', 'misbehave'
 * (score reached the ban level) and 'close'.
 */
export class Peer extends EventEmitter {
  readonly id = nextId++;
  hello: Hello | null = null;
  score = 0;
  readonly connectedAt = Date.now();
  bytesIn = 0;
  bytesOut = 0;
  msgsIn = 0;
  msgsOut = 0;
  lastRecv = 0;
  lastPingMs: number | null = null;
  closed = false;
  /** Hashes this peer is known to have (sent or announced to/by it); bounded. */
  readonly knownInv = new Set<string>();
  private readonly msgBucket: TokenBucket;
  private readonly byteBucket: TokenBucket;
  private readonly timers: ReturnType<typeof setTimeout>[] = [];
  private pingSent = 0;
  /** Answers we asked for (getdata items, getheaders) and have not received: they are not rate-limited. */
  private expecting = 0;

  constructor(
    readonly ws: WebSocket,
    readonly inbound: boolean,
    /** Remote IP and port as seen on the socket. */
    readonly remoteHost: string,
    readonly remotePort: number,
    private readonly limits: PeerLimits,
    ourHello: () => Hello,
    /** For outbound peers: the "host:port" we dialled. */
    readonly dialled?: string,
  ) {
    super();
    this.msgBucket = new TokenBucket(limits.msgRate, limits.msgBurst);
    this.byteBucket = new TokenBucket(limits.byteRate, limits.byteBurst);
    ws.on('message', (data, isBinary) => {
      try {
        this.onFrame(data, isBinary);
      } catch (err) {
        // Whatever a frame makes a handler throw stays with this peer.
        this.disconnect(`internal error handling a message: ${(err as Error).message}`);
      }
    });
    ws.on('close', () => this.onClose());
    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.misbehave(Penalty.OVERSIZE, `message over ${limits.maxMessageBytes} bytes`);
      this.ws.terminate();
    });
    this.timers.push(
      setTimeout(() => {
        if (!this.hello) this.disconnect('handshake timeout');
      }, limits.handshakeTimeoutMs),
    );
    const ping = setInterval(() => {
      this.pingSent = Date.now();
      this.send({ t: 'ping', n: this.pingSent });
    }, limits.pingIntervalMs);
    ping.unref?.();
    this.timers.push(ping);
    this.send(ourHello());
  }

  get address(): string {
    return `${this.remoteHost}:${this.remotePort}`;
  }

  send(m: Message): void {
    if (this.closed || this.ws.readyState !== 1) return;
    if (m.t === 'getdata') this.expecting += m.hashes.length;
    else if (m.t === 'getheaders') this.expecting += 1;
    const text = JSON.stringify(m);
    this.bytesOut += text.length;
    this.msgsOut++;
    this.ws.send(text);
    if (this.ws.bufferedAmount > this.limits.maxSendBuffer) this.kill(`over ${this.limits.maxSendBuffer} bytes queued: peer does not read`);
  }

  get maxSendBuffer(): number {
    return this.limits.maxSendBuffer;
  }

  /** Bytes queued towards the peer and not yet taken by the kernel. */
  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  /**
   * Resolves true once at most `bytes` are queued towards the peer; false if it closed, or
   * read nothing for stallMs (it is then disconnected). Backpressure for answers: a slow link
   * that keeps reading is waited for, a peer that stopped reading is not.
   */
  async drained(bytes: number): Promise<boolean> {
    let last = this.ws.bufferedAmount;
    let deadline = Date.now() + this.limits.stallMs;
    while (!this.closed && this.ws.bufferedAmount > bytes) {
      const now = this.ws.bufferedAmount;
      if (now < last) deadline = Date.now() + this.limits.stallMs;
      last = now;
      if (Date.now() > deadline) {
        this.kill(`read nothing of ${now} queued bytes for ${this.limits.stallMs} ms`);
        return false;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return !this.closed;
  }

  /** Adds misbehaviour points; at the ban score the peer is dropped and 'misbehave' fires. */
  misbehave(points: number, reason: string): void {
    if (this.closed) return;
    this.score += points;
    this.emit('penalty', points, reason);
    if (this.score >= this.limits.banScore) {
      this.emit('misbehave', reason);
      this.kill(`banned: ${reason}`);
    }
  }

  disconnect(reason: string): void {
    if (this.closed) return;
    this.emit('disconnecting', reason);
    try {
      // A close frame is at most 125 bytes; reason bytes may be multi-byte characters.
      this.ws.close(1008, Buffer.from(reason).subarray(0, 120).toString('utf8').replace(/\uFFFD+$/, ''));
    } catch {
      /* already closing */
    }
    // A peer that does not complete the close handshake is cut off.
    const t = setTimeout(() => this.ws.terminate(), 1000);
    t.unref?.();
    this.onClose();
  }

  /** Drops the connection at once, no close handshake: for a peer that floods or does not read. */
  kill(reason: string): void {
    if (this.closed) return;
    this.emit('disconnecting', reason);
    this.ws.terminate();
    this.onClose();
  }

  markKnown(hash: string): void {
    if (this.knownInv.size > 50_000) this.knownInv.clear();
    this.knownInv.add(hash);
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    if (this.closed) return;
    const size = Array.isArray(data) ? data.reduce((a, b) => a + b.length, 0) : (data as Buffer | ArrayBuffer).byteLength;
    this.bytesIn += size;
    this.msgsIn++;
    this.lastRecv = Date.now();
    if (!this.byteBucket.take(size)) {
      this.misbehave(Penalty.RATE, 'rate limit exceeded (bytes)');
      return;
    }
    if (isBinary) {
      this.misbehave(Penalty.MALFORMED, 'binary frame (the protocol uses JSON text frames)');
      return;
    }
    let msg: Message;
    try {
      msg = parseMessage(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as Buffer).toString('utf8'));
    } catch (err) {
      this.misbehave(Penalty.MALFORMED, err instanceof ProtocolError ? err.message : 'malformed frame');
      return;
    }
    // Message count limits apply to what the peer sends on its own, not to answers we asked for
    // (a sync fetches thousands of blocks a second from one peer).
    const solicited = this.expecting > 0 && (msg.t === 'block' || msg.t === 'tx' || msg.t === 'headers' || msg.t === 'notfound');
    if (solicited) this.expecting = Math.max(0, this.expecting - (msg.t === 'notfound' ? msg.hashes.length : 1));
    else if (!this.msgBucket.take(1)) {
      this.misbehave(Penalty.RATE, 'rate limit exceeded');
      return;
    }
    if (!this.hello) {
      if (msg.t !== 'hello') {
        this.misbehave(Penalty.MALFORMED, `${msg.t} before hello`);
        return;
      }
      this.hello = msg;
      this.emit('hello', msg);
      return;
    }
    if (msg.t === 'hello') {
      this.misbehave(Penalty.MALFORMED, 'second hello');
      return;
    }
    if (msg.t === 'ping') {
      this.send({ t: 'pong', n: msg.n });
      return;
    }
    if (msg.t === 'pong') {
      if (msg.n === this.pingSent) this.lastPingMs = Date.now() - this.pingSent;
      return;
    }
    // Unsolicited bytes let the receiver bound what a peer can make it queue.
    this.emit('message', msg, solicited ? 0 : size);
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.emit('close');
  }
}
