/**
 * Signature checks of BFT gossip in batches: every vote and proposal a gossip validator
 * receives waits a turn of the event loop for the others that arrive meanwhile, then all
 * of them go through ONE batch verification call (a failing batch is split per item by
 * the detailed call, so one forged vote costs only its sender). Verified items are
 * remembered, so the state machine's own per-message check of the same item, and a
 * rebroadcast of it, cost a map lookup.
 */
import { binKey } from '../chain/hex.js';
import type { SignedItem } from '../sig/ed25519.js';
import { ed25519 } from '../sig/index.js';

export interface BatchVerifyBackend {
  verifyBatch(items: SignedItem[]): boolean;
  verifyBatchDetailed(items: SignedItem[]): boolean[];
}

interface Pending {
  items: SignedItem[];
  keys: string[];
  resolve(ok: boolean | null): void;
}

export class GossipVerifier {
  private readonly cache = new Map<string, true>();
  private queue: Pending[] = [];
  private queued = 0;
  private scheduled = false;
  /** Batch calls made and items they carried (for tests and the bench). */
  batches = 0;
  itemsVerified = 0;

  constructor(
    private readonly backend: BatchVerifyBackend = ed25519,
    /** Items waiting at most; beyond, new requests are answered null (overloaded, not judged). */
    readonly maxQueued = 8192,
    readonly cacheSize = 16384,
  ) {}

  private static key(it: SignedItem): string {
    const b = new Uint8Array(it.signature.length + it.publicKey.length + it.message.length);
    b.set(it.signature, 0);
    b.set(it.publicKey, it.signature.length);
    b.set(it.message, it.signature.length + it.publicKey.length);
    return binKey(b);
  }

  private remember(k: string): void {
    if (this.cache.has(k)) return;
    if (this.cache.size >= this.cacheSize) {
      // Oldest quarter out: Map iteration is insertion order.
      let n = this.cacheSize >> 2;
      for (const old of this.cache.keys()) {
        this.cache.delete(old);
        if (--n === 0) break;
      }
    }
    this.cache.set(k, true);
  }

  /**
   * True when every item verifies, false when one does not, null when the queue is full
   * (the caller ignores the message without judging its sender).
   */
  verify(items: SignedItem[]): Promise<boolean | null> {
    const keys = items.map(GossipVerifier.key);
    const missing = items.filter((_, i) => !this.cache.has(keys[i]));
    if (missing.length === 0) return Promise.resolve(true);
    if (this.queued + missing.length > this.maxQueued) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.queue.push({ items: missing, keys: keys.filter((k) => !this.cache.has(k)), resolve });
      this.queued += missing.length;
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Synchronous check for the state machine: cached items are free, the rest one batch call. */
  check = (items: SignedItem[]): boolean => {
    const keys = items.map(GossipVerifier.key);
    const rest = items.filter((_, i) => !this.cache.has(keys[i]));
    if (rest.length === 0) return true;
    this.batches++;
    this.itemsVerified += rest.length;
    if (!this.backend.verifyBatch(rest)) return false;
    for (const k of keys) this.remember(k);
    return true;
  };

  private flush(): void {
    this.scheduled = false;
    const q = this.queue;
    this.queue = [];
    this.queued = 0;
    if (q.length === 0) return;
    const all = q.flatMap((p) => p.items);
    this.batches++;
    this.itemsVerified += all.length;
    let ok: boolean[] | null = null;
    try {
      if (!this.backend.verifyBatch(all)) ok = this.backend.verifyBatchDetailed(all);
    } catch {
      // Malformed items (wrong lengths) never reach here from the decoders; judge each alone.
      ok = all.map((it) => {
        try {
          return this.backend.verifyBatch([it]);
        } catch {
          return false;
        }
      });
    }
    let at = 0;
    for (const p of q) {
      const n = p.items.length;
      const good = ok === null || ok.slice(at, at + n).every(Boolean);
      at += n;
      if (good) for (const k of p.keys) this.remember(k);
      p.resolve(good);
    }
  }
}
