// The chain state: one namespaced key-value map (each module owns the keys under
// "<namespace>/"), a journal of every write, and the state root over all of it.
//
// Journal: `begin()` opens a frame; `revert()` restores every write since the matching
// begin, `commit()` folds the frame into the enclosing one. A block runs in the outermost
// frame; its undo record is the first previous value of every key it wrote, so
// `undoBlock` restores the state (and therefore the state root) exactly. Nested frames are
// for calls that may fail without failing the block.
//
// `applyBlock` is all-or-nothing: on the first failing transaction it reverts the block's
// frame and throws, so the state never holds half a block.
import { merkleRoot, sha256Batch } from '../hash/index.js';
import type { Block } from './block.js';
import { Reader, Writer } from './codec.js';
import type { Consensus } from './consensus.js';
import { ChainError, ValidationError } from './errors.js';
import { binKey, bytesEqual, fromBinKey, toHex } from './hex.js';
import type { ChainModule, KindSpec, ModuleContext, ModuleRegistry, ModuleStore, RewardContext, StateQuery } from './module.js';
import { defaultRegistry, queryAccount, type Account, type CoinbaseBody } from './modules/index.js';
import type { ChainParams } from './params.js';
import { StateTree } from './state-root.js';
import { txid, type Transaction } from './tx.js';

export type { Account };

/** Read access to accounts, as the mempool and template builder need it. */
export interface AccountView {
  getAccount(publicKey: Uint8Array): Account;
}

/** One written key (binKey of the full state key) and its value before the block. */
export interface UndoEntry {
  key: string;
  prev: Uint8Array | undefined;
}

export interface BlockUndo {
  entries: UndoEntry[];
}

/** Namespaced, journaled key-value state with an incremental root. */
export class JournaledState {
  private readonly kv = new Map<string, Uint8Array>();
  private readonly tree = new StateTree();
  private journal: UndoEntry[] = [];
  private readonly frames: number[] = [];

  /** Full key = namespace + "/" + key, as a binKey string. */
  static key(namespace: string, key: Uint8Array): string {
    return namespace + '/' + binKey(key);
  }

  get(k: string): Uint8Array | undefined {
    return this.kv.get(k);
  }

  set(k: string, value: Uint8Array | undefined): void {
    if (this.frames.length) this.journal.push({ key: k, prev: this.kv.get(k) });
    if (value === undefined) this.kv.delete(k);
    else this.kv.set(k, value);
    this.tree.touch(k);
  }

  get size(): number {
    return this.kv.size;
  }

  get depth(): number {
    return this.frames.length;
  }

  begin(): void {
    this.frames.push(this.journal.length);
  }

  /** Keeps the writes of the innermost frame (they join the enclosing frame's journal). */
  commit(): void {
    if (!this.frames.length) throw new ChainError('state-no-frame', 'commit() without a matching begin()');
    this.frames.pop();
    if (!this.frames.length) this.journal = [];
  }

  /** Restores every key written since the innermost begin(). */
  revert(): void {
    const start = this.frames.pop();
    if (start === undefined) throw new ChainError('state-no-frame', 'revert() without a matching begin()');
    for (let i = this.journal.length - 1; i >= start; i--) this.restore(this.journal[i]);
    this.journal.length = start;
  }

  private restore(e: UndoEntry): void {
    if (e.prev === undefined) this.kv.delete(e.key);
    else this.kv.set(e.key, e.prev);
    this.tree.touch(e.key);
  }

  /** Closes the outermost frame and returns its undo record (first previous value per key). */
  commitBlock(): BlockUndo {
    if (this.frames.length !== 1) throw new ChainError('state-no-frame', `commitBlock() at frame depth ${this.frames.length}, expected 1`);
    const seen = new Set<string>();
    const entries: UndoEntry[] = [];
    for (const e of this.journal) {
      if (seen.has(e.key)) continue;
      seen.add(e.key);
      entries.push(e);
    }
    this.frames.pop();
    this.journal = [];
    return { entries };
  }

  /** Undoes a committed block (not journaled). */
  undo(undo: BlockUndo): void {
    if (this.frames.length) throw new ChainError('state-in-frame', 'undo() inside an open frame');
    for (let i = undo.entries.length - 1; i >= 0; i--) this.restore(undo.entries[i]);
  }

  /** The state root (state-root.ts): rehashes only what changed since the last call. */
  root(): Uint8Array {
    return this.tree.root((k) => this.kv.get(k));
  }

  /** Every entry (full binKey, value), for the store. */
  entries(): IterableIterator<[string, Uint8Array]> {
    return this.kv.entries();
  }

  /** Sets without journaling (loading from the store). */
  load(k: string, value: Uint8Array): void {
    this.kv.set(k, value);
    this.tree.touch(k);
  }
}

/** The state of one chain: the journaled map plus the modules that interpret it. */
export class ChainState extends JournaledState implements AccountView, StateQuery {
  constructor(
    readonly params: ChainParams,
    readonly registry: ModuleRegistry = defaultRegistry,
  ) {
    super();
  }

  getAccount(publicKey: Uint8Array): Account {
    return queryAccount(this, publicKey);
  }

  /** StateQuery: a value of one namespace. */
  read(namespace: string, key: Uint8Array): Uint8Array | undefined {
    return this.get(JournaledState.key(namespace, key));
  }

  call<K>(module: string): K {
    return this.keeperOf(module, 0);
  }

  storeOf(m: ChainModule): ModuleStore {
    const ns = m.namespace + '/';
    return {
      get: (k) => this.get(ns + binKey(k)),
      set: (k, v) => this.set(ns + binKey(k), v),
    };
  }

  keeperOf<K>(name: string, height: number): K {
    const m = this.registry.module(name);
    if (!m?.keeper) throw new ChainError('no-keeper', `module ${name} is not registered or exports no calls`);
    return m.keeper({ store: this.storeOf(m), params: this.params, call: (n) => this.keeperOf(n, height) }) as K;
  }
}

/** A transaction's outcome, committed in the block through the receipts root. */
export interface Receipt {
  txid: Uint8Array;
  kind: number;
  /** 0: applied. (Kinds that may fail without failing the block use other codes.) */
  status: number;
  fee: bigint;
  data: Uint8Array;
}

export function encodeReceipt(r: Receipt): Uint8Array {
  return new Writer(52 + r.data.length)
    .fixed(r.txid, 32, 'receipt.txid')
    .u8(r.kind, 'receipt.kind')
    .u8(r.status, 'receipt.status')
    .u64(r.fee, 'receipt.fee')
    .varbytes(r.data, 1 << 20, 'receipt.data')
    .finish();
}

const ZERO_ROOT = new Uint8Array(32);

/** Bitcoin-style merkle root over sha256d(receipt), zeros when there is none. */
export function receiptsRoot(receipts: readonly Receipt[]): Uint8Array {
  if (receipts.length === 0) return ZERO_ROOT.slice();
  const encs = receipts.map(encodeReceipt);
  const groups = new Map<number, number[]>();
  encs.forEach((e, i) => {
    let g = groups.get(e.length);
    if (!g) groups.set(e.length, (g = []));
    g.push(i);
  });
  const first = new Uint8Array(encs.length * 32);
  for (const [len, idx] of groups) {
    const packed = new Uint8Array(idx.length * len);
    idx.forEach((i, k) => packed.set(encs[i], k * len));
    const d = sha256Batch(packed, len);
    idx.forEach((i, k) => first.set(d.subarray(k * 32, k * 32 + 32), i * 32));
  }
  return merkleRoot(sha256Batch(first, 32));
}

export interface ApplyResult {
  undo: BlockUndo;
  fees: bigint;
  /** Full state keys (binKey) whose value changed. */
  changed: string[];
  receipts: Receipt[];
  stateRoot: Uint8Array;
  receiptsRoot: Uint8Array;
}

export interface ApplyOptions {
  /** Genesis: run every module's genesis section instead of the transactions. */
  genesis?: boolean;
  /** Compare the coinbase's committed roots with the computed ones (default true; templates pass false). */
  checkRoots?: boolean;
}

function contextFor(state: ChainState, m: ChainModule, height: number): ModuleContext {
  return {
    params: state.params,
    height,
    store: state.storeOf(m),
    call: <K>(name: string) => state.keeperOf<K>(name, height),
    frame<T>(fn: () => T): T {
      state.begin();
      try {
        const r = fn();
        state.commit();
        return r;
      } catch (e) {
        state.revert();
        throw e;
      }
    },
  };
}

/**
 * Applies a block at `height`: per transaction the envelope step of the accounts module
 * (nonce = the sender's next nonce: bad-txns-nonce; balance covers fee + spend:
 * bad-txns-insufficient-funds), then the kind's apply; then the block-reward transaction
 * (at most reward + fees: bad-cb-amount). Then the state root and receipts root, compared
 * with the coinbase's commitment (bad-state-root, bad-receipts-root).
 */
export function applyBlock(state: ChainState, block: Block, height: number, consensus: Consensus, opts: ApplyOptions | boolean = {}): ApplyResult {
  const o: ApplyOptions = typeof opts === 'boolean' ? { genesis: opts } : opts;
  const registry = state.registry;
  const contexts = new Map<ChainModule, ModuleContext>();
  const ctxOf = (m: ChainModule) => {
    let c = contexts.get(m);
    if (!c) contexts.set(m, (c = contextFor(state, m, height)));
    return c;
  };
  const receipts: Receipt[] = [];
  let fees = 0n;
  state.begin();
  try {
    if (o.genesis) {
      for (const m of registry.modules) m.genesis?.(ctxOf(m));
    } else {
      const txs = block.txs;
      const anteCtx = ctxOf(registry.ante);
      for (let i = 1; i < txs.length; i++) {
        const tx = txs[i];
        const m = registry.moduleOf(tx.kind);
        const spec = registry.spec(tx.kind) as KindSpec<unknown> | undefined;
        if (!m || !spec) throw new ValidationError('bad-txns-kind', `transaction ${i} has kind ${tx.kind}, which no module registers`);
        registry.ante.ante!(anteCtx, tx, spec.spend?.(tx) ?? 0n);
        const data = spec.apply(ctxOf(m), tx);
        fees += tx.fee;
        receipts.push({ txid: txid(tx), kind: tx.kind, status: 0, fee: tx.fee, data: data ?? EMPTY });
      }
      const cb = txs[0];
      const m = registry.moduleOf(cb.kind)!;
      const rctx: RewardContext = { ...ctxOf(m), reward: consensus.blockReward(height), fees };
      registry.rewardKind.apply(rctx, cb);
    }
  } catch (e) {
    state.revert();
    throw e;
  }
  const stateRoot = state.root();
  const rRoot = receiptsRoot(receipts);
  if (!o.genesis && o.checkRoots !== false) {
    const body = block.txs[0].body as CoinbaseBody;
    let bad: ValidationError | undefined;
    if (!bytesEqual(body.stateRoot, stateRoot)) bad = new ValidationError('bad-state-root', `the coinbase commits state root ${toHex(body.stateRoot)}, applying the block gives ${toHex(stateRoot)}`);
    else if (!bytesEqual(body.receiptsRoot, rRoot)) bad = new ValidationError('bad-receipts-root', `the coinbase commits receipts root ${toHex(body.receiptsRoot)}, the block's receipts give ${toHex(rRoot)}`);
    if (bad) {
      state.revert();
      throw bad;
    }
  }
  const undo = state.commitBlock();
  return { undo, fees, changed: undo.entries.map((e) => e.key), receipts, stateRoot, receiptsRoot: rRoot };
}

const EMPTY = new Uint8Array(0);

/** Restores the keys a block wrote, in reverse order. */
export function undoBlock(state: JournaledState, undo: BlockUndo): void {
  state.undo(undo);
}

/** The roots a block with these transactions would commit on `state` (nothing is kept). */
export function previewRoots(state: ChainState, block: Block, height: number, consensus: Consensus): { stateRoot: Uint8Array; receiptsRoot: Uint8Array } {
  const r = applyBlock(state, block, height, consensus, { checkRoots: false });
  state.undo(r.undo);
  return { stateRoot: r.stateRoot, receiptsRoot: r.receiptsRoot };
}

// Storage encoding of undo records: count | (key varbytes | 0 or 1 + value varbytes)*.
export function encodeUndo(undo: BlockUndo): Uint8Array {
  const w = new Writer(64 + undo.entries.length * 64);
  w.varint(undo.entries.length, 'undo.count');
  for (const e of undo.entries) {
    w.varbytes(fromBinKey(e.key), 1 << 16, 'undo.key');
    if (e.prev) w.u8(1, 'undo.exists').varbytes(e.prev, 1 << 24, 'undo.value');
    else w.u8(0, 'undo.exists');
  }
  return w.finish();
}

export function decodeUndo(bytes: Uint8Array): BlockUndo {
  const r = new Reader(bytes, 'undo');
  const n = r.varint('undo.count', Math.floor(bytes.length / 2));
  const entries: UndoEntry[] = [];
  for (let i = 0; i < n; i++) {
    const key = binKey(r.view_(r.varint('undo.key length', 1 << 16), 'undo.key'));
    const exists = r.u8('undo.exists');
    entries.push({ key, prev: exists ? r.fixed(r.varint('undo.value length', 1 << 24), 'undo.value') : undefined });
  }
  r.end();
  return { entries };
}
