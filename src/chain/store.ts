// Storage seam. The chain core talks to a tiny key-value interface; `LevelStore` adapts
// any abstract-level database (memory-level in the tests, classic-level through `level` in
// the node), and `memoryStore()` is the dependency-free in-memory default. Each block
// connect/disconnect is one atomic `commit` (an abstract-level batch).
//
// The default is not memory-level because abstract-level needs Node's `events` module,
// which a browser bundle of the package root does not have; the chain core itself
// imports no database.
import { ChainError } from './errors.js';
import { binKey, fromBinKey } from './hex.js';

export type StoreOp = { type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array };

export interface ChainStore {
  open(): Promise<void>;
  close(): Promise<void>;
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  /** Applies all operations atomically, or none. */
  commit(ops: StoreOp[]): Promise<void>;
  /** Every entry whose key starts with `prefix`, in key order. */
  entries(prefix: Uint8Array): AsyncIterable<[Uint8Array, Uint8Array]>;
}

/** The subset of abstract-level (v2/v3) that LevelStore uses; binary ('view') encodings. */
export interface LevelLike {
  open(): Promise<void>;
  close(): Promise<void>;
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  batch(ops: { type: 'put' | 'del'; key: Uint8Array; value?: Uint8Array }[]): Promise<void>;
  iterator(options: { gte: Uint8Array; lt?: Uint8Array }): AsyncIterable<[Uint8Array, Uint8Array]>;
}

/** Smallest key greater than every key starting with `prefix` (undefined: no bound). */
function prefixEnd(prefix: Uint8Array): Uint8Array | undefined {
  const end = prefix.slice();
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return undefined;
}

// Some backends hand out Node Buffers; callers get plain Uint8Arrays everywhere.
function plain(b: Uint8Array): Uint8Array {
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export class LevelStore implements ChainStore {
  private level: LevelLike | undefined;
  private readonly factory: (() => Promise<LevelLike>) | undefined;

  /**
   * `db` must use keyEncoding and valueEncoding 'view' (Uint8Array); a function is called
   * once, on the first open(), to create it.
   */
  constructor(db: LevelLike | (() => Promise<LevelLike>)) {
    if (typeof db === 'function') this.factory = db;
    else this.level = db;
  }

  get db(): LevelLike {
    if (!this.level) throw new ChainError('store-not-open', 'open() the store before using it');
    return this.level;
  }

  async open(): Promise<void> {
    if (!this.level && this.factory) this.level = await this.factory();
    return this.db.open();
  }

  close(): Promise<void> {
    return this.level ? this.level.close() : Promise.resolve();
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    const v = await this.db.get(key);
    return v == null ? undefined : plain(v);
  }

  commit(ops: StoreOp[]): Promise<void> {
    return this.db.batch(ops);
  }

  async *entries(prefix: Uint8Array): AsyncIterable<[Uint8Array, Uint8Array]> {
    const lt = prefixEnd(prefix);
    const it = this.db.iterator(lt ? { gte: prefix, lt } : { gte: prefix });
    for await (const [k, v] of it) yield [plain(k), plain(v)];
  }
}

/** In-memory ChainStore: a Map keyed by binKey(key); entries() sorts by bytes like LevelDB. */
export class MemoryStore implements ChainStore {
  private readonly map = new Map<string, Uint8Array>();

  async open(): Promise<void> {}

  async close(): Promise<void> {}

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.map.get(binKey(key));
  }

  async commit(ops: StoreOp[]): Promise<void> {
    // Synchronous, so no reader sees half a batch.
    for (const op of ops) {
      if (op.type === 'put') this.map.set(binKey(op.key), op.value.slice());
      else this.map.delete(binKey(op.key));
    }
  }

  async *entries(prefix: Uint8Array): AsyncIterable<[Uint8Array, Uint8Array]> {
    const p = binKey(prefix);
    // binKey keeps one char per byte, so string order is byte order.
    const keys = [...this.map.keys()].filter((k) => k.startsWith(p)).sort();
    for (const k of keys) {
      const v = this.map.get(k);
      if (v) yield [fromBinKey(k), v];
    }
  }
}

/** A fresh in-memory store, the default of `Chain.open`. */
export function memoryStore(): ChainStore {
  return new MemoryStore();
}
