// Redelegation entries of the staking module: what a redelegation moved out of a source
// validator, kept while a slash of the source could still reach it, so that stake moved at
// once is not an escape from the source's offences (Cosmos x/staking keeps redelegation
// entries for the same reason). The slash itself is index.ts's job; this file only stores.
//
// One bucket per (source, block the redelegations began in), so that a slash walks blocks,
// never delegators, and so that one block's worth of buckets is pruned at a time:
//   x/<source><begin u32 BE> -> prev begin u32 | (delegator 32 | destination 32 | shares | tokens)*
//   y/<source>               -> begin height of the source's newest bucket
//   z/<begin u32 BE>         -> sources with a bucket begun then (32 bytes each): the prune list
//   w/<delegator>            -> (source 32 | begin u32)*: the buckets holding the delegator's entries (getstaking)
// Buckets of a source link newest first (prev); they are pruned oldest first, so a walk that
// meets a missing bucket has met the end of the live ones. An entry is merged with the one of
// the same delegator and destination in its block, and a bucket holds at most
// maxRedelegationsPerBlock entries: a slash touches at most window x cap entries.
import { Reader, Writer } from '../../codec.js';
import { binKey, bytesEqual } from '../../hex.js';
import type { ModuleStore } from '../../module.js';
import { be32, readBig, readList, sk, u32Of, writeBig, writeList } from './rewards.js';
import { fail, short, type Get } from './set.js';

export interface RedelegationEntry {
  delegator: Uint8Array;
  /** Operator of the destination validator. */
  dst: Uint8Array;
  /** Shares of the destination's pool the move bought, less what slashes of the source have since cut. */
  shares: bigint;
  /** Tokens moved (as moved; Cosmos's initial balance). */
  tokens: bigint;
}

export interface RedelegationBucket {
  /** Begin height of the source's next older bucket (0: none). */
  prev: number;
  entries: RedelegationEntry[];
}

const bucketKey = (src: Uint8Array, begin: number) => sk('x', src, be32(begin));
const headKey = (src: Uint8Array) => sk('y', src);
const dueKey = (begin: number) => sk('z', be32(begin));
const refsKey = (delegator: Uint8Array) => sk('w', delegator);

interface BucketRef {
  src: Uint8Array;
  begin: number;
}
function readRefs(s: Get, delegator: Uint8Array): BucketRef[] {
  const b = s.get(refsKey(delegator));
  const out: BucketRef[] = [];
  if (!b) return out;
  const r = new Reader(b, 'redelegation refs');
  while (r.remaining > 0) out.push({ src: r.fixed(32, 'refs.source'), begin: r.u32('refs.begin') });
  return out;
}
function writeRefs(s: ModuleStore, delegator: Uint8Array, refs: BucketRef[]): void {
  if (refs.length === 0) return s.set(refsKey(delegator), undefined);
  const w = new Writer(36 * refs.length);
  for (const x of refs) w.fixed(x.src, 32, 'refs.source').u32(x.begin, 'refs.begin');
  s.set(refsKey(delegator), w.finish());
}

/**
 * Blocks after its begin height that a redelegation stays slashable: a slash at height h
 * reaches back to offences no older than evidenceMaxAge (index.ts clamps), and an entry
 * begun at b has matured by b + unbondingBlocks (as an unbonding pool released then is left
 * alone). So a bucket begun at b matters to slashes at heights b .. b + window only.
 */
export const redelegationWindow = (unbondingBlocks: number, evidenceMaxAge: number): number => Math.max(0, Math.min(evidenceMaxAge, unbondingBlocks - 1));

export function readBucket(s: Get, src: Uint8Array, begin: number): RedelegationBucket | undefined {
  const b = s.get(bucketKey(src, begin));
  if (!b) return undefined;
  const r = new Reader(b, 'redelegation bucket');
  const prev = r.u32('redelegation.prev');
  const entries: RedelegationEntry[] = [];
  while (r.remaining > 0) {
    entries.push({ delegator: r.fixed(32, 'redelegation.delegator'), dst: r.fixed(32, 'redelegation.dst'), shares: readBig(r, 'redelegation.shares'), tokens: readBig(r, 'redelegation.tokens') });
  }
  return { prev, entries };
}

export function writeBucket(s: ModuleStore, src: Uint8Array, begin: number, b: RedelegationBucket): void {
  const w = new Writer(4 + 96 * b.entries.length).u32(b.prev, 'redelegation.prev');
  for (const e of b.entries) {
    writeBig(writeBig(w.fixed(e.delegator, 32, 'redelegation.delegator').fixed(e.dst, 32, 'redelegation.dst'), e.shares, 'redelegation.shares'), e.tokens, 'redelegation.tokens');
  }
  s.set(bucketKey(src, begin), w.finish());
}

/** Begin height of the source's newest live bucket (0: none). */
export const redelegationHead = (s: Get, src: Uint8Array): number => u32Of(s.get(headKey(src)));

const sameEntry = (e: RedelegationEntry, delegator: Uint8Array, dst: Uint8Array) => bytesEqual(e.delegator, delegator) && bytesEqual(e.dst, dst);

/** Fails bad-staking-redelegation-busy when the source's bucket of this block is full and holds no entry to merge with. */
export function redelegationRoom(s: Get, src: Uint8Array, begin: number, delegator: Uint8Array, dst: Uint8Array, cap: number): void {
  const b = readBucket(s, src, begin);
  if (!b || b.entries.length < cap || b.entries.some((e) => sameEntry(e, delegator, dst))) return;
  fail('bad-staking-redelegation-busy', `validator ${short(src)} already has ${b.entries.length} redelegations away from it in this block, at most ${cap}; try again in a later block`);
}

/** Records a redelegation begun at `begin` (the caller checked the room first). */
export function recordRedelegation(s: ModuleStore, src: Uint8Array, begin: number, e: RedelegationEntry): void {
  let b = readBucket(s, src, begin);
  if (!b) {
    const head = redelegationHead(s, src);
    b = { prev: head === begin ? 0 : head, entries: [] };
    s.set(headKey(src), be32(begin));
    const due = readList(s, dueKey(begin));
    due.push(src);
    writeList(s, dueKey(begin), due);
  }
  const same = b.entries.find((x) => sameEntry(x, e.delegator, e.dst));
  if (same) {
    same.shares += e.shares;
    same.tokens += e.tokens;
  } else {
    // The delegator's first entry in this bucket: the bucket joins its refs.
    if (!b.entries.some((x) => bytesEqual(x.delegator, e.delegator))) writeRefs(s, e.delegator, [...readRefs(s, e.delegator), { src, begin }]);
    b.entries.push({ ...e });
  }
  writeBucket(s, src, begin, b);
}

/** The delegator's entries still in a bucket (so still slashable for the source's offences), oldest first. */
export function redelegationsOf(s: Get, delegator: Uint8Array): (RedelegationEntry & { src: Uint8Array; begin: number })[] {
  const out: (RedelegationEntry & { src: Uint8Array; begin: number })[] = [];
  for (const ref of readRefs(s, delegator)) {
    for (const e of readBucket(s, ref.src, ref.begin)?.entries ?? []) if (bytesEqual(e.delegator, delegator)) out.push({ ...e, src: ref.src, begin: ref.begin });
  }
  return out;
}

/**
 * Deletes the buckets no slash from `height` on can reach: those begun at
 * height - window - 1 (one block's worth, each pruned the block it expires, so the live
 * buckets are those of the last window + 1 blocks). Work: per redelegating source of that
 * block, its bucket and the refs of its (at most maxRedelegationsPerBlock) delegators.
 */
export function pruneRedelegations(s: ModuleStore, height: number, window: number): void {
  const begin = height - window - 1;
  if (begin < 1) return;
  const due = readList(s, dueKey(begin));
  if (due.length === 0) return;
  for (const src of due) {
    const delegators = new Map<string, Uint8Array>();
    for (const e of readBucket(s, src, begin)?.entries ?? []) delegators.set(binKey(e.delegator), e.delegator);
    for (const d of delegators.values()) writeRefs(s, d, readRefs(s, d).filter((x) => x.begin !== begin || !bytesEqual(x.src, src)));
    s.set(bucketKey(src, begin), undefined);
    if (redelegationHead(s, src) === begin) s.set(headKey(src), undefined);
  }
  s.set(dueKey(begin), undefined);
}
