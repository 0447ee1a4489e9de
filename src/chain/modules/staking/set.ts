// What the two validator-set modules (staking, dpos) share besides the reward math
// (rewards.ts): the registration index, the liveness sweep over the LastCommit signers, the
// kind wrapper whose state failures become receipts, paging of listings.
import { ChainError, ValidationError } from '../../errors.js';
import { binKey, toHex } from '../../hex.js';
import type { KindSpec, ModuleContext, ModuleStore } from '../../module.js';
import type { Transaction } from '../../tx.js';
import { outcome } from '../assets/index.js';
import { be32, recordSigned, sk, u32Of } from './rewards.js';

export type Get = Pick<ModuleStore, 'get'>;

export const fail = (reason: string, message: string): never => {
  throw new ValidationError(reason, message);
};
export const short = (b: Uint8Array) => `${toHex(b).slice(0, 16)}...`;

export const cmpBytes = (a: Uint8Array, b: Uint8Array): number => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
};

export const emptyCodec = { write: () => undefined, read: (): Record<string, never> => ({}) };

/**
 * A kind whose body runs on the module's operations object: a failure that depends on the
 * state (unknown validator, not enough stake) does not invalidate the block; the
 * transaction pays its fee and its receipt says why (assets' outcome()).
 */
export function kindOn<O>(ops: (ctx: ModuleContext) => O) {
  return <B>(spec: Omit<KindSpec<B>, 'apply'> & { run(o: O, tx: Transaction<B>, ctx: ModuleContext): string }): KindSpec<B> => {
    const { run, ...rest } = spec;
    return { ...rest, apply: (ctx, tx) => outcome(ctx, () => run(ops(ctx), tx, ctx)) };
  };
}

// ---- registration index: n -> count, l/<i u32 BE> -> operator ----

export function indexAppend(store: ModuleStore, operator: Uint8Array): void {
  const n = u32Of(store.get('n'));
  store.set(sk('l', be32(n)), operator);
  store.set('n', be32(n + 1));
}

export const indexCount = (store: Get): number => u32Of(store.get('n'));
export const indexAt = (store: Get, i: number): Uint8Array => store.get(sk('l', be32(i)))!;

/** Rows [start, start + count) of the index (count capped at `max`), and the total. */
export function page<T>(store: Get, start: unknown, count: unknown, max: number, row: (operator: Uint8Array) => T): { total: number; rows: T[] } {
  const total = indexCount(store);
  const from = Math.max(0, Number(start ?? 0));
  const n = Math.min(max, Math.max(0, Number(count ?? max)));
  const rows: T[] = [];
  for (let i = from; i < Math.min(total, from + n); i++) rows.push(row(indexAt(store, i)));
  return { total, rows };
}

// ---- liveness ----

interface BftKeeper {
  lastSigners(): Uint8Array[];
}

/** The BFT module's keeper, or null on a chain without one (proof of work, tests). */
export function bftKeeper(ctx: Pick<ModuleContext, 'call'>): BftKeeper | null {
  try {
    const k = ctx.call<Partial<BftKeeper>>('bft');
    return typeof k.lastSigners === 'function' ? (k as BftKeeper) : null;
  } catch (e) {
    if (e instanceof ChainError && e.reason === 'no-keeper') return null;
    throw e;
  }
}

/** Commits a validator must sign out of the window (minSigned basis points, rounded up). */
export const minSignedOf = (p: { signedWindow: number; minSigned: number }) => Math.ceil((p.signedWindow * p.minSigned) / 10_000);

/**
 * Records, for every member, whether it signed the LastCommit this block carries, and calls
 * `down` for each that signed fewer than minSigned of its window. The commit in block h is
 * for h - 1, sealed by the set read at the end of h - 2; a member that entered at `since` is
 * surely in it when since <= h - 3 (whatever the order of the endBlock steps), so only
 * those are counted: a member is never blamed for a commit it was not asked to sign.
 */
export function sweepLiveness(
  ctx: Pick<ModuleContext, 'call' | 'height'>,
  store: ModuleStore,
  members: readonly { operator: Uint8Array; consensusKey: Uint8Array; since: number }[],
  p: { signedWindow: number; minSigned: number },
  down: (operator: Uint8Array) => void,
): void {
  if (ctx.height < 2) return;
  const bft = bftKeeper(ctx);
  if (!bft) return;
  const signed = new Set(bft.lastSigners().map(binKey));
  for (const e of members) {
    if (e.since > ctx.height - 3) continue;
    if (recordSigned(store, sk('m', e.operator), p.signedWindow, minSignedOf(p), signed.has(binKey(e.consensusKey)))) down(e.operator);
  }
}
