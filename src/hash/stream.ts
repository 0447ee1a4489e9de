import { assertBytes, type Engine } from '../engine/index.js';
import { kernels, view, type Sha256Kernels } from './kernels.js';

/** Thrown by update()/digest() on a hasher that has already produced its digest. */
export class HasherFinishedError extends Error {
  override name = 'HasherFinishedError';
  constructor(method: string) {
    super(`SHA-256 hasher: ${method}() called after digest(); a hasher produces one digest, create a new one with createSha256()`);
  }
}

/** Incremental SHA-256: any chunking gives the digest of the concatenation. */
export interface Sha256Hasher {
  update(data: Uint8Array): this;
  digest(): Uint8Array;
}

/**
 * The engine has one context slot; each hasher keeps its own copy of the context (104
 * bytes) and swaps it in for the duration of a call, so any number of hashers can be
 * interleaved and none holds WASM memory.
 */
class Hasher implements Sha256Hasher {
  readonly #k: Sha256Kernels;
  readonly #state: Uint8Array;
  #finished = false;

  constructor(k: Sha256Kernels) {
    this.#k = k;
    this.#state = k.ctxInit.slice();
  }

  update(data: Uint8Array): this {
    if (this.#finished) throw new HasherFinishedError('update');
    assertBytes(data, 'data');
    const k = this.#k;
    view(k).set(this.#state, k.ctx);
    for (let off = 0; off < data.length; off += k.ioSize) {
      const chunk = off === 0 && data.length <= k.ioSize ? data : data.subarray(off, off + k.ioSize);
      view(k).set(chunk, k.io);
      k.update(k.ctx, k.io, chunk.length);
    }
    this.#state.set(view(k).subarray(k.ctx, k.ctx + k.ctxSize));
    return this;
  }

  digest(): Uint8Array {
    if (this.#finished) throw new HasherFinishedError('digest');
    this.#finished = true;
    const k = this.#k;
    const u8 = view(k);
    u8.set(this.#state, k.ctx);
    k.final(k.ctx, k.out);
    return u8.slice(k.out, k.out + 32);
  }
}

export function createSha256With(e: Engine): Sha256Hasher {
  return new Hasher(kernels(e));
}
