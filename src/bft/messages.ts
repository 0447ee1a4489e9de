// Votes and proposals of the Tendermint algorithm (arXiv 1807.04938) with one canonical
// binary encoding each, and the domain-separated bytes a validator signs. The sign bytes
// name the chain, the height, the round, the step and the block id, so a signature is
// valid for exactly one vote: never on another chain, at another height/round, or as the
// other step's vote (CometBFT's CanonicalVote, without protobuf).
import { Reader, Writer } from '../chain/codec.js';
import { DecodeError, EncodeError } from '../chain/errors.js';

export const PREVOTE = 1;
export const PRECOMMIT = 2;
export type VoteType = typeof PREVOTE | typeof PRECOMMIT;

/** Largest proposed value (an encoded block) a proposal may carry. */
export const MAX_VALUE_BYTES = 4 * 1024 * 1024;
/** Round numbers are u32; -1 (no proof-of-lock round) is encoded as 0xffffffff. */
const NO_ROUND = 0xffffffff;
const MAX_HEIGHT = BigInt(Number.MAX_SAFE_INTEGER);

const enc = new TextEncoder();
const VOTE_DOMAIN = enc.encode('hashlane/bft/vote/v1\0');
const PROPOSAL_DOMAIN = enc.encode('hashlane/bft/proposal/v1\0');
const ZERO_ID = new Uint8Array(32);

export interface Vote {
  type: VoteType;
  height: number;
  round: number;
  /** The block id voted for, or null for a nil vote. */
  blockId: Uint8Array | null;
  /** Ed25519 public key of the voter. */
  validator: Uint8Array;
  signature: Uint8Array;
}

export interface Proposal {
  height: number;
  round: number;
  /** The proof-of-lock round (validRound of the proposer), -1 when none. */
  polRound: number;
  /** The proposed value (an encoded block); its id is what votes name. */
  value: Uint8Array;
  blockId: Uint8Array;
  proposer: Uint8Array;
  signature: Uint8Array;
}

function checkHeight(h: number, field: string): void {
  if (!Number.isSafeInteger(h) || h < 1) throw new EncodeError('encode-range', `${field} must be a safe integer >= 1, got ${h}`);
}
function checkRound(r: number, field: string, allowNone = false): void {
  if (!Number.isInteger(r) || r < (allowNone ? -1 : 0) || r >= NO_ROUND) {
    throw new EncodeError('encode-range', `${field} must be an integer in [${allowNone ? -1 : 0}, 2^32-1), got ${r}`);
  }
}
function readHeight(r: Reader, field: string): number {
  const h = r.u64(field);
  if (h < 1n || h > MAX_HEIGHT) throw new DecodeError('decode-range', `${r.what}: ${field} is ${h}, expected [1, 2^53)`);
  return Number(h);
}
function readRound(r: Reader, field: string, allowNone = false): number {
  const v = r.u32(field);
  if (v === NO_ROUND) {
    if (allowNone) return -1;
    throw new DecodeError('decode-range', `${r.what}: ${field} is 0xffffffff, expected a round number`);
  }
  return v;
}

/** `domain | chainId u32 | type u8 | height u64 | round u32 | hasBlock u8 | blockId 32`. */
export function voteSignBytes(chainId: number, type: VoteType, height: number, round: number, blockId: Uint8Array | null): Uint8Array {
  if (type !== PREVOTE && type !== PRECOMMIT) throw new EncodeError('encode-range', `vote type must be 1 (prevote) or 2 (precommit), got ${type}`);
  checkHeight(height, 'vote height');
  checkRound(round, 'vote round');
  const w = new Writer(VOTE_DOMAIN.length + 50).raw(VOTE_DOMAIN).u32(chainId, 'chainId').u8(type, 'type');
  w.u64(BigInt(height), 'height').u32(round, 'round').u8(blockId ? 1 : 0, 'hasBlock');
  return w.fixed(blockId ?? ZERO_ID, 32, 'blockId').finish();
}

/** `domain | chainId u32 | height u64 | round u32 | polRound u32 | blockId 32`. */
export function proposalSignBytes(chainId: number, height: number, round: number, polRound: number, blockId: Uint8Array): Uint8Array {
  checkHeight(height, 'proposal height');
  checkRound(round, 'proposal round');
  checkRound(polRound, 'proposal polRound', true);
  if (polRound >= round) throw new EncodeError('encode-range', `proposal polRound ${polRound} must be below its round ${round}`);
  const w = new Writer(PROPOSAL_DOMAIN.length + 52).raw(PROPOSAL_DOMAIN).u32(chainId, 'chainId');
  w.u64(BigInt(height), 'height').u32(round, 'round').u32(polRound < 0 ? NO_ROUND : polRound, 'polRound');
  return w.fixed(blockId, 32, 'blockId').finish();
}

/** Wire form: `type u8 | height u64 | round u32 | hasBlock u8 | blockId 32 | validator 32 | signature 64`. */
export function encodeVote(v: Vote): Uint8Array {
  const w = new Writer(142);
  writeVote(w, v);
  return w.finish();
}

export function writeVote(w: Writer, v: Vote): void {
  if (v.type !== PREVOTE && v.type !== PRECOMMIT) throw new EncodeError('encode-range', `vote type must be 1 or 2, got ${v.type}`);
  checkHeight(v.height, 'vote height');
  checkRound(v.round, 'vote round');
  w.u8(v.type, 'type').u64(BigInt(v.height), 'height').u32(v.round, 'round').u8(v.blockId ? 1 : 0, 'hasBlock');
  w.fixed(v.blockId ?? ZERO_ID, 32, 'blockId').fixed(v.validator, 32, 'validator').fixed(v.signature, 64, 'signature');
}

export function readVote(r: Reader): Vote {
  const type = r.u8('type');
  if (type !== PREVOTE && type !== PRECOMMIT) throw new DecodeError('decode-bad-vote-type', `${r.what}: vote type ${type}, expected 1 (prevote) or 2 (precommit)`);
  const height = readHeight(r, 'height');
  const round = readRound(r, 'round');
  const has = r.u8('hasBlock');
  if (has > 1) throw new DecodeError('decode-noncanonical', `${r.what}: hasBlock is ${has}, expected 0 or 1`);
  const id = r.fixed(32, 'blockId');
  if (has === 0 && id.some((b) => b !== 0)) throw new DecodeError('decode-noncanonical', `${r.what}: a nil vote must carry a zero block id`);
  return { type, height, round, blockId: has ? id : null, validator: r.fixed(32, 'validator'), signature: r.fixed(64, 'signature') };
}

export function decodeVote(bytes: Uint8Array): Vote {
  const r = new Reader(bytes, 'vote');
  const v = readVote(r);
  r.end();
  return v;
}

/** Wire form: `height u64 | round u32 | polRound u32 | value varbytes | blockId 32 | proposer 32 | signature 64`. */
export function encodeProposal(p: Proposal, maxValue = MAX_VALUE_BYTES): Uint8Array {
  checkHeight(p.height, 'proposal height');
  checkRound(p.round, 'proposal round');
  checkRound(p.polRound, 'proposal polRound', true);
  if (p.polRound >= p.round) throw new EncodeError('encode-range', `proposal polRound ${p.polRound} must be below its round ${p.round}`);
  const w = new Writer(p.value.length + 160);
  w.u64(BigInt(p.height), 'height').u32(p.round, 'round').u32(p.polRound < 0 ? NO_ROUND : p.polRound, 'polRound');
  w.varbytes(p.value, maxValue, 'value').fixed(p.blockId, 32, 'blockId').fixed(p.proposer, 32, 'proposer').fixed(p.signature, 64, 'signature');
  return w.finish();
}

export function decodeProposal(bytes: Uint8Array, maxValue = MAX_VALUE_BYTES): Proposal {
  const r = new Reader(bytes, 'proposal');
  const height = readHeight(r, 'height');
  const round = readRound(r, 'round');
  const polRound = readRound(r, 'polRound', true);
  if (polRound >= round) throw new DecodeError('decode-range', `proposal: polRound ${polRound} must be below its round ${round}`);
  const p: Proposal = {
    height, round, polRound,
    value: r.varbytes('value', maxValue), blockId: r.fixed(32, 'blockId'),
    proposer: r.fixed(32, 'proposer'), signature: r.fixed(64, 'signature'),
  };
  r.end();
  return p;
}

export function voteSignBytesOf(chainId: number, v: Vote): Uint8Array {
  return voteSignBytes(chainId, v.type, v.height, v.round, v.blockId);
}

export function proposalSignBytesOf(chainId: number, p: Proposal): Uint8Array {
  return proposalSignBytes(chainId, p.height, p.round, p.polRound, p.blockId);
}

export function sameId(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
