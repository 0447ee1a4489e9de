import type { Engine } from '../engine/index.js';

type Fn2 = (a: number, b: number) => void;
type Fn3 = (a: number, b: number, c: number) => void;

/** The sha256_* exports of one engine, with its static regions and a cached memory view. */
export interface Sha256Kernels {
  readonly engine: Engine;
  /** Static input region for small calls (no arena traffic), its size, the digest slot. */
  readonly io: number;
  readonly ioSize: number;
  readonly out: number;
  /** The one streaming context slot; hashers keep their state host-side between calls. */
  readonly ctx: number;
  readonly ctxSize: number;
  /** A fresh context (H(0), length 0), as the bytes the kernel keeps at `ctx`. */
  readonly ctxInit: Uint8Array;
  readonly hash: Fn3;
  readonly hashd: Fn3;
  readonly init: (ctx: number) => void;
  readonly update: Fn3;
  readonly final: Fn2;
  readonly batch: (p: number, n: number, len: number, out: number) => void;
  readonly many: (p: number, lens: number, n: number, out: number) => void;
  readonly merkle: Fn2;
  /** The memory view; replaced when memory grew (growth detaches the old buffer). */
  u8: Uint8Array;
}

const bound = new WeakMap<Engine, Sha256Kernels>();
let last: Sha256Kernels | null = null;

export function kernels(e: Engine): Sha256Kernels {
  if (last !== null && last.engine === e) return last;
  let k = bound.get(e);
  if (!k) {
    k = bind(e);
    bound.set(e, k);
  }
  last = k;
  return k;
}

/** The current memory view (cheap: checks whether the cached view was detached). */
export function view(k: Sha256Kernels): Uint8Array {
  if (k.u8.byteLength === 0) k.u8 = new Uint8Array(k.engine.memory.buffer);
  return k.u8;
}

function bind(e: Engine): Sha256Kernels {
  const x = e.exports as Record<string, (...args: number[]) => number>;
  const ctx = x.sha256_ctx();
  const ctxSize = x.sha256_ctx_size();
  x.sha256_init(ctx);
  const u8 = new Uint8Array(e.memory.buffer);
  return {
    engine: e,
    io: x.sha256_io(),
    ioSize: x.sha256_io_size(),
    out: x.sha256_out(),
    ctx,
    ctxSize,
    ctxInit: u8.slice(ctx, ctx + ctxSize),
    hash: x.sha256_hash,
    hashd: x.sha256_hashd,
    init: x.sha256_init,
    update: x.sha256_update,
    final: x.sha256_final,
    batch: x.sha256_batch,
    many: x.sha256_many,
    merkle: x.sha256_merkle,
    u8,
  };
}
