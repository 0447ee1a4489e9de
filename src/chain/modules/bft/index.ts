// The BFT engine's own module (namespace "bft"): the LastCommit every block carries, the
// equivocation evidence any account may submit, and the validator set with its proposer
// priorities, so that every node computes the same proposer from the state alone.
//
// Kinds:
//   0x40 last-commit (system): the commit (> 2/3 precommits) of block height-1, at index 1
//        of every block of height >= 2; verified in apply against the set that sealed
//        height-1, in ONE batch call (src/bft/commit.ts).
//   0x41 evidence (signed, any account): two conflicting signed votes of a validator, not
//        older than params.evidenceMaxAge blocks; each (height, round, step, validator)
//        offence once; the set module's keeper decides the penalty (punish).
// State:
//   c -> the set of the next height (with priorities)   l -> the set that sealed the tip
//   h -> tip height u64                                  s -> height u64 | keys that signed the tip's LastCommit
//   e|height u64 BE|round u32|type u8|key -> offence seen  E|height u64 BE -> offence keys of that vote height (pruning)
//   f -> first height of c's membership u64 (absent: 1)
//   R -> head u64 | tail u64 of the retired sets   r|seq u64 BE -> first height u64 | count | (key 32 | power u64)*
// endBlock rotates: l := c; c := c.nextWith(setModule.members()) (same members: c.next()).
// Evidence is judged against the members of its own vote height (set-history.ts): a
// validator that equivocated and then left the set is still caught.
import { readCommit, verifyCommit, writeCommit, type BatchVerifier, type Commit } from '../../../bft/commit.js';
import { checkEvidence, readEvidence, writeEvidence, type Evidence } from '../../../bft/evidence.js';
import type { Vote } from '../../../bft/messages.js';
import { ValidatorSet, type BftValidator } from '../../../bft/validators.js';
import { sha256 } from '../../../hash/index.js';
import { ed25519 } from '../../../sig/index.js';
import { Reader, Writer } from '../../codec.js';
import type { ValidatorSetKeeper } from '../../consensus.js';
import { DecodeError, ValidationError } from '../../errors.js';
import { binKey, bytesEqual, fromBinKey, fromHex, toHex } from '../../hex.js';
import type { ChainModule, KindSpec, StateQuery } from '../../module.js';
import type { ChainParams } from '../../params.js';
import type { Transaction } from '../../tx.js';
import { currentFrom, prune, retire, retiredAt, retiredCount } from './set-history.js';

export const BftKind = { LastCommit: 0x40, Evidence: 0x41 } as const;
export const BFT_NAMESPACE = 'bft';
export const DEFAULT_EVIDENCE_MAX_AGE = 100;

const fail = (reason: string, message: string): never => {
  throw new ValidationError(reason, message);
};

/** What the bft module exports to other modules (staking reads the signers for downtime). */
export interface BftKeeper {
  /** The set (with priorities) that votes on the next height. */
  currentSet(): ValidatorSet;
  /** The set that sealed the tip (null at genesis). */
  lastSet(): ValidatorSet | null;
  /** Keys whose precommits the tip's LastCommit carries (empty at heights 0 and 1). */
  lastSigners(): Uint8Array[];
}

/**
 * Verified (commit, set) pairs: a LastCommit seen in a preverified range (or a dry run)
 * skips its signature batch when applied. The key binds the chain id, the commit's whole
 * encoding and the set's keys and powers in order — everything the signature check
 * depends on (issue 10: a cache key that missed an input let a forgery through). The
 * structural checks (height, block id, power) run on every apply; a miss only costs a
 * verification and never changes a verdict.
 */
export class VerifiedCommits {
  private readonly keys = new Map<string, true>();
  constructor(readonly capacity = 8192) {}

  static key(chainId: number, commit: Commit, set: ValidatorSet): string {
    const w = new Writer(64 + commit.signatures.length * 66 + set.size * 40);
    w.u32(chainId, 'chainId');
    writeCommit(w, commit);
    w.varint(set.size, 'set.count');
    for (const v of set.validators) w.fixed(v.publicKey, 32, 'set.key').u64(v.power, 'set.power');
    return binKey(sha256(w.finish()));
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  add(key: string): void {
    if (this.keys.has(key)) return;
    if (this.keys.size >= this.capacity) this.keys.delete(this.keys.keys().next().value!);
    this.keys.set(key, true);
  }

  get size(): number {
    return this.keys.size;
  }
}

export interface BftModuleOptions {
  /** Batch verifier for commits (default ed25519.verifyBatch). */
  verify?: BatchVerifier;
  /** Shared with the engine's preverify. */
  verified?: VerifiedCommits;
}

const K = { cur: 'c', last: 'l', height: 'h', signers: 's' };

// Decoding a set costs a pass over its validators; the state hands back the same bytes
// object until the key is written again, so a decoded set is cached per bytes object.
const setCache = new WeakMap<Uint8Array, ValidatorSet>();

function decodeSet(bytes: Uint8Array): ValidatorSet {
  let s = setCache.get(bytes);
  if (!s) {
    const r = new Reader(bytes, 'bft validator set');
    s = ValidatorSet.read(r);
    r.end();
    setCache.set(bytes, s);
  }
  return s.copy();
}

function encodeSet(set: ValidatorSet): Uint8Array {
  const w = new Writer(16 + set.size * 60);
  set.write(w);
  const bytes = w.finish();
  // What is written is read back by the next block: keep it decoded.
  setCache.set(bytes, set.copy());
  return bytes;
}

type Get = (key: string) => Uint8Array | undefined;

function readSet(get: Get, key: string): ValidatorSet | null {
  const v = get(key);
  return v ? decodeSet(v) : null;
}

/** The set that votes on the next height, as the state `q` stands. */
export function currentSet(q: Pick<StateQuery, 'read'>): ValidatorSet {
  const s = readSet((k) => q.read(BFT_NAMESPACE, k), K.cur);
  if (!s) fail('bft-no-set', 'the state holds no validator set: the chain was not started with the bft engine');
  return s!;
}

/** The set that sealed the tip (null at genesis). */
export function lastSet(q: Pick<StateQuery, 'read'>): ValidatorSet | null {
  return readSet((k) => q.read(BFT_NAMESPACE, k), K.last);
}

/** Height of the last applied block as the bft module recorded it (0 at genesis). */
export function bftHeight(q: Pick<StateQuery, 'read'>): number {
  const v = q.read(BFT_NAMESPACE, K.height);
  if (!v) return 0;
  const r = new Reader(v, 'bft height');
  const h = Number(r.u64('height'));
  r.end();
  return h;
}

/**
 * Members and powers of the set that voted on `height` as the state `q` keeps them (null:
 * above the next height, height 0, or older than the kept history; evidenceMaxAge reaches
 * no further back).
 */
export function validatorsAtHeight(q: Pick<StateQuery, 'read'>, height: number): BftValidator[] | null {
  const get: Get = (k) => q.read(BFT_NAMESPACE, k);
  if (!Number.isSafeInteger(height) || height < 1 || height > bftHeight(q) + 1) return null;
  if (height >= currentFrom(get)) return readSet(get, K.cur)?.validators.slice() ?? null;
  return retiredAt(get, height)?.validators ?? null;
}

/** How many past sets the state keeps for evidence (at most evidenceMaxAge). */
export function retiredSetCount(q: Pick<StateQuery, 'read'>): number {
  return retiredCount((k) => q.read(BFT_NAMESPACE, k));
}

function readSigners(get: Get): { height: number; keys: Uint8Array[] } | null {
  const v = get(K.signers);
  if (!v) return null;
  const r = new Reader(v, 'bft signers');
  const height = Number(r.u64('height'));
  const n = r.varint('count', 1024);
  const keys: Uint8Array[] = [];
  for (let i = 0; i < n; i++) keys.push(r.fixed(32, 'key'));
  r.end();
  return { height, keys };
}

const u64 = (n: number) => new Writer(8).u64(BigInt(n), 'u64').finish();

/** 'e' | vote height u64 BE | round u32 | type u8 | validator 32. */
const OFFENCE_KEY_SIZE = 46;

function offenceKey(v: Vote): string {
  const w = new Writer(50).u8(0x65, 'tag');
  const be = new Uint8Array(8);
  new DataView(be.buffer).setBigUint64(0, BigInt(v.height), false);
  return binKey(w.raw(be).u32(v.round, 'round').u8(v.type, 'type').fixed(v.validator, 32, 'key').finish());
}

function offenceListKey(height: number): string {
  const be = new Uint8Array(9);
  be[0] = 0x45; // 'E'
  new DataView(be.buffer).setBigUint64(1, BigInt(height), false);
  return binKey(be);
}

function isZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** A validator's power in the set that voted on `height` (0: not a member), while `height` is within the kept history. */
function powerAt(get: Get, height: number, key: Uint8Array): bigint {
  if (height >= currentFrom(get)) return readSet(get, K.cur)?.powerOf(key) ?? 0n;
  const old = retiredAt(get, height);
  return old?.validators.find((v) => bytesEqual(v.publicKey, key))?.power ?? 0n;
}

/**
 * The stateful rules of evidence at block `height` (the same at mempool admission and in
 * blocks): not from the future, not older than evidenceMaxAge, a validator of the set that
 * voted on the evidence's height (with power there), an offence not punished before.
 * Returns the offence's state key.
 */
function checkOffence(get: Get, params: ChainParams, height: number, e: Evidence): string {
  const { a } = e;
  const maxAge = params.evidenceMaxAge ?? DEFAULT_EVIDENCE_MAX_AGE;
  if (a.height > height) fail('bft-evidence-future', `evidence votes are for height ${a.height}, above the block height ${height}`);
  if (height - a.height > maxAge) fail('bft-evidence-too-old', `evidence votes are for height ${a.height}; at height ${height} only heights >= ${height - maxAge} are accepted (evidenceMaxAge ${maxAge})`);
  if (powerAt(get, a.height, a.validator) === 0n) {
    fail('bft-evidence-not-validator', `evidence names ${toHex(a.validator)}, which was not in the validator set of height ${a.height}`);
  }
  const key = offenceKey(a);
  if (get(key)) fail('bft-evidence-duplicate', `the offence of ${toHex(a.validator).slice(0, 16)}... at height ${a.height} round ${a.round} step ${a.type} was already punished`);
  return key;
}

/** Name of the module whose keeper is the ValidatorSetKeeper. */
export function setModuleOf(params: ChainParams): string {
  return params.validatorSetModule ?? 'authority';
}

// ---- JSON views ----

function hexIn(v: unknown, n: number, name: string): Uint8Array {
  if (typeof v !== 'string' || v.length !== n * 2 || !/^[0-9a-fA-F]*$/.test(v)) throw new DecodeError('decode-bad-json', `${name} must be ${n} bytes of hex, got ${JSON.stringify(v)?.slice(0, 80)}`);
  return fromHex(v);
}

function intIn(v: unknown, name: string, max: number): number {
  if (!Number.isSafeInteger(v) || (v as number) < 0 || (v as number) > max) throw new DecodeError('decode-bad-json', `${name} must be an integer in [0, ${max}], got ${JSON.stringify(v)?.slice(0, 40)}`);
  return v as number;
}

function objIn(v: unknown, name: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new DecodeError('decode-bad-json', `${name} must be an object`);
  return v as Record<string, unknown>;
}

export function commitToJson(c: Commit): Record<string, unknown> {
  return { height: c.height, round: c.round, blockId: toHex(c.blockId), signatures: c.signatures.map((s) => ({ index: s.index, signature: toHex(s.signature) })) };
}

export function commitFromJson(v: unknown): Commit {
  const j = objIn(v, 'commit');
  if (!Array.isArray(j.signatures) || j.signatures.length > 1024) throw new DecodeError('decode-bad-json', 'commit.signatures must be an array of at most 1024 entries');
  return {
    height: intIn(j.height, 'commit.height', Number.MAX_SAFE_INTEGER),
    round: intIn(j.round, 'commit.round', 0xffffffff),
    blockId: hexIn(j.blockId, 32, 'commit.blockId'),
    signatures: j.signatures.map((s, i) => {
      const o = objIn(s, `commit.signatures[${i}]`);
      return { index: intIn(o.index, 'signature index', 1023), signature: hexIn(o.signature, 64, 'signature') };
    }),
  };
}

function voteToJson(v: Vote): Record<string, unknown> {
  return { type: v.type, height: v.height, round: v.round, blockId: v.blockId ? toHex(v.blockId) : null, validator: toHex(v.validator), signature: toHex(v.signature) };
}

function voteFromJson(v: unknown, name: string): Vote {
  const j = objIn(v, name);
  if (j.type !== 1 && j.type !== 2) throw new DecodeError('decode-bad-json', `${name}.type must be 1 (prevote) or 2 (precommit)`);
  return {
    type: j.type,
    height: intIn(j.height, `${name}.height`, Number.MAX_SAFE_INTEGER),
    round: intIn(j.round, `${name}.round`, 0xfffffffe),
    blockId: j.blockId === null ? null : hexIn(j.blockId, 32, `${name}.blockId`),
    validator: hexIn(j.validator, 32, `${name}.validator`),
    signature: hexIn(j.signature, 64, `${name}.signature`),
  };
}

// ---- the module ----

/** The bft module of one engine (its verifier and verified-commit cache). */
export function createBftModule(o: BftModuleOptions = {}): ChainModule<BftKeeper> {
  const verify = o.verify ?? ed25519.verifyBatch;
  const verified = o.verified ?? new VerifiedCommits();

  const lastCommit: KindSpec<Commit> = {
    kind: BftKind.LastCommit,
    name: 'last-commit',
    system: true,
    relay: false,
    codec: { write: writeCommit, read: readCommit },
    check(tx) {
      if (!isZero(tx.from)) fail('bad-last-commit-from', 'a last-commit transaction has an all-zero sender');
      if (!isZero(tx.signature)) fail('bad-last-commit-sig', 'a last-commit transaction carries an all-zero signature');
      if (tx.fee !== 0n) fail('bad-last-commit-fee', `a last-commit transaction pays no fee, got ${tx.fee}`);
      if (tx.nonce < 2) fail('bad-last-commit-nonce', `a last-commit transaction has nonce = the block height (>= 2), got ${tx.nonce}`);
      if (tx.body.height !== tx.nonce - 1) fail('bad-commit-height', `the last-commit of block ${tx.nonce} must be the commit of height ${tx.nonce - 1}, got ${tx.body.height}`);
    },
    apply(ctx, tx) {
      const c = tx.body;
      if (tx.nonce !== ctx.height) fail('bad-last-commit-nonce', `last-commit nonce ${tx.nonce} must equal the block height ${ctx.height}`);
      const set = readSet((k) => ctx.store.get(k), K.last);
      if (!set) return fail('bad-last-commit-unexpected', `no validator set sealed height ${ctx.height - 1}: a block at height ${ctx.height} carries no last-commit`);
      const key = VerifiedCommits.key(ctx.params.chainId, c, set);
      // The structural checks (height, block, signer indices, > 2/3 power) always run; the
      // batch is skipped only for a pair verified before.
      const hit = verified.has(key);
      verifyCommit(ctx.params.chainId, c, set, ctx.height - 1, ctx.prevHash, hit ? () => true : verify);
      if (!hit) verified.add(key);
      const w = new Writer(16 + c.signatures.length * 32).u64(BigInt(c.height), 'height').varint(c.signatures.length, 'count');
      for (const s of c.signatures) w.fixed(set.at(s.index).publicKey, 32, 'key');
      ctx.store.set(K.signers, w.finish());
    },
    toJson: (b) => ({ commit: commitToJson(b) }),
    fromJson: (j) => commitFromJson(j.commit),
  };

  const evidence: KindSpec<Evidence> = {
    kind: BftKind.Evidence,
    name: 'evidence',
    codec: { write: writeEvidence, read: readEvidence },
    // Conflict, canonical order and both signatures: stateless, so junk evidence is
    // refused by the mempool before it costs a block.
    check(tx, params) {
      checkEvidence(params.chainId, tx.body, ed25519.verifyBatch);
    },
    apply(ctx, tx) {
      const key = checkOffence((k) => ctx.store.get(k), ctx.params, ctx.height, tx.body);
      const { a } = tx.body;
      ctx.store.set(key, new Uint8Array([1]));
      const lk = offenceListKey(a.height);
      const prev = ctx.store.get(lk);
      const list = new Uint8Array((prev?.length ?? 0) + OFFENCE_KEY_SIZE);
      if (prev) list.set(prev);
      list.set(fromBinKey(key), prev?.length ?? 0);
      ctx.store.set(lk, list);
      ctx.call<ValidatorSetKeeper>(setModuleOf(ctx.params)).punish(a.validator, 'double-sign', ctx.height, a.height);
    },
    toJson: (b) => ({ a: voteToJson(b.a), b: voteToJson(b.b) }),
    fromJson: (j) => ({ a: voteFromJson(j.a, 'a'), b: voteFromJson(j.b, 'b') }),
  };

  return {
    name: 'bft',
    namespace: BFT_NAMESPACE,
    kinds: [lastCommit, evidence] as unknown as readonly KindSpec<never>[],
    // Used or stale evidence is refused at mempool admission too (the state's height
    // record is the tip's, so the block being built or applied is the next one).
    admit(q, tx) {
      if (tx.kind === BftKind.Evidence) checkOffence((k) => q.read(BFT_NAMESPACE, k), q.params, bftHeight(q) + 1, tx.body as Evidence);
    },
    genesis(ctx) {
      const members = ctx.call<ValidatorSetKeeper>(setModuleOf(ctx.params)).members();
      if (members.length === 0) fail('bft-no-set', `module ${setModuleOf(ctx.params)} names no genesis validator`);
      ctx.store.set(K.cur, encodeSet(ValidatorSet.create(members)));
    },
    endBlock(ctx) {
      const get: Get = (k) => ctx.store.get(k);
      if (ctx.height >= 2 && readSigners(get)?.height !== ctx.height - 1) {
        fail('bad-last-commit-missing', `block ${ctx.height} applied no last-commit of height ${ctx.height - 1}`);
      }
      const put = (k: string, v: Uint8Array | undefined) => ctx.store.set(k, v);
      const cur = readSet(get, K.cur)!;
      const members = ctx.call<ValidatorSetKeeper>(setModuleOf(ctx.params)).members();
      // An empty answer keeps the members: the chain must never lose every voter.
      const same = members.length === 0 || cur.sameMembers(members);
      const next = same ? cur.next() : cur.nextWith(members);
      if (!same) retire(get, put, cur, ctx.height);
      ctx.store.set(K.last, encodeSet(cur));
      ctx.store.set(K.cur, encodeSet(next));
      ctx.store.set(K.height, u64(ctx.height));
      const maxAge = ctx.params.evidenceMaxAge ?? DEFAULT_EVIDENCE_MAX_AGE;
      // Blocks from height + 1 accept evidence of heights >= height + 1 - maxAge only.
      prune(get, put, ctx.height + 1 - maxAge);
      // Offences of a vote height that no later block may accept are forgotten.
      const old = ctx.height - maxAge;
      if (old >= 1) {
        const lk = offenceListKey(old);
        const list = ctx.store.get(lk);
        if (list) {
          for (let i = 0; i + OFFENCE_KEY_SIZE <= list.length; i += OFFENCE_KEY_SIZE) ctx.store.set(binKey(list.subarray(i, i + OFFENCE_KEY_SIZE)), undefined);
          ctx.store.set(lk, undefined);
        }
      }
    },
    keeper(kctx) {
      const get: Get = (k) => kctx.store.get(k);
      return {
        currentSet: () => readSet(get, K.cur)!,
        lastSet: () => readSet(get, K.last),
        lastSigners: () => readSigners(get)?.keys ?? [],
      };
    },
  };
}

/** The unsigned last-commit transaction of the block at `height` (index 1 of the block). */
export function lastCommitTx(chainId: number, height: number, commit: Commit): Transaction<Commit> {
  return { version: 2, chainId, kind: BftKind.LastCommit, from: new Uint8Array(32), nonce: height, fee: 0n, body: commit, signature: new Uint8Array(64) };
}
