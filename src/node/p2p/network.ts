import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { PROTOCOL_VERSION, type Hello, type Message } from './messages.js';
import { DEFAULT_LIMITS, Peer, Penalty, type PeerLimits } from './peer.js';

export interface NetworkOptions {
  host?: string;
  /** 0 picks a free port; null listens nowhere (outbound only). */
  port?: number | null;
  chainId: string;
  genesis: string;
  agent?: string;
  maxInbound?: number;
  limits?: Partial<PeerLimits>;
  banMs?: number;
  /** Reconnect back-off for configured peers, ms: doubles from min to max. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Current best height and work, for our hello. */
  tip(): { height: number; work: bigint };
}

/**
 * The peer set: a WebSocket server for inbound peers, dialling and re-dialling configured
 * peers with back-off, the handshake check (version, chain id, genesis, self-connection),
 * and temporary bans by IP address. Emits 'peer' (handshake done), 'message' (peer, msg)
 * and 'peerclose' (peer).
 */
export class Network extends EventEmitter {
  readonly peers = new Set<Peer>();
  readonly bans = new Map<string, { until: number; reason: string }>();
  readonly nonce = randomBytes(8).toString('hex');
  private server: WebSocketServer | null = null;
  private readonly limits: PeerLimits;
  private readonly wanted = new Map<string, { delay: number; timer: ReturnType<typeof setTimeout> | null; peer: Peer | null }>();
  private stopped = false;
  listenPort = 0;

  constructor(private readonly opts: NetworkOptions) {
    super();
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
  }

  async listen(): Promise<number> {
    if (this.opts.port === null) return 0;
    const server = new WebSocketServer({
      host: this.opts.host ?? '127.0.0.1',
      port: this.opts.port ?? 0,
      maxPayload: this.limits.maxMessageBytes,
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.once('listening', () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', () => {});
    server.on('connection', (ws, req) => this.onInbound(ws, req));
    this.listenPort = (server.address() as { port: number }).port;
    return this.listenPort;
  }

  /** Keeps a connection to host:port, re-dialling with back-off while it is down. */
  addPeer(hostport: string): boolean {
    if (this.wanted.has(hostport)) return false;
    this.wanted.set(hostport, { delay: this.opts.reconnectMinMs ?? 500, timer: null, peer: null });
    this.dial(hostport);
    return true;
  }

  removePeer(hostport: string): boolean {
    const w = this.wanted.get(hostport);
    if (!w) return false;
    this.wanted.delete(hostport);
    if (w.timer) clearTimeout(w.timer);
    w.peer?.disconnect('removed');
    return true;
  }

  get configuredPeers(): string[] {
    return [...this.wanted.keys()];
  }

  ready(): Peer[] {
    return [...this.peers].filter((p) => p.hello && !p.closed);
  }

  broadcast(m: Message, except?: Peer): void {
    for (const p of this.ready()) if (p !== except) p.send(m);
  }

  ban(host: string, reason: string, ms = this.opts.banMs ?? 10 * 60_000): void {
    this.bans.set(host, { until: Date.now() + ms, reason });
    for (const p of this.peers) if (p.remoteHost === host) p.disconnect(`banned: ${reason}`);
  }

  isBanned(host: string): boolean {
    const b = this.bans.get(host);
    if (!b) return false;
    if (b.until <= Date.now()) {
      this.bans.delete(host);
      return false;
    }
    return true;
  }

  async close(): Promise<void> {
    this.stopped = true;
    for (const w of this.wanted.values()) if (w.timer) clearTimeout(w.timer);
    for (const p of this.peers) {
      p.disconnect('shutting down');
      p.ws.terminate();
    }
    const s = this.server;
    this.server = null;
    if (s) {
      for (const c of s.clients) c.terminate();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  }

  private hello(): Hello {
    const tip = this.opts.tip();
    return {
      t: 'hello',
      version: PROTOCOL_VERSION,
      chainId: this.opts.chainId,
      genesis: this.opts.genesis,
      height: tip.height,
      work: tip.work.toString(16),
      agent: this.opts.agent ?? 'hashlane/0.1.0',
      listenPort: this.listenPort,
      nonce: this.nonce,
    };
  }

  private onInbound(ws: WebSocket, req: IncomingMessage): void {
    const host = normaliseHost(req.socket.remoteAddress ?? '');
    const inbound = [...this.peers].filter((p) => p.inbound).length;
    if (this.stopped || this.isBanned(host) || inbound >= (this.opts.maxInbound ?? 64)) {
      ws.close(1008, this.isBanned(host) ? 'banned' : 'full');
      setTimeout(() => ws.terminate(), 500).unref?.();
      return;
    }
    this.attach(new Peer(ws, true, host, req.socket.remotePort ?? 0, this.limits, () => this.hello()));
  }

  private dial(hostport: string): void {
    const w = this.wanted.get(hostport);
    if (!w || this.stopped) return;
    w.timer = null;
    const bannedHost = hostport.startsWith('[') ? hostport.slice(1, hostport.indexOf(']')) : hostport.slice(0, hostport.lastIndexOf(':'));
    if (this.isBanned(normaliseHost(bannedHost))) {
      w.timer = setTimeout(() => this.dial(hostport), Math.max(w.delay, 5_000));
      w.timer.unref?.();
      return;
    }
    const ws = new WebSocket(`ws://${hostport}/`, { maxPayload: this.limits.maxMessageBytes, handshakeTimeout: 5_000 });
    let peer: Peer | null = null;
    const retry = () => {
      const cur = this.wanted.get(hostport);
      if (!cur || this.stopped || cur.timer) return;
      cur.peer = null;
      cur.timer = setTimeout(() => this.dial(hostport), cur.delay);
      cur.timer.unref?.();
      cur.delay = Math.min(cur.delay * 2, this.opts.reconnectMaxMs ?? 30_000);
    };
    ws.on('open', () => {
      const host = hostport.startsWith('[') ? hostport.slice(1, hostport.indexOf(']')) : hostport.slice(0, hostport.lastIndexOf(':'));
      const port = Number(hostport.slice(hostport.lastIndexOf(':') + 1));
      peer = new Peer(ws, false, normaliseHost(host), port, this.limits, () => this.hello(), hostport);
      w.peer = peer;
      peer.once('hello', () => {
        const cur = this.wanted.get(hostport);
        if (cur) cur.delay = this.opts.reconnectMinMs ?? 500;
      });
      peer.once('close', retry);
      this.attach(peer);
    });
    ws.on('error', () => {
      if (!peer) retry();
    });
    ws.on('close', () => {
      if (!peer) retry();
    });
  }

  private attach(peer: Peer): void {
    this.peers.add(peer);
    peer.once('hello', (h: Hello) => {
      const why =
        h.nonce === this.nonce
          ? 'connected to self'
          : h.version !== PROTOCOL_VERSION
            ? `protocol version ${h.version}, we speak ${PROTOCOL_VERSION}`
            : h.chainId !== this.opts.chainId || h.genesis !== this.opts.genesis
              ? `other chain (${h.chainId})`
              : null;
      if (why) {
        if (why.startsWith('other chain')) peer.misbehave(Penalty.WRONG_CHAIN, why);
        else peer.disconnect(why);
        if (why === 'connected to self' && peer.dialled) this.removePeer(peer.dialled);
        return;
      }
      this.emit('peer', peer);
    });
    peer.on('message', (m: Message) => this.emit('message', peer, m));
    peer.on('misbehave', (reason: string) => this.ban(peer.remoteHost, reason));
    peer.once('close', () => {
      this.peers.delete(peer);
      if (peer.hello) this.emit('peerclose', peer);
    });
  }
}

function normaliseHost(h: string): string {
  return h.startsWith('::ffff:') ? h.slice(7) : h;
}
