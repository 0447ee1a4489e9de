import { blockHash, decodeBlock, decodeBlockHeader, type Block } from '../chain/block.js';
import { encodeHeader } from '../pow/index.js';
import type { Chain } from '../chain/chain.js';
import { DecodeError, MempoolError, ValidationError } from '../chain/errors.js';
import { fromHex, toHex } from '../chain/hex.js';
import type { Mempool } from '../chain/mempool.js';
import { decodeTx, encodeTx, txid, type Transaction } from '../chain/tx.js';
import { MAX_HEADERS, MAX_INV, type Message } from './p2p/messages.js';
import type { Network } from './p2p/network.js';
import { Penalty, type Peer } from './p2p/peer.js';

/** Reasons that say the sender broke a rule no honest node breaks (as opposed to a race or policy). */
const TX_FAULTS = new Set(['bad-txns-signature', 'bad-txns-chainid', 'bad-txns-kind', 'bad-txns-version', 'bad-txns-amount-range', 'bad-txns-fee-range', 'bad-txns-payload-size', 'bad-txns-amount-zero', 'bad-txns-self-transfer']);
const BLOCK_BENIGN = new Set(['prev-blk-not-found', 'time-too-new']);

/** Blocks requested from one peer at a time during sync (the peer answers in order). */
const WINDOW = 64;

interface PeerSync {
  /** Hashes (hex) learnt from headers, still to fetch, in chain order. */
  queue: string[];
  inflight: Set<string>;
  /** The last headers message was full: more may follow. */
  more: boolean;
  lastHeader: string | null;
  /** Messages of one peer are handled one after another, in order. */
  chain: Promise<void>;
  /** Unsolicited bytes queued on `chain` and not yet handled. */
  pendingBytes: number;
}

export interface SyncHooks {
  /** A block became part of the active chain (from any source). */
  onBlock?(block: Block, hash: Uint8Array): void;
  log?(line: string): void;
  /** Unsolicited bytes of one peer waiting to be handled; a peer that outruns us is disconnected. */
  maxQueuedBytes?: number;
}

/**
 * The peer protocol on top of the transport: header-first sync (getheaders -> headers,
 * checked for linkage and proof of work before any block is fetched, then getdata in
 * windows), block and transaction gossip by inventory with de-duplication, and penalties
 * for invalid data.
 */
export class Sync {
  private readonly state = new WeakMap<Peer, PeerSync>();
  /** Hashes of objects requested from some peer and not yet received (hex -> ms). */
  private readonly requested = new Map<string, number>();
  /** Recently rejected transactions, so that gossip does not fetch them again. */
  private readonly rejected = new Set<string>();
  blocksReceived = 0;
  txsReceived = 0;

  constructor(
    private readonly chain: Chain,
    private readonly mempool: Mempool,
    private readonly net: Network,
    private readonly hooks: SyncHooks = {},
  ) {
    net.on('peer', (p: Peer) => this.onPeer(p));
    net.on('message', (p: Peer, m: Message, size = 0) => {
      const st = this.peerState(p);
      // Answers we asked for are bounded by our own requests; the rest by this cap (while we wait
      // for a peer that does not read, its requests would otherwise pile up here).
      const max = this.hooks.maxQueuedBytes ?? 8 << 20;
      if (st.pendingBytes + size > max) {
        p.kill(`over ${max} bytes of messages waiting to be handled`);
        return;
      }
      st.pendingBytes += size;
      st.chain = st.chain
        .then(() => this.onMessage(p, m))
        .catch((err) => this.hooks.log?.(`peer ${p.address}: ${(err as Error).message}`))
        .finally(() => (st.pendingBytes -= size));
    });
  }

  private peerState(p: Peer): PeerSync {
    let s = this.state.get(p);
    if (!s) this.state.set(p, (s = { queue: [], inflight: new Set(), more: false, lastHeader: null, chain: Promise.resolve(), pendingBytes: 0 }));
    return s;
  }

  private onPeer(p: Peer): void {
    const theirWork = BigInt('0x' + p.hello!.work);
    if (theirWork > this.chain.tip.chainWork) this.requestHeaders(p);
    p.send({ t: 'getmempool' });
  }

  private requestHeaders(p: Peer, from?: Uint8Array): void {
    const locator = from ? [from, ...this.chain.getLocator()] : this.chain.getLocator();
    p.send({ t: 'getheaders', locator: locator.slice(0, 64).map(toHex) });
  }

  /** Tell peers about a new active-chain block (skipping those that have it). */
  announceBlock(hash: Uint8Array, except?: Peer): void {
    const h = toHex(hash);
    for (const p of this.net.ready()) {
      if (p === except || p.knownInv.has(h)) continue;
      p.markKnown(h);
      p.send({ t: 'inv', kind: 'block', hashes: [h] });
    }
  }

  announceTx(id: Uint8Array, except?: Peer): void {
    const h = toHex(id);
    for (const p of this.net.ready()) {
      if (p === except || p.knownInv.has(h)) continue;
      p.markKnown(h);
      p.send({ t: 'inv', kind: 'tx', hashes: [h] });
    }
  }

  /**
   * Adds a block from any source. Returns null when accepted (or already known), else the
   * reject reason. `from` is penalised for invalid blocks.
   */
  async acceptBlock(bytes: Uint8Array | Block, from?: Peer): Promise<string | null> {
    let block: Block;
    try {
      block = bytes instanceof Uint8Array ? decodeBlock(bytes, this.chain.params.maxBlockSize) : bytes;
    } catch (err) {
      from?.misbehave(Penalty.MALFORMED, `undecodable block: ${(err as Error).message}`);
      return (err as DecodeError).reason ?? 'decode-error';
    }
    const hash = blockHash(block.header);
    from?.markKnown(toHex(hash));
    try {
      const res = await this.chain.addBlock(block);
      if (res.status === 'duplicate') return 'duplicate';
      if (res.status === 'connected' || res.status === 'reorg') {
        for (const b of res.connected) this.announceBlock(blockHash(b.header), from);
      }
      return null;
    } catch (err) {
      if (err instanceof ValidationError) {
        if (err.reason === 'prev-blk-not-found') {
          if (from) this.requestHeaders(from);
        } else if (!BLOCK_BENIGN.has(err.reason)) {
          from?.misbehave(Penalty.INVALID_BLOCK, `invalid block: ${err.reason}`);
        }
        return err.reason;
      }
      if (err instanceof DecodeError) {
        from?.misbehave(Penalty.MALFORMED, err.message);
        return err.reason;
      }
      throw err;
    }
  }

  /** Admits a transaction from any source; relays it when accepted. Throws the mempool's typed errors. */
  acceptTx(input: Uint8Array | Transaction, from?: Peer): Uint8Array {
    const tx = input instanceof Uint8Array ? decodeTx(input) : input;
    const id = txid(tx);
    from?.markKnown(toHex(id));
    const res = this.mempool.add(tx);
    this.announceTx(res.txid, from);
    return res.txid;
  }

  private async onMessage(p: Peer, m: Message): Promise<void> {
    if (p.closed) return;
    switch (m.t) {
      case 'getheaders': {
        const hashes = this.chain.getHashesAfter(m.locator.map(fromHex), MAX_HEADERS);
        p.send({ t: 'headers', headers: hashes.map((h) => toHex(encodeHeader(this.chain.getEntry(h)!.header))) });
        return;
      }
      case 'headers':
        return this.onHeaders(p, m.headers);
      case 'inv': {
        const want: string[] = [];
        const now = Date.now();
        for (const h of m.hashes) {
          p.markKnown(h);
          const bytes = fromHex(h);
          const have = m.kind === 'block' ? this.chain.hasBlock(bytes) : this.mempool.has(bytes) || this.rejected.has(h);
          const asked = this.requested.get(h);
          if (have || (asked !== undefined && now - asked < 10_000)) continue;
          this.requested.set(h, now);
          want.push(h);
        }
        if (want.length) p.send({ t: 'getdata', kind: m.kind, hashes: want });
        this.trimRequested();
        return;
      }
      case 'getdata': {
        const missing: string[] = [];
        for (const h of m.hashes) {
          const id = fromHex(h);
          // Backpressure: a getdata can ask for 1000 blocks; send them only as fast as the peer reads.
          if (!(await p.drained(p.maxSendBuffer / 4))) return;
          if (m.kind === 'block') {
            const bytes = await this.chain.getBlockBytes(id);
            if (bytes) p.send({ t: 'block', data: toHex(bytes) });
            else missing.push(h);
          } else {
            const tx = this.mempool.get(id);
            if (tx) p.send({ t: 'tx', data: toHex(encodeTx(tx)) });
            else missing.push(h);
          }
          p.markKnown(h);
        }
        if (missing.length) p.send({ t: 'notfound', kind: m.kind, hashes: missing });
        return;
      }
      case 'notfound':
        for (const h of m.hashes) {
          this.requested.delete(h);
          this.peerState(p).inflight.delete(h);
        }
        this.pump(p);
        return;
      case 'block': {
        this.blocksReceived++;
        const bytes = fromHex(m.data);
        const st = this.peerState(p);
        let key: string | null = null;
        try {
          key = toHex(blockHash(decodeBlockHeader(bytes.subarray(0, 80))));
        } catch {
          /* acceptBlock penalises it */
        }
        if (key) {
          this.requested.delete(key);
          st.inflight.delete(key);
        }
        await this.acceptBlock(bytes, p);
        this.pump(p);
        return;
      }
      case 'tx': {
        this.txsReceived++;
        const bytes = fromHex(m.data);
        let id: Uint8Array | null = null;
        try {
          const tx = decodeTx(bytes);
          id = txid(tx);
          this.requested.delete(toHex(id));
          this.acceptTx(tx, p);
        } catch (err) {
          if (id) this.remember(toHex(id));
          if (err instanceof DecodeError) p.misbehave(Penalty.MALFORMED, `undecodable transaction: ${err.reason}`);
          else if (err instanceof ValidationError && TX_FAULTS.has(err.reason)) p.misbehave(Penalty.INVALID_TX, `invalid transaction: ${err.reason}`);
          else if (!(err instanceof MempoolError) && !(err instanceof ValidationError)) throw err;
        }
        return;
      }
      case 'getmempool': {
        const ids = this.mempool.entries().map((e) => e.key);
        for (let i = 0; i < ids.length; i += MAX_INV) {
          const part = ids.slice(i, i + MAX_INV).filter((h) => !p.knownInv.has(h));
          part.forEach((h) => p.markKnown(h));
          if (part.length) p.send({ t: 'inv', kind: 'tx', hashes: part });
        }
        return;
      }
      default:
        return;
    }
  }

  private remember(h: string): void {
    if (this.rejected.size > 20_000) this.rejected.clear();
    this.rejected.add(h);
  }

  private trimRequested(): void {
    if (this.requested.size < 50_000) return;
    const old = Date.now() - 60_000;
    for (const [h, t] of this.requested) if (t < old) this.requested.delete(h);
  }

  /**
   * Header-first: the headers must link to each other and to a block we know, and each must
   * carry valid proof of work for its own bits, before a single block body is fetched.
   */
  private onHeaders(p: Peer, raw: string[]): void {
    const st = this.peerState(p);
    if (raw.length === 0) {
      st.more = false;
      return;
    }
    let prev: Uint8Array | null = null;
    const fresh: string[] = [];
    for (const hx of raw) {
      let header;
      try {
        header = decodeBlockHeader(fromHex(hx));
      } catch {
        p.misbehave(Penalty.MALFORMED, 'undecodable header');
        return;
      }
      const hash = blockHash(header);
      if (prev ? toHex(header.prevHash) !== toHex(prev) : !this.chain.hasBlock(header.prevHash) && !st.queue.includes(toHex(header.prevHash))) {
        if (!prev) {
          // Does not connect to anything we know: ask from our locator (Bitcoin does the same).
          this.requestHeaders(p);
          return;
        }
        p.misbehave(Penalty.INVALID_HEADER, 'headers do not form a chain');
        return;
      }
      try {
        this.chain.consensus.checkSeal(header, hash);
      } catch (err) {
        p.misbehave(Penalty.INVALID_HEADER, `header fails proof of work: ${(err as Error).message}`);
        return;
      }
      prev = hash;
      const key = toHex(hash);
      if (!this.chain.hasBlock(hash) && !st.inflight.has(key) && !st.queue.includes(key)) fresh.push(key);
    }
    st.queue.push(...fresh);
    st.more = raw.length === MAX_HEADERS;
    st.lastHeader = toHex(prev!);
    this.pump(p);
  }

  /** Keeps up to WINDOW block requests in flight to a syncing peer. */
  private pump(p: Peer): void {
    const st = this.peerState(p);
    if (st.inflight.size > WINDOW / 2) return;
    const batch: string[] = [];
    while (st.queue.length && st.inflight.size + batch.length < WINDOW) {
      const h = st.queue.shift()!;
      if (this.chain.hasBlock(fromHex(h))) continue;
      batch.push(h);
    }
    if (batch.length) {
      const now = Date.now();
      for (const h of batch) {
        st.inflight.add(h);
        this.requested.set(h, now);
      }
      p.send({ t: 'getdata', kind: 'block', hashes: batch });
    } else if (st.inflight.size === 0 && st.more && st.lastHeader) {
      st.more = false;
      this.requestHeaders(p, fromHex(st.lastHeader));
    }
  }
}
