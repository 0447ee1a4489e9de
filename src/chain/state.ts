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
import { Reader, U64_MAX, varintSize, Writer } from './codec.js';
import type { Consensus } from './consensus.js';
import { ChainError, ValidationError } from './errors.js';
import { binKey, bytesEqual, fromBinKey, toHex } from './hex.js';
import type { ChainModule, KindSpec, ModuleContext, ModuleRegistry, ModuleStore, RewardContext, StateQuery } from './module.js';
import { defaultRegistry, queryAccount, type Account, type CoinbaseBody } from './modules/index.js';
import type { ChainParams } from './params.js';
import { StateTree } from './state-root.js';
import type { Transaction } from './tx.js';

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

type Space = Map<string, Uint8Array>;
interface JournalEntry {
  ns: string;
  space: Space;
  key: string;
  prev: Uint8Array | undefined;
}

function split(full: string): [string, string] {
  const i = full.indexOf('/');
  if (i <= 0) throw new ChainError('bad-state-key', `state key ${JSON.stringify(full.slice(0, 40))} has no "<namespace>/" prefix`);
  return [full.slice(0, i), full.slice(i + 1)];
}

/**
 * Namespaced, journaled key-value state with an incremental root. One map per namespace,
 * so a module's hot path looks keys up without building the full "<namespace>/<key>"
 * string (a repeated key string keeps its hash; a fresh concatenation does not).
 */
export class JournaledState {
  private readonly spaces = new Map<string, Space>();
  private readonly tree = new StateTree();
  private journal: JournalEntry[] = [];
  private readonly frames: number[] = [];
  private count = 0;

  /** Full key = namespace + "/" + key, as a binKey string. */
  static key(namespace: string, key: Uint8Array): string {
    return namespace + '/' + binKey(key);
  }

  space(ns: string): Space {
    let m = this.spaces.get(ns);
    if (!m) this.spaces.set(ns, (m = new Map()));
    return m;
  }

  get(full: string): Uint8Array | undefined {
    const [ns, k] = split(full);
    return this.spaces.get(ns)?.get(k);
  }

  set(full: string, value: Uint8Array | undefined): void {
    const [ns, k] = split(full);
    this.setIn(ns, this.space(ns), k, value);
  }

  /** set() for a namespace's own map (ModuleStore). */
  setIn(ns: string, space: Space, k: string, value: Uint8Array | undefined): void {
    const prev = space.get(k);
    if (this.frames.length) this.journal.push({ ns, space, key: k, prev });
    this.put(ns, space, k, prev, value);
  }

  private put(ns: string, space: Space, k: string, prev: Uint8Array | undefined, value: Uint8Array | undefined): void {
    if (value === undefined) {
      if (prev !== undefined) this.count--;
      space.delete(k);
    } else {
      if (prev === undefined) this.count++;
      space.set(k, value);
    }
    this.tree.touch(ns, k);
  }

  get size(): number {
    return this.count;
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
    for (let i = this.journal.length - 1; i >= start; i--) {
      const e = this.journal[i];
      this.put(e.ns, e.space, e.key, e.space.get(e.key), e.prev);
    }
    this.journal.length = start;
  }

  /** Closes the outermost frame and returns its undo record (first previous value per key). */
  commitBlock(): BlockUndo {
    if (this.frames.length !== 1) throw new ChainError('state-no-frame', `commitBlock() at frame depth ${this.frames.length}, expected 1`);
    const seen = new Map<Space, Set<string>>();
    const entries: UndoEntry[] = [];
    for (const e of this.journal) {
      let s = seen.get(e.space);
      if (!s) seen.set(e.space, (s = new Set()));
      if (s.has(e.key)) continue;
      s.add(e.key);
      entries.push({ key: e.ns + '/' + e.key, prev: e.prev });
    }
    this.frames.pop();
    this.journal = [];
    return { entries };
  }

  /** Undoes a committed block (not journaled). */
  undo(undo: BlockUndo): void {
    if (this.frames.length) throw new ChainError('state-in-frame', 'undo() inside an open frame');
    for (let i = undo.entries.length - 1; i >= 0; i--) {
      const [ns, k] = split(undo.entries[i].key);
      const space = this.space(ns);
      this.put(ns, space, k, space.get(k), undo.entries[i].prev);
    }
  }

  /** The state root (state-root.ts): rehashes only what changed since the last call. */
  root(): Uint8Array {
    return this.tree.root((ns, k) => this.spaces.get(ns)?.get(k));
  }

  /** Every entry (full binKey, value), for the store. */
  *entries(): IterableIterator<[string, Uint8Array]> {
    for (const [ns, space] of this.spaces) for (const [k, v] of space) yield [ns + '/' + k, v];
  }

  /** Sets without journaling (loading from the store). */
  load(full: string, value: Uint8Array): void {
    const [ns, k] = split(full);
    const space = this.space(ns);
    this.put(ns, space, k, space.get(k), value);
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
  read(namespace: string, key: Uint8Array | string): Uint8Array | undefined {
    return this.space(namespace).get(typeof key === 'string' ? key : binKey(key));
  }

  call<K>(module: string): K {
    return this.keeperOf(module, 0);
  }

  storeOf(m: ChainModule): ModuleStore {
    const ns = m.namespace;
    const space = this.space(ns);
    return {
      get: (k) => space.get(typeof k === 'string' ? k : binKey(k)),
      set: (k, v) => this.setIn(ns, space, typeof k === 'string' ? k : binKey(k), v),
    };
  }

  keeperOf<K>(name: string, height: number): K {
    const m = this.registry.module(name);
    if (!m?.keeper) throw new ChainError('no-keeper', `module ${name} is not registered or exports no calls`);
    return m.keeper({ store: this.storeOf(m), params: this.params, call: (n) => this.keeperOf(n, height) }) as K;
  }
}

/**
 * A transaction's outcome, committed in the block through the receipts root. Receipts are
 * positional (receipt i is transaction i + 1's, as in Ethereum): the merkle path binds it
 * to its transaction, so the receipt does not repeat the txid.
 */
export interface Receipt {
  kind: number;
  /** 0: applied. (Kinds that may fail without failing the block use other codes.) */
  status: number;
  fee: bigint;
  data: Uint8Array;
}

const feeView = new DataView(new ArrayBuffer(8));

function receiptSize(r: Receipt): number {
  return 10 + varintSize(r.data.length) + r.data.length;
}

/** Writes the receipt at `off` of `out` (receiptSize(r) bytes); the common case of receiptsRoot, without a Writer. */
function writeReceipt(out: Uint8Array, off: number, r: Receipt): void {
  if (r.fee < 0n || r.fee > U64_MAX) throw new ChainError('bad-receipt', `receipt fee ${r.fee} outside [0, 2^64)`);
  out[off] = r.kind;
  out[off + 1] = r.status;
  feeView.setBigUint64(0, r.fee, true);
  for (let i = 0; i < 8; i++) out[off + 2 + i] = feeView.getUint8(i);
  const n = r.data.length;
  let p = off + 10;
  if (n < 0xfd) out[p++] = n;
  else {
    const w = new Writer(5).varint(n, 'receipt.data length').finish();
    out.set(w, p);
    p += w.length;
  }
  out.set(r.data, p);
}

/** Canonical receipt encoding: kind u8 | status u8 | fee u64 | data (CompactSize length + bytes). */
export function encodeReceipt(r: Receipt): Uint8Array {
  const out = new Uint8Array(receiptSize(r));
  writeReceipt(out, 0, r);
  return out;
}

const ZERO_ROOT = new Uint8Array(32);

/**
 * Bitcoin-style merkle root over sha256d(receipt), zeros when there is none. Receipts of
 * one length (all transfers) are written straight into one packed buffer: two batch calls
 * and the merkle kernel, no per-receipt allocation.
 */
export function receiptsRoot(receipts: readonly Receipt[]): Uint8Array {
  if (receipts.length === 0) return ZERO_ROOT.slice();
  const sizes = receipts.map(receiptSize);
  const groups = new Map<number, number[]>();
  sizes.forEach((len, i) => {
    let g = groups.get(len);
    if (!g) groups.set(len, (g = []));
    g.push(i);
  });
  const first = new Uint8Array(receipts.length * 32);
  for (const [len, idx] of groups) {
    const packed = new Uint8Array(idx.length * len);
    for (let k = 0; k < idx.length; k++) writeReceipt(packed, k * len, receipts[idx[k]]);
    const d = sha256Batch(packed, len);
    if (idx.length === receipts.length) first.set(d);
    else for (let k = 0; k < idx.length; k++) first.set(d.subarray(k * 32, k * 32 + 32), idx[k] * 32);
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

function contextFor(state: ChainState, m: ChainModule, height: number, time: number, prevHash: Uint8Array): ModuleContext {
  return {
    params: state.params,
    height,
    time,
    prevHash,
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
    if (!c) contexts.set(m, (c = contextFor(state, m, height, block.header.time, block.header.prevHash)));
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
      const admitters = registry.admitters;
      for (let i = 1; i < txs.length; i++) {
        const tx = txs[i];
        const m = registry.moduleOf(tx.kind);
        const spec = registry.spec(tx.kind) as KindSpec<unknown> | undefined;
        if (!m || !spec) throw new ValidationError('bad-txns-kind', `transaction ${i} has kind ${tx.kind}, which no module registers`);
        if (!spec.system) {
          for (const a of admitters) a.admit!(state, tx);
          registry.ante.ante!(anteCtx, tx, spec.spend?.(tx) ?? 0n, spec.prepaid === true);
        }
        const data = spec.apply(ctxOf(m), tx);
        fees += tx.fee;
        receipts.push({ kind: tx.kind, status: 0, fee: tx.fee, data: data ?? EMPTY });
      }
      const cb = txs[0];
      const m = registry.moduleOf(cb.kind)!;
      const reward = consensus.blockReward(height);
      registry.rewardKind.apply({ ...ctxOf(m), reward, fees }, cb);
      const claimed = (cb.body as CoinbaseBody).amount;
      for (const em of registry.enders) em.endBlock!({ ...ctxOf(em), reward, fees, claimed });
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
