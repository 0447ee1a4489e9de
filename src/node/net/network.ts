import './polyfill.js';
import { EventEmitter } from 'node:events';
import { createHash } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { createLibp2p, type Libp2p } from 'libp2p';
import { tcp } from '@libp2p/tcp';
import { webSockets } from '@libp2p/websockets';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import { bootstrap } from '@libp2p/bootstrap';
import { mdns } from '@libp2p/mdns';
import { gossipsub, type GossipSub } from '@chainsafe/libp2p-gossipsub';
import { TopicValidatorResult, type Connection, type PeerId, type PrivateKey, type Stream, type Message as GossipMessage } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { lpStream } from 'it-length-prefixed-stream';
import { remoteAddress } from '../limits.js';
import { silentLogger, type Logger } from '../log.js';
import { TokenBucket } from '../rate.js';
import { decodeStatus, encodeStatus, WireError, type Protocols, type Status } from './wire.js';

export interface NetLimits {
  maxMessageBytes: number;
  /** Requests and gossip messages a peer may send us per second (token bucket). */
  msgRate: number;
  msgBurst: number;
  /** Bytes a peer may send us per second on our protocols and gossip. */
  byteRate: number;
  byteBurst: number;
  banScore: number;
  handshakeTimeoutMs: number;
  /** An answer (or a request's body) not moving for this long: the stream, and the peer, are dropped. */
  stallMs: number;
  maxInbound: number;
  maxOutbound: number;
  maxPerAddress: number;
}

/** Misbehaviour points, as in Bitcoin Core's Misbehaving(): at banScore the peer is banned. */
export const Penalty = {
  MALFORMED: 20,
  RATE: 10,
  INVALID_TX: 10,
  INVALID_BLOCK: 100,
  INVALID_HEADER: 100,
  NON_CONNECTING: 20,
  LOW_WORK: 50,
  ORPHAN: 5,
  WRONG_CHAIN: 100,
} as const;

export type Handler = (peer: Peer, request: Uint8Array, reply: (frame: Uint8Array) => Promise<void>) => Promise<void>;

export interface NetworkOptions {
  protocols: Protocols;
  privateKey: PrivateKey;
  host?: string;
  /** TCP port (0: a free one; null: no listener). WebSocket listens on a free port beside it. */
  port?: number | null;
  limits: NetLimits;
  logger?: Logger;
  banMs?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Source address of outbound TCP connections (multi-homed hosts; tests use loopback aliases). */
  dialFrom?: string;
  /** Peer ids (strings) allowed; empty: anyone. */
  allowPeers?: readonly string[];
  discoverLocal?: boolean;
  /** How often ready peers are asked for their status again (default 2 s). */
  statusIntervalMs?: number;
  status(): Status;
  /** Gossip validators: the verdict feeds gossipsub's peer score. */
  onGossip(topic: string, peer: Peer | undefined, data: Uint8Array): Promise<TopicValidatorResult>;
}

let nextId = 1;

/** One connected remote node (one entry per peer id, whatever its number of connections). */
export class Peer {
  readonly id = nextId++;
  readonly peerId: PeerId;
  readonly key: string;
  status: Status | null = null;
  score = 0;
  bytesSent = 0;
  bytesRecv = 0;
  readonly connectedAt = Date.now();
  closed = false;
  readonly budget: TokenBucket;
  readonly bytes: TokenBucket;
  constructor(
    readonly connection: Connection,
    limits: NetLimits,
  ) {
    this.peerId = connection.remotePeer;
    this.key = this.peerId.toString();
    this.budget = new TokenBucket(limits.msgRate, limits.msgBurst);
    this.bytes = new TokenBucket(limits.byteRate, limits.byteBurst);
  }
  get inbound(): boolean {
    return this.connection.direction === 'inbound';
  }
  get address(): string {
    return this.connection.remoteAddr.toString();
  }
  get host(): string {
    return remoteAddress(this.connection.remoteAddr.nodeAddress().address);
  }
  get port(): number {
    return this.connection.remoteAddr.nodeAddress().port;
  }
}

/** A request timed out, failed to negotiate, or its answer broke the protocol. */
export class RequestError extends Error {
  override name = 'RequestError';
}

/**
 * The peer set on js-libp2p: TCP and WebSocket, Noise, yamux, identify, bootstrap and mDNS
 * discovery, gossipsub topics, and our length-prefixed request-response protocols. Adds
 * what libp2p leaves to the application: a status exchange (chain, tip, work) before a peer
 * counts, misbehaviour scores and bans, per-peer budgets, connection limits per address and
 * direction, an allowlist, and re-dialling of configured peers with back-off.
 * Emits 'peer' (status exchanged), 'status' (a later status) and 'peerclose'.
 */
export class Network extends EventEmitter {
  libp2p!: Libp2p<{ pubsub: GossipSub; identify: unknown }>;
  readonly peers = new Map<string, Peer>();
  readonly bans = new Map<string, { until: number; reason: string }>();
  private readonly log: Logger;
  private allow: Set<string> | null;
  private readonly wanted = new Map<string, { ma: Multiaddr; delay: number; timer: ReturnType<typeof setTimeout> | null; peer: string | null }>();
  private readonly handlers = new Map<string, Handler>();
  private readonly protos = new Map<string, string[]>();
  /** Inbound handshakes in progress per address (start times), so silent sockets count too. */
  private readonly pending = new Map<string, number[]>();
  private stopped = false;
  private poll: ReturnType<typeof setInterval> | null = null;
  listenPort = 0;

  constructor(private readonly opts: NetworkOptions) {
    super();
    this.log = opts.logger ?? silentLogger;
    this.allow = opts.allowPeers?.length ? new Set(opts.allowPeers) : null;
  }

  get protocols(): Protocols {
    return this.opts.protocols;
  }

  get peerId(): string {
    return this.libp2p.peerId.toString();
  }

  listenAddrs(): string[] {
    return this.libp2p.getMultiaddrs().map((m) => m.toString());
  }

  private topics(): string[] {
    const P = this.opts.protocols;
    return P.bftTopic ? [P.blockTopic, P.txTopic, P.bftTopic] : [P.blockTopic, P.txTopic];
  }

  /**
   * Replaces the peer allowlist (empty: anyone): a consortium chain's validator set
   * changed. Connected peers that are no longer listed are dropped at once.
   */
  setAllowPeers(ids: readonly string[]): void {
    this.allow = ids.length ? new Set(ids) : null;
    if (!this.allow) return;
    for (const p of this.peers.values()) if (!this.allow.has(p.key)) this.disconnect(p, 'not on the peer allowlist any more');
  }

  get allowedPeers(): string[] | null {
    return this.allow ? [...this.allow] : null;
  }

  /** Registers the answer to a request-response protocol (before start()). */
  handle(protocol: string, fn: Handler): void {
    this.handlers.set(protocol, fn);
  }

  async start(bootstrapList: string[] = []): Promise<void> {
    const L = this.opts.limits;
    const host = this.opts.host ?? '127.0.0.1';
    const listen = this.opts.port === null ? [] : [`/ip${isIP(host) === 6 ? 6 : 4}/${host}/tcp/${this.opts.port ?? 0}`, `/ip${isIP(host) === 6 ? 6 : 4}/${host}/tcp/0/ws`];
    const P = this.opts.protocols;
    const withIds = bootstrapList.filter((a) => a.includes('/p2p/'));
    this.libp2p = (await createLibp2p({
      privateKey: this.opts.privateKey,
      addresses: { listen },
      transports: [
        tcp({
          inboundSocketInactivityTimeout: L.stallMs * 2,
          outboundSocketInactivityTimeout: L.stallMs * 2,
          // No Nagle: an answer is many small frames, and Nagle with delayed ACKs holds each
          // for up to 40 ms. localAddress is passed through to net.connect (the type lists a subset).
          dialOpts: { noDelay: true, ...(this.opts.dialFrom ? { localAddress: this.opts.dialFrom } : {}) } as object,
          listenOpts: { noDelay: true },
        }),
        webSockets(),
      ],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux({ maxInboundStreams: 64, maxOutboundStreams: 64, maxMessageSize: 1 << 20 })],
      connectionManager: {
        maxConnections: L.maxInbound + L.maxOutbound,
        maxIncomingPendingConnections: Math.max(16, L.maxPerAddress * 4),
        inboundUpgradeTimeout: L.handshakeTimeoutMs,
        dialTimeout: 5_000,
        // Local nodes share addresses; our own per-address count applies instead.
        inboundConnectionThreshold: 1_000,
      },
      connectionGater: {
        denyDialPeer: (id) => this.isDenied(id.toString()),
        denyInboundConnection: (maConn) => this.denyInbound(maConn.remoteAddr),
        denyInboundEncryptedConnection: (id) => this.isDenied(id.toString()),
        denyOutboundEncryptedConnection: (id) => this.isDenied(id.toString()),
      },
      peerDiscovery: [...(withIds.length ? [bootstrap({ list: withIds })] : []), ...(this.opts.discoverLocal ? [mdns({ interval: 2_000 })] : [])],
      services: {
        identify: identify({ timeout: L.handshakeTimeoutMs }),
        pubsub: gossipsub({
          emitSelf: false,
          globalSignaturePolicy: 'StrictNoSign',
          // Content-addressed ids: the same block or transaction from two peers is one message.
          msgIdFn: (m) => createHash('sha256').update(m.data).digest(),
          allowPublishToZeroTopicPeers: true,
          ignoreDuplicatePublishError: true,
          asyncValidation: false,
          maxInboundDataLength: L.maxMessageBytes,
          // A partition that heals should mesh again within seconds, not after the default minute.
          pruneBackoff: 2_000,
          unsubcribeBackoff: 1_000,
          scoreParams: {
            topics: Object.fromEntries(
              this.topics().map((t) => [
                t,
                {
                  topicWeight: 1,
                  timeInMeshWeight: 0.01,
                  timeInMeshQuantum: 1_000,
                  timeInMeshCap: 100,
                  firstMessageDeliveriesWeight: 1,
                  firstMessageDeliveriesDecay: 0.9,
                  firstMessageDeliveriesCap: 50,
                  meshMessageDeliveriesWeight: 0,
                  meshMessageDeliveriesDecay: 0.9,
                  meshMessageDeliveriesCap: 1,
                  meshMessageDeliveriesThreshold: 1,
                  meshMessageDeliveriesWindow: 10,
                  meshMessageDeliveriesActivation: 5_000,
                  meshFailurePenaltyWeight: 0,
                  meshFailurePenaltyDecay: 0.9,
                  // An invalid block or transaction costs the sender more than many good ones earn.
                  invalidMessageDeliveriesWeight: -100,
                  invalidMessageDeliveriesDecay: 0.99,
                },
              ]),
            ),
            // Loopback clusters: every node shares 127.0.0.1.
            IPColocationFactorThreshold: 64,
            behaviourPenaltyWeight: -10,
          },
          scoreThresholds: { gossipThreshold: -50, publishThreshold: -100, graylistThreshold: -200, acceptPXThreshold: 10, opportunisticGraftThreshold: 2 },
        }),
      },
    })) as unknown as Libp2p<{ pubsub: GossipSub; identify: unknown }>;
    const lp = this.libp2p;
    lp.addEventListener('connection:open', (e) => this.onConnection(e.detail));
    lp.addEventListener('peer:disconnect', (e) => this.onDisconnect(e.detail.toString()));
    lp.addEventListener('peer:identify', (e) => {
      if (this.peers.has(e.detail.peerId.toString())) this.protos.set(e.detail.peerId.toString(), e.detail.protocols.slice(0, 32).map((x) => x.slice(0, 100)));
    });
    lp.addEventListener('peer:discovery', (e) => {
      if (this.opts.discoverLocal && !this.isDenied(e.detail.id.toString())) lp.dial(e.detail.id).catch(() => {});
    });
    await lp.handle(P.status, (d) => void this.serveStatus(d.stream, d.connection), { maxInboundStreams: 2, maxOutboundStreams: 2 });
    for (const [proto, fn] of this.handlers) {
      await lp.handle(proto, (d) => void this.serve(proto, fn, d.stream, d.connection), { maxInboundStreams: 4, maxOutboundStreams: 8 });
    }
    const ps = lp.services.pubsub;
    for (const t of this.topics()) {
      ps.topicValidators.set(t, async (from: PeerId, msg: GossipMessage) => {
        const peer = this.peers.get(from.toString());
        if (peer && !this.charge(peer, msg.data.length)) return TopicValidatorResult.Ignore;
        try {
          return await this.opts.onGossip(t, peer, msg.data);
        } catch (err) {
          this.log.warn(`p2p: gossip handler: ${(err as Error).message}`);
          return TopicValidatorResult.Ignore;
        }
      });
      ps.subscribe(t);
    }
    await lp.start();
    // Status again every few seconds: a block that gossip missed (a mesh still forming after
    // a partition heals) is then found by the next header sync.
    this.poll = setInterval(() => {
      for (const p of this.ready()) {
        this.request(p, P.status, encodeStatus(this.opts.status()), { timeoutMs: L.handshakeTimeoutMs })
          .then(([answer]) => this.onStatus(p, decodeStatus(answer!)))
          .catch((err) => this.log.debug(`p2p: status poll of ${p.key}: ${(err as Error).message}`));
      }
    }, this.opts.statusIntervalMs ?? 2_000);
    this.poll.unref?.();
    const tcpAddr = lp.getMultiaddrs().find((m) => m.toString().includes('/tcp/') && !m.toString().includes('/ws'));
    this.listenPort = tcpAddr ? tcpAddr.nodeAddress().port : 0;
  }

  /** Keeps a connection to `target` (host:port or a multiaddr), re-dialling with back-off. */
  addPeer(target: string): boolean {
    if (this.wanted.has(target)) return false;
    this.wanted.set(target, { ma: toMultiaddr(target), delay: this.opts.reconnectMinMs ?? 500, timer: null, peer: null });
    this.dial(target);
    return true;
  }

  removePeer(target: string): boolean {
    const w = this.wanted.get(target);
    if (!w) return false;
    this.wanted.delete(target);
    if (w.timer) clearTimeout(w.timer);
    if (w.peer) void this.libp2p.hangUp(peerIdFromString(w.peer)).catch(() => {});
    return true;
  }

  /** The --peer/addnode target this outbound peer was dialled as, if any. */
  dialTarget(p: Peer): string | null {
    for (const [target, w] of this.wanted) if (w.peer === p.key) return target;
    return null;
  }

  get configuredPeers(): string[] {
    return [...this.wanted.keys()];
  }

  ready(): Peer[] {
    return [...this.peers.values()].filter((p) => p.status && !p.closed);
  }

  publish(topic: string, data: Uint8Array): void {
    this.libp2p.services.pubsub.publish(topic, data).catch((err: Error) => this.log.debug(`p2p: publish on ${topic}: ${err.message}`));
  }

  /** Protocols the peer announced in identify. */
  peerProtocols(p: Peer): string[] {
    return this.protos.get(p.key) ?? [];
  }

  gossipScore(p: Peer): number {
    return this.libp2p.services.pubsub.getScore(p.key);
  }

  /** Adds misbehaviour points; at the ban score the peer is banned and disconnected. */
  misbehave(p: Peer, points: number, why: string): void {
    if (p.closed) return;
    p.score += points;
    this.log.debug(`p2p: peer ${p.key} +${points} (${p.score}): ${why}`);
    this.emit('penalty', p, points, why);
    if (p.score >= this.opts.limits.banScore) this.ban(this.keyOf(p), why);
  }

  /** Drops a peer now (its streams and buffers go with the connection). */
  disconnect(p: Peer, why: string): void {
    if (p.closed) return;
    this.log.info(`p2p: peer ${p.key} at ${p.address} disconnected: ${why}`);
    p.closed = true;
    void this.libp2p.hangUp(p.peerId).catch(() => {});
  }

  /** What a ban of this peer is keyed on: its address on the internet, its peer id on local ranges. */
  keyOf(p: Peer): string {
    return isLocalAddress(p.host) ? p.key : p.host;
  }

  ban(key: string, reason: string, ms = this.opts.banMs ?? 10 * 60_000): void {
    this.bans.set(key, { until: Date.now() + ms, reason });
    this.log.warn(`p2p: banned ${key} for ${Math.round(ms / 1000)} s: ${reason}`);
    for (const p of this.peers.values()) if (this.keyOf(p) === key || p.host === key || p.key === key) this.disconnect(p, `banned: ${reason}`);
  }

  unban(key: string): boolean {
    return this.bans.delete(key);
  }

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

  /**
   * Sends one request and reads exactly `maxFrames` answer frames. Rejects with RequestError
   * on timeout, refusal or a protocol breach.
   */
  async request(p: Peer, protocol: string, body: Uint8Array, opts: { timeoutMs?: number; maxFrames?: number } = {}): Promise<Uint8Array[]> {
    const signal = AbortSignal.timeout(opts.timeoutMs ?? this.opts.limits.stallMs);
    let stream: Stream | null = null;
    try {
      stream = await p.connection.newStream(protocol, { signal });
      const lp = lpStream(stream, { maxDataLength: this.opts.limits.maxMessageBytes });
      await lp.write(body, { signal });
      p.bytesSent += body.length;
      const out: Uint8Array[] = [];
      const max = opts.maxFrames ?? 1;
      while (out.length < max) {
        const f = (await lp.read({ signal })).subarray();
        p.bytesRecv += f.length;
        out.push(f);
      }
      await stream.close({ signal }).catch(() => stream?.abort(new Error('closed')));
      return out;
    } catch (err) {
      stream?.abort(err as Error);
      throw new RequestError(`${protocol} to ${p.key}: ${signal.aborted ? 'no answer in time' : (err as Error).message}`);
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.poll) clearInterval(this.poll);
    for (const w of this.wanted.values()) if (w.timer) clearTimeout(w.timer);
    await this.libp2p?.stop();
  }

  private isDenied(id: string): boolean {
    return (this.allow !== null && !this.allow.has(id)) || this.isBanned(id);
  }

  private denyInbound(addr: Multiaddr): boolean {
    if (this.stopped) return true;
    const host = remoteAddress(addr.nodeAddress().address);
    if (this.isBanned(host)) return true;
    const conns = this.libp2p.getConnections();
    const inbound = conns.filter((c) => c.direction === 'inbound');
    const now = Date.now();
    const started = (this.pending.get(host) ?? []).filter((t) => now - t < this.opts.limits.handshakeTimeoutMs);
    const same = inbound.filter((c) => remoteAddress(c.remoteAddr.nodeAddress().address) === host).length + started.length;
    if (same >= this.opts.limits.maxPerAddress) {
      this.log.debug(`p2p: refused ${host}: ${same} inbound connections or handshakes from this address already`);
      return true;
    }
    started.push(now);
    this.pending.set(host, started);
    if (this.pending.size > 4096) for (const [h, ts] of this.pending) if (ts.every((t) => now - t >= this.opts.limits.handshakeTimeoutMs)) this.pending.delete(h);
    if (inbound.length >= this.opts.limits.maxInbound) {
      // Full: make room by evicting the worst-scoring inbound peer, if it has misbehaved at all.
      const worst = [...this.peers.values()].filter((p) => p.inbound && !p.closed).sort((a, b) => this.rank(a) - this.rank(b))[0];
      if (worst && this.rank(worst) < 0) {
        this.disconnect(worst, 'evicted: inbound slots full and this peer scores worst');
        return false;
      }
      this.log.debug(`p2p: refused ${host}: all ${this.opts.limits.maxInbound} inbound slots taken`);
      return true;
    }
    return false;
  }

  /** Higher is better: gossipsub's score minus our misbehaviour points. */
  rank(p: Peer): number {
    return this.gossipScore(p) - p.score;
  }

  private onConnection(c: Connection): void {
    if (c.direction === 'inbound') {
      const host = remoteAddress(c.remoteAddr.nodeAddress().address);
      const ts = this.pending.get(host);
      ts?.shift();
      if (ts && ts.length === 0) this.pending.delete(host);
    }
    const key = c.remotePeer.toString();
    const known = this.peers.get(key);
    if (known) {
      // Two nodes that dial each other at once hold two connections, and each keeps the
      // first that opened on its side. If both kept the other's (inbound), each waits for
      // the other to speak first until the handshake timeout drops them, and their re-dials
      // can meet the same way. Our own dial always speaks first, on the peer we keep.
      if (c.direction === 'outbound') {
        for (const w of this.wanted.values()) if (w.peer === null && sameTarget(w.ma, c.remoteAddr)) w.peer = key;
        if (!known.status && !known.closed) void this.exchangeStatus(known);
      }
      return;
    }
    const peer = new Peer(c, this.opts.limits);
    this.peers.set(key, peer);
    if (c.direction === 'outbound') {
      for (const w of this.wanted.values()) if (w.peer === null && sameTarget(w.ma, c.remoteAddr)) w.peer = key;
      void this.exchangeStatus(peer);
    } else {
      const t = setTimeout(() => {
        if (!peer.status && !peer.closed) this.disconnect(peer, `no status within ${this.opts.limits.handshakeTimeoutMs} ms`);
      }, this.opts.limits.handshakeTimeoutMs);
      t.unref?.();
    }
  }

  private onDisconnect(key: string): void {
    const p = this.peers.get(key);
    if (!p) return;
    this.peers.delete(key);
    this.protos.delete(key);
    const wasReady = p.status !== null;
    p.closed = true;
    if (wasReady) this.emit('peerclose', p);
    for (const [target, w] of this.wanted) {
      if (w.peer !== key) continue;
      w.peer = null;
      this.retry(target);
    }
  }

  private async exchangeStatus(p: Peer): Promise<void> {
    try {
      const [answer] = await this.request(p, this.opts.protocols.status, encodeStatus(this.opts.status()), { timeoutMs: this.opts.limits.handshakeTimeoutMs });
      this.onStatus(p, decodeStatus(answer!));
    } catch (err) {
      const why = (err as Error).message;
      // A node that speaks none of our protocol ids is on another chain or version.
      if (/protocol selection failed|not supported/i.test(why)) {
        this.ban(this.keyOf(p), 'other chain or protocol version (no common protocol)', 60_000);
      } else this.disconnect(p, `status exchange failed: ${why}`);
    }
  }

  private onStatus(p: Peer, s: Status): void {
    const ours = this.opts.status();
    if (!equalBytes(s.genesis, ours.genesis)) {
      this.ban(this.keyOf(p), 'other chain (genesis differs)', 60_000);
      return;
    }
    const first = p.status === null;
    p.status = s;
    if (first && !p.closed) {
      const w = [...this.wanted.values()].find((x) => x.peer === p.key);
      if (w) w.delay = this.opts.reconnectMinMs ?? 500;
      this.log.info(`p2p: peer ${p.host}:${p.port} connected (${p.inbound ? 'inbound' : 'outbound'}, ${p.key}, height ${s.height})`);
      this.emit('peer', p);
    } else if (!p.closed) this.emit('status', p);
  }

  private async serveStatus(stream: Stream, c: Connection): Promise<void> {
    await this.serve(
      this.opts.protocols.status,
      async (p, req, reply) => {
        const s = decodeStatus(req);
        await reply(encodeStatus(this.opts.status()));
        this.onStatus(p, s);
      },
      stream,
      c,
    );
  }

  /** Takes from a peer's budgets; over them the peer is scored (and, at the ban score, banned). */
  private charge(p: Peer, bytes: number): boolean {
    if (p.budget.take(1) && p.bytes.take(bytes)) return true;
    this.misbehave(p, Penalty.RATE, 'request or gossip rate limit exceeded');
    return false;
  }

  private async serve(protocol: string, fn: Handler, stream: Stream, c: Connection): Promise<void> {
    const p = this.peers.get(c.remotePeer.toString());
    if (!p || p.closed || (protocol !== this.opts.protocols.status && !p.status)) {
      stream.abort(new Error('no status yet'));
      return;
    }
    const signal = AbortSignal.timeout(this.opts.limits.stallMs);
    try {
      const lp = lpStream(stream, { maxDataLength: this.opts.limits.maxMessageBytes });
      const req = (await lp.read({ signal })).subarray();
      p.bytesRecv += req.length;
      if (!this.charge(p, req.length)) {
        stream.abort(new Error('rate limit'));
        return;
      }
      // Frames go out in batches of up to 256 KiB (one write per frame costs a round of the
      // stream machinery each). Backpressure: a write waits for the peer's yamux window, so a
      // peer that does not read holds at most one batch of ours, and is dropped after stallMs.
      let batch: Uint8Array[] = [];
      let size = 0;
      const flush = async () => {
        if (!batch.length) return;
        const out = batch;
        batch = [];
        size = 0;
        await lp.writeV(out, { signal });
      };
      await fn(p, req, async (frame) => {
        batch.push(frame);
        size += frame.length;
        p.bytesSent += frame.length;
        if (size >= 256 << 10) await flush();
      });
      await flush();
      await stream.close({ signal });
    } catch (err) {
      stream.abort(err as Error);
      if (err instanceof WireError) this.misbehave(p, Penalty.MALFORMED, `${protocol}: ${err.message}`);
      else if (signal.aborted) this.disconnect(p, `${protocol}: request not read or not finished within ${this.opts.limits.stallMs} ms`);
      else if (/larger than|too long|max/i.test((err as Error).message)) this.misbehave(p, Penalty.MALFORMED, `${protocol}: ${(err as Error).message}`);
    }
  }

  private dial(target: string): void {
    const w = this.wanted.get(target);
    if (!w || this.stopped) return;
    w.timer = null;
    this.libp2p.dial(w.ma, { signal: AbortSignal.timeout(5_000) }).then(
      (c) => {
        const cur = this.wanted.get(target);
        if (cur) cur.peer = c.remotePeer.toString();
      },
      (err: Error & { code?: string; errors?: (Error & { code?: string })[] }) => {
        const cur = this.wanted.get(target);
        const inner = err.errors?.[0] ?? (err.cause as (Error & { code?: string }) | undefined);
        const why = inner?.code ?? err.code ?? inner?.message ?? err.message;
        const first = cur !== undefined && cur.delay === (this.opts.reconnectMinMs ?? 500);
        this.log[first ? 'warn' : 'debug'](`p2p: peer ${target} unreachable: ${why}; retrying in ${Math.round((cur?.delay ?? 0) / 1000)} s`);
        this.retry(target);
      },
    );
  }

  private retry(target: string): void {
    const cur = this.wanted.get(target);
    if (!cur || this.stopped || cur.timer) return;
    cur.timer = setTimeout(() => this.dial(target), cur.delay);
    cur.timer.unref?.();
    cur.delay = Math.min(cur.delay * 2, this.opts.reconnectMaxMs ?? 30_000);
  }
}

/** "host:port", "[v6]:port" or a multiaddr. Throws on anything else. */
export function toMultiaddr(target: string): Multiaddr {
  if (target.startsWith('/')) return multiaddr(target);
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(target);
  if (!m || Number(m[3]) > 65535) throw new Error(`peer "${target.slice(0, 80)}" is neither host:port nor a multiaddr (/ip4/1.2.3.4/tcp/17421[/p2p/<id>])`);
  const host = m[1] ?? m[2]!;
  const proto = m[1] || isIP(host) === 6 ? 'ip6' : isIP(host) === 4 ? 'ip4' : 'dns';
  return multiaddr(`/${proto}/${host}/tcp/${m[3]}`);
}

function sameTarget(a: Multiaddr, b: Multiaddr): boolean {
  const x = a.nodeAddress();
  const y = b.nodeAddress();
  return x.port === y.port && remoteAddress(x.address) === remoteAddress(y.address);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
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
 * Bans are per address on the internet; on loopback and private ranges (several nodes per
 * address) per peer id, or per address:port for a dial target.
 */
export function banKey(host: string, port: number): string {
  if (!isLocalAddress(host)) return host;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
