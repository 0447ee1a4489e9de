import { TopicValidatorResult } from '@libp2p/interface';
import { blockHash, decodeBlock, decodeBlockHeader, encodeBlock, type Block, type BlockHeader } from '../chain/block.js';
import { encodeHeader } from '../pow/index.js';
import type { BlockIndexEntry, Chain } from '../chain/chain.js';
import { DecodeError, MempoolError, ValidationError } from '../chain/errors.js';
import type { Mempool } from '../chain/mempool.js';
import type { HeaderInfo } from '../chain/retarget.js';
import { decodeTx, encodeTx, txid, type Transaction } from '../chain/tx.js';
import { Penalty, RequestError, type Network, type Peer } from './net/network.js';
import { decodeHashes, encodeHashes, HEADER_SIZE, MAX_BLOCKS_PER_REQUEST, MAX_RESPONSE_BYTES, MAX_HEADERS, MAX_LOCATOR, splitHeaders, WireError } from './net/wire.js';

/** Reasons that say the sender broke a rule no honest node breaks (as opposed to a race or policy). */
const TX_FAULTS = new Set(['bad-txns-signature', 'bad-txns-chainid', 'bad-txns-kind', 'bad-txns-version', 'bad-txns-amount-range', 'bad-txns-fee-range', 'bad-txns-payload-size', 'bad-txns-amount-zero', 'bad-txns-self-transfer']);
const BLOCK_BENIGN = new Set(['prev-blk-not-found', 'time-too-new']);

export interface SyncHooks {
  log?(line: string): void;
  /** Headers of one branch held while its work is still below ours (bounds a low-work header flood). */
  maxBranchHeaders?: number;
  /** Block requests kept in flight during a download. */
  window?: number;
  requestTimeoutMs?: number;
  /**
   * Chains with final blocks (BFT): a block is added only once a verified commit names it —
   * its child's LastCommit, checked for a whole download window in one batch call before
   * any of the window is added, or a decision the node holds. A branch's last block has no
   * child yet, so it waits for its decision (the BFT driver brings it). Gossiped blocks are
   * not taken at all: an uncommitted block could otherwise become the tip.
   */
  finality?: {
    /** A verified commit of block `hash` at `height` is known here. */
    committed(height: number, hash: Uint8Array): boolean;
    /** The LastCommits of consecutive blocks on the tip, in one batch call (engine.preverify); false when they do not verify as a run. */
    preverify(blocks: Block[]): boolean;
  };
}

/**
 * A branch learnt from one peer's headers, from a block we have (`fork`) on: the bounded,
 * O(1)-per-header download queue. `next` is the first header whose block is not fetched yet.
 */
interface Branch {
  fork: BlockIndexEntry;
  headers: BlockHeader[];
  hashes: Uint8Array[];
  infos: HeaderInfo[];
  work: bigint;
  next: number;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Header-first sync and relay on the libp2p network: `sync` answers locators with headers,
 * `blocks` answers hashes with encoded blocks, gossipsub carries new blocks and
 * transactions (validated here; the verdict feeds gossipsub's peer score), `tx` pushes
 * transactions that a reorg made pending again (gossip would drop them as already seen).
 *
 * Sync runs with one peer at a time: headers must connect (to our chain or to the branch
 * being fetched) and carry the expected bits and valid proof of work; a branch is fetched
 * only once its total work exceeds our tip's and `minimumChainWork`, in windows of block
 * requests, each block checked against its header before its body is decoded. A request
 * that times out goes to another peer.
 */
export class Sync {
  private active: Peer | null = null;
  private readonly waiting = new Set<Peer>();
  private readonly lastSync = new WeakMap<Peer, number>();
  blocksReceived = 0;
  txsReceived = 0;

  constructor(
    private readonly chain: Chain,
    private readonly mempool: Mempool,
    private readonly net: Network,
    private readonly hooks: SyncHooks = {},
  ) {
    const P = net.protocols;
    net.handle(P.sync, async (_p, req, reply) => {
      const locator = decodeHashes(req, MAX_LOCATOR, 'locator');
      const hashes = this.chain.getHashesAfter(locator, MAX_HEADERS);
      const out = new Uint8Array(hashes.length * HEADER_SIZE);
      hashes.forEach((h, i) => out.set(encodeHeader(this.chain.getEntry(h)!.header), i * HEADER_SIZE));
      await reply(out);
    });
    net.handle(P.blocks, async (_p, req, reply) => {
      // An answer carries at most MAX_RESPONSE_BYTES of blocks (at least one); the rest get
      // empty frames and are asked for again, so big blocks never pile up in the asker.
      let sent = 0;
      for (const h of decodeHashes(req, MAX_BLOCKS_PER_REQUEST, 'block request')) {
        const bytes = sent >= MAX_RESPONSE_BYTES ? undefined : await this.chain.getBlockBytes(h);
        sent += bytes?.length ?? 0;
        await reply(bytes ?? new Uint8Array(0));
      }
    });
    net.handle(P.tx, async (p, req, reply) => {
      const ok = this.txFrom(p, req) === TopicValidatorResult.Accept;
      await reply(Uint8Array.of(ok ? 1 : 0));
      // Pushed, not gossiped: pass it on to our gossip mesh.
      if (ok) this.net.publish(P.txTopic, req);
    });
    const check = (p: Peer) => {
      if (p.status!.work > this.chain.tip.chainWork) this.syncWith(p);
    };
    net.on('peer', check);
    net.on('status', check);
  }

  /** The gossipsub validator of both topics (wired in by the node). */
  async onGossip(topic: string, p: Peer | undefined, data: Uint8Array): Promise<TopicValidatorResult> {
    if (topic === this.net.protocols.txTopic) {
      this.txsReceived++;
      return this.txFrom(p, data);
    }
    this.blocksReceived++;
    if (this.hooks.finality) return TopicValidatorResult.Ignore;
    return this.blockFrom(p, data);
  }

  /** Publishes a block that joined our active chain. */
  announceBlock(block: Block): void {
    this.net.publish(this.net.protocols.blockTopic, encodeBlock(block));
  }

  announceTx(tx: Transaction): void {
    this.net.publish(this.net.protocols.txTopic, encodeTx(tx));
  }

  /** After a reorg: gossip has seen these already, so each peer gets them directly. */
  pushTx(tx: Transaction): void {
    const bytes = encodeTx(tx);
    for (const p of this.net.ready()) this.net.request(p, this.net.protocols.tx, bytes).catch(() => {});
  }

  /**
   * Adds a block from any source. Returns null when accepted (or already known), else the
   * reject reason. `from` is penalised for invalid blocks; blocks without a source are published.
   */
  async acceptBlock(input: Uint8Array | Block, from?: Peer): Promise<string | null> {
    let block: Block;
    try {
      block = input instanceof Uint8Array ? decodeBlock(input, this.chain.params.maxBlockSize, this.chain.registry) : input;
    } catch (err) {
      if (from) this.net.misbehave(from, Penalty.MALFORMED, `undecodable block: ${(err as Error).message}`);
      return (err as DecodeError).reason ?? 'decode-error';
    }
    try {
      const res = await this.chain.addBlock(block);
      if (res.status === 'duplicate') return 'duplicate';
      if (!from && (res.status === 'connected' || res.status === 'reorg')) this.announceBlock(block);
      return null;
    } catch (err) {
      if (err instanceof ValidationError) {
        if (!BLOCK_BENIGN.has(err.reason) && from) this.net.misbehave(from, Penalty.INVALID_BLOCK, `invalid block: ${err.reason}`);
        return err.reason;
      }
      if (err instanceof DecodeError) {
        if (from) this.net.misbehave(from, Penalty.MALFORMED, err.message);
        return err.reason;
      }
      throw err;
    }
  }

  /** Admits a transaction from RPC; publishes it when accepted. Throws the mempool's typed errors. */
  acceptTx(input: Uint8Array | Transaction): Uint8Array {
    const tx = input instanceof Uint8Array ? decodeTx(input, this.chain.registry) : input;
    const res = this.mempool.add(tx);
    this.announceTx(tx);
    return res.txid;
  }

  private txFrom(p: Peer | undefined, data: Uint8Array): TopicValidatorResult {
    let tx: Transaction;
    try {
      tx = decodeTx(data, this.chain.registry);
    } catch (err) {
      if (p) this.net.misbehave(p, Penalty.MALFORMED, `undecodable transaction: ${(err as DecodeError).reason ?? (err as Error).message}`);
      return TopicValidatorResult.Reject;
    }
    if (this.mempool.has(txid(tx))) return TopicValidatorResult.Ignore;
    try {
      this.mempool.add(tx);
      return TopicValidatorResult.Accept;
    } catch (err) {
      if (err instanceof ValidationError && TX_FAULTS.has(err.reason)) {
        if (p) this.net.misbehave(p, Penalty.INVALID_TX, `invalid transaction: ${err.reason}`);
        return TopicValidatorResult.Reject;
      }
      if (err instanceof MempoolError || err instanceof ValidationError) return TopicValidatorResult.Ignore;
      throw err;
    }
  }

  /** A gossiped block: its header is checked (known? parent known? proof of work?) before the body is decoded. */
  private async blockFrom(p: Peer | undefined, data: Uint8Array): Promise<TopicValidatorResult> {
    if (data.length < HEADER_SIZE) {
      if (p) this.net.misbehave(p, Penalty.MALFORMED, `block of ${data.length} bytes`);
      return TopicValidatorResult.Reject;
    }
    const header = decodeBlockHeader(data.subarray(0, HEADER_SIZE));
    const hash = blockHash(header);
    if (this.chain.hasBlock(hash)) return TopicValidatorResult.Ignore;
    try {
      this.chain.consensus.checkSeal(header, hash);
    } catch (err) {
      if (p) this.net.misbehave(p, Penalty.INVALID_HEADER, `block header fails: ${(err as Error).message}`);
      return TopicValidatorResult.Reject;
    }
    if (!this.chain.hasBlock(header.prevHash)) {
      // An orphan: not decoded, not kept. Its sender is asked for headers (at most once a second).
      if (p) this.syncWith(p);
      return TopicValidatorResult.Ignore;
    }
    const why = await this.acceptBlock(data, p);
    if (why === null) return TopicValidatorResult.Accept;
    return BLOCK_BENIGN.has(why) || why === 'duplicate' ? TopicValidatorResult.Ignore : TopicValidatorResult.Reject;
  }

  /** Queues a header sync with `p` (one sync runs at a time). */
  syncWith(p: Peer): void {
    if (p.closed || this.active === p) return;
    this.waiting.add(p);
    this.next();
  }

  private next(): void {
    if (this.active) return;
    const p = [...this.waiting].find((x) => !x.closed && Date.now() - (this.lastSync.get(x) ?? 0) >= 1_000);
    for (const x of [...this.waiting]) if (x.closed) this.waiting.delete(x);
    if (!p) {
      // Peers asked again within a second of their last sync: try once the second is up.
      if (this.waiting.size) setTimeout(() => this.next(), 1_000).unref?.();
      return;
    }
    this.waiting.delete(p);
    this.active = p;
    this.lastSync.set(p, Date.now());
    this.run(p)
      .catch((err) => {
        if (err instanceof WireError) this.net.misbehave(p, Penalty.MALFORMED, err.message);
        else if (err instanceof RequestError) this.net.disconnect(p, `sync: ${err.message}`);
        else if (err instanceof DecodeError) this.net.misbehave(p, Penalty.MALFORMED, `sync: ${err.message}`);
        else this.hooks.log?.(`sync with ${p.key}: ${(err as Error).message}`);
      })
      .finally(() => {
        this.lastSync.set(p, Date.now());
        this.active = null;
        this.next();
      });
  }

  private async run(p: Peer): Promise<void> {
    const P = this.net.protocols;
    const max = this.hooks.maxBranchHeaders ?? 50_000;
    let branch: Branch | null = null;
    for (;;) {
      if (p.closed) return;
      const tipHash = branch && branch.hashes.length ? branch.hashes[branch.hashes.length - 1]! : null;
      const locator = (tipHash ? [tipHash, ...this.chain.getLocator()] : this.chain.getLocator()).slice(0, MAX_LOCATOR);
      const [raw] = await this.net.request(p, P.sync, encodeHashes(locator), { timeoutMs: this.hooks.requestTimeoutMs });
      const headers = splitHeaders(raw!);
      if (headers.length === 0) break;
      const first = decodeBlockHeader(headers[0]!);
      if (!tipHash || !sameBytes(first.prevHash, tipHash)) {
        const fork = this.chain.getEntry(first.prevHash);
        if (!fork) {
          this.net.misbehave(p, Penalty.NON_CONNECTING, 'headers do not connect to our chain');
          return;
        }
        branch = { fork, headers: [], hashes: [], infos: [], work: fork.chainWork, next: 0 };
      }
      const b = branch!;
      for (const raw80 of headers) {
        const h = decodeBlockHeader(raw80);
        const hash = blockHash(h);
        const prevHash = b.hashes.length ? b.hashes[b.hashes.length - 1]! : b.fork.hash;
        if (!sameBytes(h.prevHash, prevHash)) {
          this.net.misbehave(p, Penalty.INVALID_HEADER, 'headers do not form a chain');
          return;
        }
        if (b.hashes.length === 0) {
          // Blocks we already have only move the fork point.
          const known = this.chain.getEntry(hash);
          if (known) {
            b.fork = known;
            b.work = known.chainWork;
            continue;
          }
        }
        const parent: HeaderInfo = b.infos.length ? b.infos[b.infos.length - 1]! : b.fork;
        const forkHeight = b.fork.height;
        const expected = this.chain.consensus.expectedBits(parent, (height) => (height > forkHeight ? b.infos[height - forkHeight - 1]! : this.chain.ancestor(b.fork, height)));
        if (h.bits >>> 0 !== expected >>> 0) {
          this.net.misbehave(p, Penalty.INVALID_HEADER, `header bits 0x${(h.bits >>> 0).toString(16)}, the retarget rule expects 0x${(expected >>> 0).toString(16)}`);
          return;
        }
        try {
          this.chain.consensus.checkSeal(h, hash);
        } catch (err) {
          this.net.misbehave(p, Penalty.INVALID_HEADER, `header fails proof of work: ${(err as Error).message}`);
          return;
        }
        b.headers.push(h);
        b.hashes.push(hash);
        b.infos.push({ height: parent.height + 1, time: h.time, bits: h.bits });
        b.work += this.chain.consensus.blockWeight(h);
      }
      if (b.headers.length > max) {
        this.net.misbehave(p, Penalty.LOW_WORK, `over ${max} headers without more work than our chain`);
        return;
      }
      const full = headers.length === MAX_HEADERS;
      const minWork = this.chain.params.minimumChainWork ?? 0n;
      if (b.headers.length && b.work > this.chain.tip.chainWork && b.work >= minWork) {
        await this.download(p, b);
        branch = null;
        if (p.closed) return;
      }
      if (!full) {
        if (branch && branch.headers.length && p.status && p.status.work > this.chain.tip.chainWork) {
          this.net.misbehave(p, Penalty.LOW_WORK, 'headers end below the work the peer claimed');
        }
        break;
      }
    }
    const tip = this.chain.tip;
    if (tip.height > 0 && !this.hooks.finality) {
      const blk = await this.chain.getBlock(tip.hash);
      if (blk) this.announceBlock(blk);
    }
  }

  /** Fetches a branch's blocks in order, `window` requests in flight; a stalled request goes to another peer. */
  private async download(p: Peer, b: Branch): Promise<void> {
    const windowSize = this.hooks.window ?? 4;
    const fetches: { start: number; hashes: Uint8Array[]; res: Promise<Uint8Array[]> }[] = [];
    const issue = () => {
      while (fetches.length < windowSize && b.next < b.hashes.length) {
        const hashes = b.hashes.slice(b.next, b.next + MAX_BLOCKS_PER_REQUEST);
        const start = b.next;
        b.next += hashes.length;
        const res = this.fetchBlocks(p, hashes);
        res.catch(() => {});
        fetches.push({ start, hashes, res });
      }
    };
    issue();
    // Final-blocks mode: the last block of the previous window, waiting for its child's commit.
    let held: Block | null = null;
    while (fetches.length) {
      const f = fetches.shift()!;
      let frames = await f.res;
      for (let i = 0; i < f.hashes.length; i++) {
        if (i > 0 && frames[i]!.length === 0) {
          // Cut short at the answer's byte cap: ask again for the rest.
          frames = [...frames.slice(0, i), ...(await this.fetchBlocks(p, f.hashes.slice(i)))];
        }
        const bytes = frames[i]!;
        // The body is decoded only if its header is the one asked for.
        if (bytes.length < HEADER_SIZE || !sameBytes(blockHash(decodeBlockHeader(bytes.subarray(0, HEADER_SIZE))), f.hashes[i]!)) {
          this.net.misbehave(p, Penalty.INVALID_BLOCK, bytes.length ? 'sent a block other than the one asked for' : 'announced headers of blocks it cannot send');
          return;
        }
        if (!this.hooks.finality) {
          const why = await this.acceptBlock(bytes, p);
          if (why !== null && why !== 'duplicate') return;
        }
      }
      if (this.hooks.finality) {
        let run: Block[];
        try {
          run = frames.slice(0, f.hashes.length).map((b) => decodeBlock(b, this.chain.params.maxBlockSize, this.chain.registry));
        } catch (err) {
          this.net.misbehave(p, Penalty.MALFORMED, `undecodable block: ${(err as Error).message}`);
          return;
        }
        const rest = await this.addCommitted(p, held ? [held, ...run] : run);
        if (rest === undefined) return;
        held = rest;
      }
      issue();
    }
    if (held && this.hooks.finality!.committed(b.fork.height + b.hashes.length, blockHash(held.header))) await this.acceptBlock(held, p);
  }

  /**
   * Adds every block of `run` (consecutive, on the tip) whose child's LastCommit verifies,
   * all in one batch call (pairwise where the validator set changes inside the run).
   * Returns the last block, still waiting for its commit; undefined when the peer sent
   * blocks that do not hold.
   */
  private async addCommitted(p: Peer, run: Block[]): Promise<Block | null | undefined> {
    const fin = this.hooks.finality!;
    if (run.length === 0) return null;
    const whole = fin.preverify(run);
    for (let i = 0; i + 1 < run.length; i++) {
      if (!sameBytes(run[i + 1]!.header.prevHash, blockHash(run[i]!.header))) {
        this.net.misbehave(p, Penalty.INVALID_BLOCK, 'sent blocks that do not form a chain');
        return undefined;
      }
      if (!whole && !fin.preverify([run[i]!, run[i + 1]!])) {
        this.net.misbehave(p, Penalty.INVALID_BLOCK, 'a block whose LastCommit does not verify');
        return undefined;
      }
      const why = await this.acceptBlock(run[i]!, p);
      if (why !== null && why !== 'duplicate') return undefined;
    }
    return run[run.length - 1]!;
  }

  private async fetchBlocks(p: Peer, hashes: Uint8Array[]): Promise<Uint8Array[]> {
    const body = encodeHashes(hashes);
    try {
      return await this.net.request(p, this.net.protocols.blocks, body, { maxFrames: hashes.length, timeoutMs: this.hooks.requestTimeoutMs });
    } catch (err) {
      if (!(err instanceof RequestError)) throw err;
      for (const other of this.net.ready()) {
        if (other === p) continue;
        try {
          this.hooks.log?.(`sync: ${err.message}; asking ${other.key}`);
          return await this.net.request(other, this.net.protocols.blocks, body, { maxFrames: hashes.length, timeoutMs: this.hooks.requestTimeoutMs });
        } catch {
          /* next peer */
        }
      }
      throw err;
    }
  }
}
