// Storage seam. The chain core talks to a tiny key-value interface; `LevelStore` adapts
// any abstract-level database (memory-level here, classic-level through `level` in the
// node), and `memoryStore()` is the in-memory default. Each block connect/disconnect is
// one atomic `commit` (abstract-level batch).
//
// memory-level is imported lazily, when a default store opens: a static bare import would
// keep the package root from loading unbundled in a browser (no import map there).
import { ChainError } from './errors.js';

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

/** A fresh in-memory store (memory-level, loaded on open()), the default of `Chain.open`. */
export function memoryStore(): ChainStore {
  return new LevelStore(async () => {
    const { MemoryLevel } = await import('memory-level');
    return new MemoryLevel<Uint8Array, Uint8Array>({ keyEncoding: 'view', valueEncoding: 'view' }) as unknown as LevelLike;
  });
}
