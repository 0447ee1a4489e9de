/**
 * A bounded LRU of decoded public keys. The decoded form (status, the 32 key bytes it was
 * decoded from, and the table [1, 3, ..., 15] A, see assembly/ed25519/keys.ts) lives in WASM
 * memory in fixed slots; this class only maps key bytes to slot addresses. A key that is
 * seen again skips its decompression and its table.
 *
 * The map is a hint, never trusted for correctness: the kernel uses a slot only when the
 * key bytes stored in it equal the key it is handed, and decodes afresh otherwise. So a call
 * that ends early (a reject, a throw before the kernel ran) can cost a decode, not a verdict.
 */
export class KeyCache {
  private readonly map = new Map<string, number>();
  private readonly stamps: Int32Array;
  private next = 0;
  private epoch = 0;

  /** `base`: `capacity` slots of `slotSize` bytes already allocated in WASM memory. */
  constructor(
    readonly base: number,
    readonly capacity: number,
    readonly slotSize: number,
  ) {
    this.stamps = new Int32Array(capacity).fill(-1);
  }

  get size(): number {
    return this.map.size;
  }

  /** Starts a new call: slots handed out during one call are never evicted within it. */
  begin(): void {
    this.epoch++;
  }

  /**
   * The slot field for `key` (see keys.ts): the slot address, with bit 0 set when WASM must
   * (re)fill the slot from the key bytes; -1 when every slot is taken by this call (the
   * caller then supplies a scratch slot).
   */
  slot(key: Uint8Array): number {
    const id = keyId(key);
    const hit = this.map.get(id);
    if (hit !== undefined) {
      this.map.delete(id);
      this.map.set(id, hit);
      this.stamps[hit] = this.epoch;
      return this.base + hit * this.slotSize;
    }
    let index: number;
    if (this.next < this.capacity) {
      index = this.next++;
    } else {
      const oldest = this.map.keys().next();
      if (oldest.done) return -1;
      const victim = this.map.get(oldest.value)!;
      if (this.stamps[victim] === this.epoch) return -1;
      this.map.delete(oldest.value);
      index = victim;
    }
    this.map.set(id, index);
    this.stamps[index] = this.epoch;
    return (this.base + index * this.slotSize) | 1;
  }

  clear(): void {
    this.map.clear();
    this.next = 0;
    this.stamps.fill(-1);
  }
}

function keyId(key: Uint8Array): string {
  return String.fromCharCode.apply(null, key as unknown as number[]);
}
