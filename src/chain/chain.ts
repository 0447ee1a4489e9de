// The chain: block index (every known valid header, with cumulative work), the active
// chain, account state, and fork choice by most cumulative work with reorgs of any depth
// the store holds (undo records are kept for every connected block).
//
// Store layout (one-byte prefixes): i+hash -> index record, b+hash -> block, u+hash ->
// undo, s+namespace/key -> module state, m+height(BE) -> main-chain hash, t+txid -> block
// hash + position, 'T' -> tip hash, 'G' -> genesis hash, 'V' -> store format. Every
// connect/disconnect is one atomic commit, so a crash leaves the store at a block boundary.
import { loadInstrumenter } from '../contracts/instrument.js';
import { blockHash, decodeBlock, encodeBlock, type Block, type BlockHeader } from './block.js';
import { Reader, Writer } from './codec.js';
import type { Consensus } from './consensus.js';
import { engineFor } from './engines.js';
import { ChainError, EncodeError, ValidationError } from './errors.js';
import { binKey, bytesEqual, fromBinKey, toDisplayHex, toHex } from './hex.js';
import { defineParams, genesisBlock, type ChainParams } from './params.js';
import { medianTimePast, type HeaderInfo } from './retarget.js';
import type { ModuleRegistry } from './module.js';
import { defaultRegistry } from './modules/index.js';
import { applyBlock, ChainState, decodeUndo, encodeUndo, previewRoots, type Account, type AccountView } from './state.js';
import { memoryStore, type ChainStore, type StoreOp } from './store.js';
import { checkBlock, checkBlockContext, checkBlockSignatures, checkBlockSignaturesSync } from './validation.js';
import { decodeHeader, encodeHeader } from '../pow/index.js';
import { txid, withRoots, type CoinbaseBody, type Transaction } from './tx.js';

export interface BlockIndexEntry extends HeaderInfo {
  hash: Uint8Array;
  /** hex of `hash` (internal order), the map key. */
  key: string;
  header: BlockHeader;
  chainWork: bigint;
  parent: BlockIndexEntry | null;
  /** valid: passed stateless + contextual checks; invalid: failed when connected. */
  status: 'valid' | 'invalid';
}

export interface ChainOptions {
  params: ChainParams;
  /** Default: a fresh in-memory store. */
  store?: ChainStore;
  /** Default: the engine `params.consensus` names (engines.ts engineFor). */
  consensus?: Consensus;
  /** The chain's modules (default: the built-in ones); the engine's modules are added. */
  registry?: ModuleRegistry;
  /** Local clock in seconds (default Date.now()/1000), for the future-time limit. */
  now?: () => number;
  /** Worker threads for batch verification of big blocks. */
  sigThreads?: number;
  /** From this many signatures on a block is verified on the worker pool (default 4096). */
  parallelVerifyThreshold?: number;
}

export type AddBlockStatus = 'connected' | 'reorg' | 'side-chain' | 'duplicate';

export interface AddBlockResult {
  status: AddBlockStatus;
  hash: Uint8Array;
  height: number;
  /** Blocks removed from the active chain, tip first (reorg only). */
  disconnected: Block[];
  /** Blocks added to the active chain, in height order. */
  connected: Block[];
}

export interface TipChangeEvent {
  tip: BlockIndexEntry;
  disconnected: Block[];
  connected: Block[];
}

const P = {
  index: 0x69, // i
  block: 0x62, // b
  undo: 0x75, // u
  state: 0x73, // s
  main: 0x6d, // m
  tx: 0x74, // t
};
const TIP_KEY = new Uint8Array([0x54]); // T
const GENESIS_KEY = new Uint8Array([0x47]); // G
const FORMAT_KEY = new Uint8Array([0x56]); // V
/**
 * Store format: 2 = envelope transactions, module state under 's', state roots in the
 * coinbase. Stores without the key were written by format 1 (fixed transfer records).
 */
export const STORE_FORMAT = 2;

function key(prefix: number, body: Uint8Array): Uint8Array {
  const k = new Uint8Array(1 + body.length);
  k[0] = prefix;
  k.set(body, 1);
  return k;
}

function heightKey(height: number): Uint8Array {
  const k = new Uint8Array(5);
  k[0] = P.main;
  new DataView(k.buffer).setUint32(1, height, false);
  return k;
}

function encodeIndex(e: BlockIndexEntry): Uint8Array {
  return new Writer(86).raw(encodeHeader(e.header)).u32(e.height, 'height').u8(e.status === 'valid' ? 1 : 0, 'status').finish();
}

export class Chain implements AccountView {
  readonly params: ChainParams;
  readonly consensus: Consensus;
  readonly store: ChainStore;
  readonly registry: ModuleRegistry;
  readonly state: ChainState;
  private readonly index = new Map<string, BlockIndexEntry>();
  private main: BlockIndexEntry[] = [];
  private readonly now: () => number;
  private readonly listeners = new Set<(e: TipChangeEvent) => void>();
  private lock: Promise<unknown> = Promise.resolve();
  private readonly sigOpts: { threads?: number; parallelThreshold?: number };
  /** The state is ahead of (or behind) `main` while a connect or disconnect is being stored. */
  private applying = false;

  private constructor(opts: ChainOptions) {
    this.params = defineParams(opts.params);
    this.consensus = opts.consensus ?? engineFor(this.params);
    const base = opts.registry ?? defaultRegistry;
    // A registry that already holds one of the engine's modules (the same object) keeps it once.
    const extra = this.consensus.modules.filter((m) => base.module(m.name) !== m);
    this.registry = extra.length ? base.with(...extra) : base;
    this.state = new ChainState(this.params, this.registry);
    this.store = opts.store ?? memoryStore();
    this.now = opts.now ?? (() => Math.floor(Date.now() / 1000));
    this.sigOpts = { threads: opts.sigThreads, parallelThreshold: opts.parallelVerifyThreshold };
  }

  /** Opens (or initialises with genesis) a chain on `options.store`. */
  static async open(options: ChainOptions): Promise<Chain> {
    // Deploying a contract needs the instrumenter (binaryen), loaded on demand; where it
    // cannot load (a browser bundle) a deploy stops block application instead of diverging.
    await loadInstrumenter();
    const chain = new Chain(options);
    await chain.store.open();
    try {
      await chain.load();
    } catch (err) {
      // Release the database (its lock) so the caller can report and exit, or retry.
      await chain.store.close().catch(() => undefined);
      throw err;
    }
    return chain;
  }

  async close(): Promise<void> {
    await this.lock;
    await this.store.close();
  }

  private async load(): Promise<void> {
    const genesis = genesisBlock(this.params);
    const gHash = blockHash(genesis.header);
    const stored = await this.store.get(GENESIS_KEY);
    if (!stored) {
      const entry = this.makeEntry(genesis.header, gHash, null);
      const { changed } = applyBlock(this.state, genesis, 0, this.consensus, { genesis: true });
      const ops: StoreOp[] = [
        { type: 'put', key: FORMAT_KEY, value: new Uint8Array([STORE_FORMAT]) },
        { type: 'put', key: key(P.index, gHash), value: encodeIndex(entry) },
        { type: 'put', key: key(P.block, gHash), value: encodeBlock(genesis) },
        { type: 'put', key: heightKey(0), value: gHash },
        { type: 'put', key: TIP_KEY, value: gHash },
        { type: 'put', key: GENESIS_KEY, value: gHash },
        ...this.stateOps(changed),
        ...genesis.txs.map((tx, i): StoreOp => ({ type: 'put', key: key(P.tx, txid(tx)), value: txLocation(gHash, i) })),
      ];
      await this.store.commit(ops);
      this.index.set(entry.key, entry);
      this.main = [entry];
      return;
    }
    const format = await this.store.get(FORMAT_KEY);
    if (!format || format.length !== 1 || format[0] !== STORE_FORMAT) {
      const was = format && format.length === 1 ? `format ${format[0]}` : 'format 1 (before the module seam)';
      throw new ChainError(
        'store-format',
        `the data dir was written by an incompatible hashlane (store ${was}; this version reads format ${STORE_FORMAT}): delete the data dir (or this chain's folder in it) and re-sync from peers`,
      );
    }
    if (!bytesEqual(stored, gHash)) {
      throw new ChainError('genesis-mismatch', `the store holds genesis ${toDisplayHex(stored)}, these params give ${toDisplayHex(gHash)}`);
    }
    const records: { hash: Uint8Array; header: BlockHeader; height: number; valid: boolean }[] = [];
    for await (const [k, v] of this.store.entries(new Uint8Array([P.index]))) {
      const r = new Reader(v, 'index record');
      records.push({ hash: k.slice(1), header: decodeHeader(r.fixed(80, 'header')), height: r.u32('height'), valid: r.u8('status') === 1 });
    }
    records.sort((a, b) => a.height - b.height);
    for (const rec of records) {
      const parent = rec.height === 0 ? null : this.index.get(toHex(rec.header.prevHash));
      if (rec.height > 0 && !parent) throw new ChainError('store-corrupt', `index record ${toDisplayHex(rec.hash)} has no parent`);
      const e = this.makeEntry(rec.header, rec.hash, parent ?? null);
      e.status = rec.valid ? 'valid' : 'invalid';
      this.index.set(e.key, e);
    }
    for await (const [k, v] of this.store.entries(new Uint8Array([P.state]))) this.state.load(binKey(k.subarray(1)), v);
    const tipHash = await this.store.get(TIP_KEY);
    let t = tipHash && this.index.get(toHex(tipHash));
    if (!t) throw new ChainError('store-corrupt', 'the stored tip is not in the block index');
    const main: BlockIndexEntry[] = new Array(t.height + 1);
    for (let e: BlockIndexEntry | null = t; e; e = e.parent) main[e.height] = e;
    this.main = main;
    await this.activateBestStored();
  }

  /**
   * A block is stored in one commit and connected in the next, and a reorg is several
   * commits: after a crash in between, the stored tip may not be the most-work valid branch
   * the store holds. Each commit is atomic, so the state matches the stored tip; move on
   * from there to the best branch, as if its blocks had just arrived.
   */
  private async activateBestStored(): Promise<void> {
    for (;;) {
      let best = this.tip;
      for (const e of this.index.values()) if (e.status === 'valid' && e.chainWork > best.chainWork) best = e;
      if (best === this.tip) return;
      try {
        await this.activate(best, await this.loadBlock(best));
      } catch (err) {
        // activate() marked the failing block invalid and restored the old branch: look again.
        if (!(err instanceof ValidationError)) throw err;
      }
    }
  }

  private makeEntry(header: BlockHeader, hash: Uint8Array, parent: BlockIndexEntry | null): BlockIndexEntry {
    return {
      hash,
      key: toHex(hash),
      header,
      height: parent ? parent.height + 1 : 0,
      time: header.time,
      bits: header.bits,
      chainWork: (parent?.chainWork ?? 0n) + this.consensus.blockWeight(header),
      parent,
      status: 'valid',
    };
  }

  private stateOps(keys: string[]): StoreOp[] {
    return keys.map((k): StoreOp => {
      const v = this.state.get(k);
      const dbKey = key(P.state, fromBinKey(k));
      return v ? { type: 'put', key: dbKey, value: v } : { type: 'del', key: dbKey };
    });
  }

  // ---- queries --------------------------------------------------------------------------

  get tip(): BlockIndexEntry {
    return this.main[this.main.length - 1];
  }

  get height(): number {
    return this.main.length - 1;
  }

  get genesisHash(): Uint8Array {
    return this.main[0].hash;
  }

  /** Balance and nonce of an account on the active chain (a copy). */
  getAccount(publicKey: Uint8Array): Account {
    return this.state.getAccount(publicKey);
  }

  /** Root of the state after the tip (what the tip's coinbase commits). */
  stateRoot(): Uint8Array {
    return this.state.root();
  }

  /**
   * The coinbase `txs[0]` with the state and receipts roots that a block of `txs` on the
   * tip, at `time` (default: what a template takes), would commit (templates use it;
   * nothing is kept).
   */
  commitRoots(txs: readonly Transaction[], time?: number): Transaction<CoinbaseBody> {
    const height = this.height + 1;
    // The dry run sees the child's context: its parent hash (the bft LastCommit names it)
    // and its time (contracts read it).
    const header = { ...this.tip.header, prevHash: this.tip.hash, time: time ?? Math.max(this.now(), this.medianTimePast() + 1) };
    const block = { header, txs: [...txs] };
    const roots = previewRoots(this.state, block, height, this.consensus);
    return withRoots(txs[0] as Transaction<CoinbaseBody>, roots);
  }

  /**
   * Full validation of a proposed child of the tip without storing it (the BFT driver's
   * valid(v)): stateless checks with the seal, the contextual checks, every signature in
   * one batch, and a dry run of the block on the tip's state with its committed roots
   * compared. Throws ValidationError; nothing is kept.
   */
  checkCandidate(block: Block): void {
    if (this.applying) throw new ValidationError('chain-busy', 'a block is being connected; the tip is about to move (ask again once addBlock settles)');
    const parent = this.tip;
    if (!bytesEqual(block.header.prevHash, parent.hash)) {
      throw new ValidationError('bad-prevblk', `the candidate's parent is ${toDisplayHex(block.header.prevHash)}, expected the tip ${toDisplayHex(parent.hash)}`);
    }
    checkBlock(block, this.params, this.consensus, this.registry);
    checkBlockContext(block, parent, (h) => this.ancestor(parent, h), this.params, this.consensus, this.now());
    checkBlockSignaturesSync(block.txs, this.registry);
    const res = applyBlock(this.state, block, parent.height + 1, this.consensus);
    this.state.undo(res.undo);
  }

  /** Index entry of any known valid or invalid block (hash in internal order). */
  getEntry(hash: Uint8Array): BlockIndexEntry | undefined {
    return this.index.get(toHex(hash));
  }

  hasBlock(hash: Uint8Array): boolean {
    return this.index.has(toHex(hash));
  }

  /** Hash of the active-chain block at `height`. */
  getHashAtHeight(height: number): Uint8Array | undefined {
    return this.main[height]?.hash;
  }

  getEntryAtHeight(height: number): BlockIndexEntry | undefined {
    return this.main[height];
  }

  isOnMainChain(hash: Uint8Array): boolean {
    const e = this.getEntry(hash);
    return !!e && this.main[e.height] === e;
  }

  async getBlock(hash: Uint8Array): Promise<Block | undefined> {
    const bytes = await this.store.get(key(P.block, hash));
    return bytes ? decodeBlock(bytes, undefined, this.registry) : undefined;
  }

  /** Raw encoded block (as stored), for relaying without re-encoding. */
  getBlockBytes(hash: Uint8Array): Promise<Uint8Array | undefined> {
    return this.store.get(key(P.block, hash));
  }

  async getBlockAtHeight(height: number): Promise<Block | undefined> {
    const h = this.getHashAtHeight(height);
    return h ? this.getBlock(h) : undefined;
  }

  /** A transaction of the active chain by txid (internal order). */
  async getTransaction(id: Uint8Array): Promise<{ tx: Transaction; blockHash: Uint8Array; height: number; index: number } | undefined> {
    const loc = await this.store.get(key(P.tx, id));
    if (!loc) return undefined;
    const bh = loc.subarray(0, 32);
    const index = new DataView(loc.buffer, loc.byteOffset + 32, 4).getUint32(0, true);
    const block = await this.getBlock(bh);
    const e = this.getEntry(bh);
    if (!block || !e) return undefined;
    return { tx: block.txs[index], blockHash: bh.slice(), height: e.height, index };
  }

  /** Ancestor of `entry` at `height` (same branch). */
  ancestor(entry: BlockIndexEntry, height: number): BlockIndexEntry {
    if (height < 0 || height > entry.height) throw new RangeError(`no ancestor at height ${height} of a block at height ${entry.height}`);
    let e: BlockIndexEntry = entry;
    while (e.height > height) {
      if (this.main[e.height] === e) return this.main[height];
      e = e.parent!;
    }
    return e;
  }

  /** Median time past of `entry` (default: the tip). */
  medianTimePast(entry: BlockIndexEntry = this.tip): number {
    return medianTimePast(entry, (h) => this.ancestor(entry, h), this.params);
  }

  /** Bits the child of `parent` (default: the tip) must carry. */
  nextBits(parent: BlockIndexEntry = this.tip): number {
    return this.consensus.expectedBits(parent, (h) => this.ancestor(parent, h));
  }

  /** Current local clock in seconds (as the chain sees it). */
  clock(): number {
    return this.now();
  }

  /** Bitcoin-style block locator: tip, then back 1, 1, ..., doubling, ending at genesis. */
  getLocator(from: BlockIndexEntry = this.tip): Uint8Array[] {
    const out: Uint8Array[] = [];
    let step = 1;
    let h = from.height;
    while (h > 0) {
      out.push(this.ancestor(from, h).hash);
      if (out.length >= 10) step *= 2;
      h -= step;
    }
    out.push(this.main[0].hash);
    return out;
  }

  /** Active-chain hashes after the first locator hash we have on the active chain. */
  getHashesAfter(locator: Uint8Array[], max = 2000): Uint8Array[] {
    let start = 0;
    for (const h of locator) {
      const e = this.getEntry(h);
      if (e && this.main[e.height] === e) {
        start = e.height + 1;
        break;
      }
    }
    return this.main.slice(start, start + max).map((e) => e.hash);
  }

  /** Listen for active-chain changes; returns an unsubscribe function. */
  subscribe(listener: (e: TipChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- adding blocks ----------------------------------------------------------------------

  /**
   * Validates and stores a block (decoded or raw bytes), and makes it the tip when its
   * branch has the most cumulative work (reorganising if needed). Throws DecodeError or
   * ValidationError (reason `prev-blk-not-found` when the parent is unknown: fetch it first).
   */
  addBlock(input: Block | Uint8Array): Promise<AddBlockResult> {
    const run = this.lock.then(() => this.addBlockLocked(input));
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async addBlockLocked(input: Block | Uint8Array): Promise<AddBlockResult> {
    const block = input instanceof Uint8Array ? decodeBlock(input, this.params.maxBlockSize, this.registry) : input;
    let hash: Uint8Array;
    try {
      hash = blockHash(block.header);
    } catch (e) {
      throw new EncodeError('encode-header', `the block header cannot be encoded: ${(e as Error).message}`);
    }
    const known = this.index.get(toHex(hash));
    if (known) {
      if (known.status === 'invalid') throw new ValidationError('duplicate-invalid', `block ${toDisplayHex(hash)} is known to be invalid`);
      return { status: 'duplicate', hash, height: known.height, disconnected: [], connected: [] };
    }
    const parent = this.index.get(toHex(block.header.prevHash));
    if (!parent) throw new ValidationError('prev-blk-not-found', `parent ${toDisplayHex(block.header.prevHash)} of block ${toDisplayHex(hash)} is unknown`);
    if (parent.status === 'invalid') throw new ValidationError('bad-prevblk', `parent ${toDisplayHex(parent.hash)} is invalid`);

    checkBlock(block, this.params, this.consensus, this.registry);
    checkBlockContext(block, parent, (h) => this.ancestor(parent, h), this.params, this.consensus, this.now());
    await checkBlockSignatures(block.txs, this.sigOpts, this.registry);

    const entry = this.makeEntry(block.header, hash, parent);
    await this.store.commit([
      { type: 'put', key: key(P.index, hash), value: encodeIndex(entry) },
      { type: 'put', key: key(P.block, hash), value: input instanceof Uint8Array ? input.slice() : encodeBlock(block) },
    ]);
    this.index.set(entry.key, entry);

    if (entry.chainWork <= this.tip.chainWork) {
      return { status: 'side-chain', hash, height: entry.height, disconnected: [], connected: [] };
    }
    const { disconnected, connected } = await this.activate(entry, block);
    return { status: disconnected.length ? 'reorg' : 'connected', hash, height: entry.height, disconnected, connected };
  }

  private async loadBlock(e: BlockIndexEntry): Promise<Block> {
    const b = await this.getBlock(e.hash);
    if (!b) throw new ChainError('store-corrupt', `block ${toDisplayHex(e.hash)} is indexed but not stored`);
    return b;
  }

  /** Moves the active chain to `target` (which has more work than the tip). */
  private async activate(target: BlockIndexEntry, targetBlock: Block): Promise<{ disconnected: Block[]; connected: Block[] }> {
    const oldTip = this.tip;
    let fork = target;
    while (this.main[fork.height] !== fork) fork = fork.parent!;
    const final = this.consensus.finalizedHeight(oldTip);
    if (fork.height < final) {
      throw new ValidationError('bad-fork-finalized', `the branch forks at height ${fork.height}, below the finalized height ${final}`);
    }
    const path: BlockIndexEntry[] = [];
    for (let e = target; e !== fork; e = e.parent!) path.push(e);
    path.reverse();

    const disconnected: Block[] = [];
    while (this.tip !== fork) disconnected.push(await this.disconnectTip());
    const connected: Block[] = [];
    for (const e of path) {
      const block = e === target ? targetBlock : await this.loadBlock(e);
      try {
        await this.connectTip(e, block);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        await this.markInvalid(e);
        // Back to the old branch: it was valid and had the most work among valid branches.
        while (this.tip !== fork) await this.disconnectTip();
        const back: BlockIndexEntry[] = [];
        for (let o = oldTip; o !== fork; o = o.parent!) back.push(o);
        for (const o of back.reverse()) await this.connectTip(o, await this.loadBlock(o));
        throw err;
      }
      connected.push(block);
    }
    const ev: TipChangeEvent = { tip: this.tip, disconnected, connected };
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch {
        // A listener's failure must not undo a committed chain change.
      }
    }
    return { disconnected, connected };
  }

  private async markInvalid(bad: BlockIndexEntry): Promise<void> {
    const ops: StoreOp[] = [];
    for (const e of this.index.values()) {
      let a: BlockIndexEntry | null = e;
      while (a && a.height > bad.height) a = a.parent;
      if (a === bad) {
        e.status = 'invalid';
        ops.push({ type: 'put', key: key(P.index, e.hash), value: encodeIndex(e) });
      }
    }
    await this.store.commit(ops);
  }

  private async connectTip(e: BlockIndexEntry, block: Block): Promise<void> {
    const res = applyBlock(this.state, block, e.height, this.consensus);
    this.applying = true;
    const ops: StoreOp[] = [
      ...this.stateOps(res.changed),
      { type: 'put', key: key(P.undo, e.hash), value: encodeUndo(res.undo) },
      { type: 'put', key: heightKey(e.height), value: e.hash },
      { type: 'put', key: TIP_KEY, value: e.hash },
    ];
    block.txs.forEach((tx, i) => ops.push({ type: 'put', key: key(P.tx, txid(tx)), value: txLocation(e.hash, i) }));
    try {
      await this.store.commit(ops);
    } catch (err) {
      this.state.undo(res.undo);
      throw err;
    } finally {
      this.applying = false;
    }
    this.main.push(e);
  }

  private async disconnectTip(): Promise<Block> {
    const e = this.tip;
    if (!e.parent) throw new ChainError('reorg-genesis', 'cannot disconnect the genesis block');
    const [block, undoBytes] = await Promise.all([this.loadBlock(e), this.store.get(key(P.undo, e.hash))]);
    if (!undoBytes) throw new ChainError('store-corrupt', `no undo record for block ${toDisplayHex(e.hash)}: cannot reorg this deep`);
    const undo = decodeUndo(undoBytes);
    const redo = { entries: undo.entries.map((u) => ({ key: u.key, prev: this.state.get(u.key) })) };
    this.state.undo(undo);
    this.applying = true;
    const ops: StoreOp[] = [
      ...this.stateOps(undo.entries.map((u) => u.key)),
      { type: 'del', key: key(P.undo, e.hash) },
      { type: 'del', key: heightKey(e.height) },
      { type: 'put', key: TIP_KEY, value: e.parent.hash },
    ];
    for (const tx of block.txs) ops.push({ type: 'del', key: key(P.tx, txid(tx)) });
    try {
      await this.store.commit(ops);
    } catch (err) {
      this.state.undo(redo);
      throw err;
    } finally {
      this.applying = false;
    }
    this.main.pop();
    return block;
  }
}

function txLocation(hash: Uint8Array, index: number): Uint8Array {
  const v = new Uint8Array(36);
  v.set(hash);
  new DataView(v.buffer).setUint32(32, index, true);
  return v;
}
