/**
 * One bump arena over the module's linear memory. Allocations are stack-like:
 * take a `mark()`, allocate, `release(mark)`. Allocations never released (tables,
 * caches) stay below every later mark. Growing memory detaches old views, so
 * always take a fresh `u8()` / `u32()` view after allocating.
 */
export class Arena {
  private top: number;
  // Nothing below it is ever released (see reserve).
  private floor = 0;
  private u8View: Uint8Array;

  constructor(
    readonly memory: WebAssembly.Memory,
    readonly base: number,
  ) {
    this.top = align(base, 64);
    this.u8View = new Uint8Array(memory.buffer);
  }

  /** Allocates `size` bytes aligned to `alignment` (a power of two). */
  alloc(size: number, alignment = 16): number {
    const ptr = align(this.top, alignment);
    const end = ptr + size;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / 65536);
      try {
        this.memory.grow(pages);
      } catch {
        throw new RangeError(`hashlane engine: out of WASM memory allocating ${size} bytes`);
      }
    }
    this.top = end;
    return ptr;
  }

  /**
   * Allocates `size` bytes that no `release` frees, even one of a mark taken before: memory
   * that must outlive every call (the Ed25519 key cache trusts its slots' contents) must
   * never be handed out again for a caller's temporaries.
   */
  reserve(size: number, alignment = 16): number {
    const ptr = this.alloc(size, alignment);
    this.floor = this.top;
    return ptr;
  }

  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    this.top = Math.max(mark, this.floor);
  }

  /** A view of the whole memory; re-created when memory has grown. */
  u8(): Uint8Array {
    if (this.u8View.buffer !== this.memory.buffer) this.u8View = new Uint8Array(this.memory.buffer);
    return this.u8View;
  }

  /** Copies `data` into a fresh allocation and returns its pointer. */
  put(data: Uint8Array, alignment = 16): number {
    const ptr = this.alloc(data.length, alignment);
    this.u8().set(data, ptr);
    return ptr;
  }

  /** Copies `length` bytes out of memory into a new Uint8Array. */
  take(ptr: number, length: number): Uint8Array {
    return this.u8().slice(ptr, ptr + length);
  }
}

function align(n: number, a: number): number {
  return (n + a - 1) & ~(a - 1);
}
