// Worker job kind of Ed25519: detailed batch verification of one packed chunk.
import { registerJob, type JobContext } from '../engine/jobs.js';
import { keyCacheOf, setKeyCacheSizeWith, verifyBatchDetailedWith, type SignedItem } from './ed25519.js';

/** A chunk of items packed into three buffers (cheap to post, no per-item objects). */
export interface VerifyJob {
  /** 64 bytes per item. */
  signatures: Uint8Array;
  /** 32 bytes per item. */
  publicKeys: Uint8Array;
  /** Messages back to back; item i is messages[offsets[i] .. offsets[i + 1]). */
  messages: Uint8Array;
  offsets: Uint32Array;
  /** When set, the worker first resizes its key cache to this many keys (if it differs). */
  keyCacheSize?: number;
}

export function packItems(items: SignedItem[]): VerifyJob {
  const n = items.length;
  let total = 0;
  for (const it of items) total += it.message.length;
  const job: VerifyJob = {
    signatures: new Uint8Array(64 * n),
    publicKeys: new Uint8Array(32 * n),
    messages: new Uint8Array(total),
    offsets: new Uint32Array(n + 1),
  };
  let o = 0;
  for (let i = 0; i < n; i++) {
    const it = items[i];
    job.signatures.set(it.signature, 64 * i);
    job.publicKeys.set(it.publicKey, 32 * i);
    job.offsets[i] = o;
    job.messages.set(it.message, o);
    o += it.message.length;
  }
  job.offsets[n] = o;
  return job;
}

export function unpackItems(job: VerifyJob): SignedItem[] {
  const n = job.offsets.length - 1;
  const items = new Array<SignedItem>(n);
  for (let i = 0; i < n; i++) {
    items[i] = {
      signature: job.signatures.subarray(64 * i, 64 * i + 64),
      publicKey: job.publicKeys.subarray(32 * i, 32 * i + 32),
      message: job.messages.subarray(job.offsets[i], job.offsets[i + 1]),
    };
  }
  return items;
}

/** Returns one byte per item: 1 valid, 0 invalid. */
function verifyJob(job: VerifyJob, ctx: JobContext): Uint8Array {
  if (job.keyCacheSize !== undefined && keyCacheOf(ctx.engine).capacity !== job.keyCacheSize) {
    setKeyCacheSizeWith(ctx.engine, job.keyCacheSize);
  }
  const flags = verifyBatchDetailedWith(ctx.engine, unpackItems(job));
  return Uint8Array.from(flags, (f) => (f ? 1 : 0));
}

registerJob('ed25519.verifyBatch', verifyJob);
