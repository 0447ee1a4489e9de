import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { BlockList, isIP, type Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { remoteAddress, Slots } from '../limits.js';
import { silentLogger, type Logger } from '../log.js';
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
  /** Inbound TCP connections per remote address (counted before the WebSocket upgrade). */
  maxPerAddress?: number;
  limits?: Partial<PeerLimits>;
  logger?: Logger;
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
 * and temporary bans (see banKey). Emits 'peer' (handshake done), 'message' (peer, msg)
 * and 'peerclose' (peer).
 */
export class Network extends EventEmitter {
  readonly peers = new Set<Peer>();
  readonly bans = new Map<string, { until: number; reason: string }>();
  readonly nonce = randomBytes(8).toString('hex');
  private server: WebSocketServer | null = null;
  private http: Server | null = null;
  private readonly log: Logger;
  private slots: Slots;
  private readonly limits: PeerLimits;
  private readonly wanted = new Map<string, { delay: number; timer: ReturnType<typeof setTimeout> | null; peer: Peer | null }>();
  private stopped = false;
  listenPort = 0;

  constructor(private readonly opts: NetworkOptions) {
    super();
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.log = opts.logger ?? silentLogger;
    this.slots = new Slots(opts.maxInbound ?? 64, opts.maxPerAddress ?? 8);
  }

  async listen(): Promise<number> {
    if (this.opts.port === null) return 0;
    const hs = this.limits.handshakeTimeoutMs;
    // Our own HTTP server, so that a socket that never finishes the upgrade is cut off quickly
    // and counted against its address from the first byte.
    const http = createServer({ headersTimeout: hs, requestTimeout: hs * 2, connectionsCheckingInterval: Math.min(1000, hs) }, (_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' }).end('hashlane peers speak WebSocket here\n');
    });
    http.on('connection', (socket: Socket) => {
      const addr = remoteAddress(socket.remoteAddress);
      const release = this.stopped ? null : this.slots.take(addr);
      if (!release) {
        this.log.debug(`p2p: refused ${addr}:${socket.remotePort}: ${this.stopped ? 'shutting down' : 'no free inbound slot for this address'}`);
        socket.destroy();
        return;
      }
      socket.once('close', release);
    });
    http.on('clientError', (_err, socket) => socket.destroy());
    const server = new WebSocketServer({ server: http, maxPayload: this.limits.maxMessageBytes });
    this.http = http;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1', () => {
        http.off('error', reject);
        resolve();
      });
    });
    http.on('error', (err) => this.log.warn(`p2p: listener: ${err.message}`));
    server.on('error', () => {});
    server.on('connection', (ws, req) => this.onInbound(ws, req));
    this.listenPort = (http.address() as { port: number }).port;
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

  /** Bans a key from banKey() (an address, or address:port on local ranges). */
  ban(key: string, reason: string, ms = this.opts.banMs ?? 10 * 60_000): void {
    this.bans.set(key, { until: Date.now() + ms, reason });
    this.log.warn(`p2p: banned ${key} for ${Math.round(ms / 1000)} s: ${reason}`);
    for (const p of this.peers) if (this.keyOf(p) === key || p.remoteHost === key) p.disconnect(`banned: ${reason}`);
  }

  unban(key: string): boolean {
    return this.bans.delete(key);
  }

  /** Live bans (expired ones are dropped on the way). */
  listBans(): [string, { until: number; reason: string }][] {
    for (const k of [...this.bans.keys()]) this.isBanned(k);
    return [...this.bans.entries()];
  }

  isBanned(key: string): boolean {
    const b = this.bans.get(key);
    if (!b) return false;
    if (b.until <= Date.now()) {
      this.bans.delete(key);
      return false;
    }
    return true;
  }

  /** What a ban of this peer is keyed on: the node's listening port identifies it on local ranges. */
  keyOf(p: Peer): string {
    return banKey(p.remoteHost, p.inbound ? p.hello?.listenPort || p.remotePort : p.remotePort);
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
    const h = this.http;
    this.http = null;
    if (h) {
      h.closeAllConnections();
      await new Promise<void>((resolve) => h.close(() => resolve()));
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
    if (this.stopped || this.isBanned(host)) {
      ws.close(1008, this.stopped ? 'shutting down' : 'banned');
      setTimeout(() => ws.terminate(), 500).unref?.();
      return;
    }
    this.log.debug(`p2p: inbound connection from ${host}:${req.socket.remotePort}`);
    this.attach(new Peer(ws, true, host, req.socket.remotePort ?? 0, this.limits, () => this.hello()));
  }

  private dial(hostport: string): void {
    const w = this.wanted.get(hostport);
    if (!w || this.stopped) return;
    w.timer = null;
    const bannedHost = normaliseHost(hostport.startsWith('[') ? hostport.slice(1, hostport.indexOf(']')) : hostport.slice(0, hostport.lastIndexOf(':')));
    const dialPort = Number(hostport.slice(hostport.lastIndexOf(':') + 1));
    if (this.isBanned(bannedHost) || this.isBanned(banKey(bannedHost, dialPort))) {
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
    ws.on('error', (err: Error & { code?: string }) => {
      if (peer) return;
      const cur = this.wanted.get(hostport);
      // Once per failure streak at warn; the retries after it at debug.
      const first = cur !== undefined && cur.delay === (this.opts.reconnectMinMs ?? 500);
      this.log[first ? 'warn' : 'debug'](`p2p: peer ${hostport} unreachable: ${err.code ?? err.message}; retrying in ${Math.round((cur?.delay ?? 0) / 1000)} s`);
      retry();
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
      if (!why && this.isBanned(this.keyOf(peer))) {
        peer.disconnect('banned');
        return;
      }
      if (why) {
        this.log.info(`p2p: peer ${peer.address} refused: ${why}`);
        if (why.startsWith('other chain')) peer.misbehave(Penalty.WRONG_CHAIN, why);
        else peer.disconnect(why);
        if (why === 'connected to self' && peer.dialled) this.removePeer(peer.dialled);
        return;
      }
      this.log.info(`p2p: peer ${peer.dialled ?? peer.address} connected (${peer.inbound ? 'inbound' : 'outbound'}, height ${h.height}, ${h.agent.slice(0, 40)})`);
      this.emit('peer', peer);
    });
    peer.on('message', (m: Message, size: number) => this.emit('message', peer, m, size));
    peer.on('misbehave', (reason: string) => this.ban(this.keyOf(peer), reason));
    let lastReason = '';
    peer.on('disconnecting', (reason: string) => (lastReason = reason));
    peer.once('close', () => {
      this.peers.delete(peer);
      if (peer.hello) this.log.info(`p2p: peer ${peer.dialled ?? peer.address} disconnected${lastReason ? `: ${lastReason}` : ''}`);
      if (peer.hello) this.emit('peerclose', peer);
    });
  }
}

function normaliseHost(h: string): string {
  return remoteAddress(h);
}

const LOCAL = new BlockList();
for (const [net, bits] of [['127.0.0.0', 8], ['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['169.254.0.0', 16], ['100.64.0.0', 10]] as const) LOCAL.addSubnet(net, bits, 'ipv4');
LOCAL.addAddress('::1', 'ipv6');
LOCAL.addSubnet('fc00::', 7, 'ipv6');
LOCAL.addSubnet('fe80::', 10, 'ipv6');

/** True for loopback, private (RFC 1918, RFC 4193), link-local and CGNAT addresses. */
export function isLocalAddress(host: string): boolean {
  const family = isIP(host);
  return family !== 0 && LOCAL.check(host, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * Bans are per address on the internet, but per address:port on loopback and private
 * ranges: several nodes share one local address, and one misbehaving local client must not
 * lock every other node on the machine out.
 */
export function banKey(host: string, port: number): string {
  if (!isLocalAddress(host)) return host;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
