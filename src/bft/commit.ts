// A commit: the precommits of > 2/3 of the voting power for one block at one (height,
// round), as carried in the next block (Tendermint's LastCommit). Signers are named by
// their index in the canonical (key-sorted) validator set; indices strictly increase, so
// each commit has exactly one encoding. Verification is ONE batch call per commit, and
// `verifyCommitRange` checks any number of commits (a syncing node's range) in one call.
import { Reader, Writer } from '../chain/codec.js';
import { DecodeError, ValidationError } from '../chain/errors.js';
import { toHex } from '../chain/hex.js';
import type { SignedItem } from '../sig/ed25519.js';
import { PRECOMMIT, voteSignBytes, type Vote } from './messages.js';
import { MAX_VALIDATORS, type ValidatorSet } from './validators.js';

export interface CommitSig {
  index: number;
  signature: Uint8Array;
}

export interface Commit {
  height: number;
  round: number;
  blockId: Uint8Array;
  signatures: CommitSig[];
}

/** Batch verification as the engine offers it (`ed25519.verifyBatch` or `verifyBatchWith(engine, …)`). */
export type BatchVerifier = (items: SignedItem[]) => boolean;
export type DetailedVerifier = (items: SignedItem[]) => boolean[];

export function writeCommit(w: Writer, c: Commit): void {
  w.u64(BigInt(c.height), 'commit.height').u32(c.round, 'commit.round').fixed(c.blockId, 32, 'commit.blockId');
  w.varint(c.signatures.length, 'commit.signatures');
  let last = -1;
  for (const s of c.signatures) {
    if (!Number.isInteger(s.index) || s.index <= last) throw new ValidationError('bad-commit', `commit signer indices must strictly increase, got ${s.index} after ${last}`);
    last = s.index;
    w.varint(s.index, 'commit.index').fixed(s.signature, 64, 'commit.signature');
  }
}

export function readCommit(r: Reader): Commit {
  const h = r.u64('commit.height');
  if (h > BigInt(Number.MAX_SAFE_INTEGER)) throw new DecodeError('decode-range', `${r.what}: commit height ${h} is above 2^53`);
  const round = r.u32('commit.round');
  const blockId = r.fixed(32, 'commit.blockId');
  const n = r.varint('commit.signatures', MAX_VALIDATORS);
  const signatures: CommitSig[] = [];
  let last = -1;
  for (let i = 0; i < n; i++) {
    const index = r.varint('commit.index', MAX_VALIDATORS - 1);
    if (index <= last) throw new DecodeError('decode-noncanonical', `${r.what}: commit signer index ${index} after ${last}; indices must strictly increase`);
    last = index;
    signatures.push({ index, signature: r.fixed(64, 'commit.signature') });
  }
  return { height: Number(h), round, blockId, signatures };
}

export function encodeCommit(c: Commit): Uint8Array {
  const w = new Writer(48 + c.signatures.length * 66);
  writeCommit(w, c);
  return w.finish();
}

export function decodeCommit(bytes: Uint8Array): Commit {
  const r = new Reader(bytes, 'commit');
  const c = readCommit(r);
  r.end();
  return c;
}

/** The commit of precommit votes (all for `blockId` at one height/round, from members of `set`). */
export function commitFromVotes(set: ValidatorSet, votes: readonly Vote[]): Commit {
  if (votes.length === 0) throw new ValidationError('bad-commit', 'a commit needs votes');
  const { height, round, blockId } = votes[0];
  if (!blockId) throw new ValidationError('bad-commit', 'a commit is made of votes for a block, not nil');
  const sigs: CommitSig[] = [];
  for (const v of votes) {
    const index = set.indexOf(v.validator);
    if (index < 0) throw new ValidationError('bad-commit', `${toHex(v.validator)} is not a validator`);
    sigs.push({ index, signature: v.signature });
  }
  sigs.sort((a, b) => a.index - b.index);
  return { height, round, blockId: blockId.slice(), signatures: sigs.filter((s, i) => i === 0 || sigs[i - 1].index !== s.index) };
}

/** Structural checks and the signed items of one commit (no signature is checked here). */
function commitItems(chainId: number, c: Commit, set: ValidatorSet, height: number, blockId: Uint8Array | null, out: SignedItem[]): void {
  if (c.height !== height) throw new ValidationError('bad-commit-height', `commit is for height ${c.height}, expected ${height}`);
  if (blockId && toHex(c.blockId) !== toHex(blockId)) throw new ValidationError('bad-commit-block', `commit at height ${height} is for block ${toHex(c.blockId)}, expected ${toHex(blockId)}`);
  const message = voteSignBytes(chainId, PRECOMMIT, c.height, c.round, c.blockId);
  let power = 0n;
  let last = -1;
  for (const s of c.signatures) {
    if (s.index <= last || s.index >= set.size) throw new ValidationError('bad-commit', `commit at height ${height}: signer index ${s.index} is out of order or not in the set of ${set.size}`);
    last = s.index;
    const v = set.at(s.index);
    power += v.power;
    out.push({ signature: s.signature, message, publicKey: v.publicKey });
  }
  if (!set.isQuorum(power)) throw new ValidationError('bad-commit-power', `commit at height ${height} has power ${power} of ${set.totalPower}; more than 2/3 is required`);
}

/** Checks one commit with one batch verification call; ValidationError when it does not hold. */
export function verifyCommit(chainId: number, c: Commit, set: ValidatorSet, height: number, blockId: Uint8Array | null, verify: BatchVerifier): void {
  const items: SignedItem[] = [];
  commitItems(chainId, c, set, height, blockId, items);
  if (!verify(items)) throw new ValidationError('bad-commit-signature', `commit at height ${height}: a precommit signature does not verify`);
}

export interface CommitCheck {
  commit: Commit;
  set: ValidatorSet;
  height: number;
  /** The block the commit must name (null: any). */
  blockId: Uint8Array | null;
}

/**
 * Checks many commits with ONE batch call over all their signatures. On failure the
 * optional detailed verifier (only then) locates the first bad height for the error.
 */
export function verifyCommitRange(chainId: number, checks: readonly CommitCheck[], verify: BatchVerifier, detailed?: DetailedVerifier): void {
  const items: SignedItem[] = [];
  const ends: number[] = [];
  for (const k of checks) {
    commitItems(chainId, k.commit, k.set, k.height, k.blockId, items);
    ends.push(items.length);
  }
  if (items.length === 0 || verify(items)) return;
  let bad = checks[0]?.height;
  if (detailed) {
    const ok = detailed(items);
    const at = ok.indexOf(false);
    const which = ends.findIndex((e) => at < e);
    if (which >= 0) bad = checks[which].height;
  }
  throw new ValidationError('bad-commit-signature', `commit range ${checks[0].height}..${checks[checks.length - 1].height}: a precommit signature does not verify${detailed ? ` (first at height ${bad})` : ''}`);
}
