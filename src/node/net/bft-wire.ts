/**
 * The BFT gossip message: one proposal, vote or decision per gossipsub message, as
 * `tag u8 | chainId u32 | nonce u32 | body`, the body being the bft core's canonical
 * encoding (src/bft/messages.ts, commit.ts). The chain id comes first so a message of
 * another chain is refused before anything is decoded or verified; the nonce is not
 * signed and only makes a rebroadcast a new gossipsub message (message ids are content
 * hashes, so an identical republish would be dropped as already seen by the sender's own
 * router). Each kind has a hard size cap, checked before its body is read.
 */
import { Reader, Writer } from '../../chain/codec.js';
import { DecodeError } from '../../chain/errors.js';
import { readCommit, writeCommit } from '../../bft/commit.js';
import type { Message } from '../../bft/machine.js';
import { decodeProposal, encodeProposal, readVote, writeVote } from '../../bft/messages.js';
import { MAX_VALIDATORS } from '../../bft/validators.js';

export const BFT_PROPOSAL = 1;
export const BFT_VOTE = 2;
export const BFT_DECISION = 3;

const HEAD = 1 + 4 + 4;
export const VOTE_BYTES = 1 + 8 + 4 + 1 + 32 + 32 + 64;
/** A proposal's fixed fields and the value's length prefix, on top of the value. */
const PROPOSAL_OVERHEAD = 8 + 4 + 4 + 9 + 32 + 32 + 64;
/** A decision's commit at its largest (every validator signed) and the value's length prefix. */
const DECISION_OVERHEAD = 9 + 8 + 4 + 32 + 3 + MAX_VALIDATORS * (3 + 64);

/** Largest gossip message for a chain whose blocks are at most `maxValue` bytes. */
export function maxBftMessageBytes(maxValue: number): number {
  return HEAD + maxValue + Math.max(PROPOSAL_OVERHEAD, DECISION_OVERHEAD);
}

/** A message for another chain (its sender is on the wrong network, or hostile). */
export class WrongChainError extends DecodeError {
  override name = 'WrongChainError';
}

export function encodeBftMessage(chainId: number, m: Message, nonce = 0, maxValue?: number): Uint8Array {
  if (m.kind === 'vote') {
    const w = new Writer(HEAD + VOTE_BYTES).u8(BFT_VOTE, 'tag').u32(chainId, 'chainId').u32(nonce >>> 0, 'nonce');
    writeVote(w, m.vote);
    return w.finish();
  }
  if (m.kind === 'proposal') {
    const body = encodeProposal(m.proposal, maxValue);
    return new Writer(HEAD + body.length).u8(BFT_PROPOSAL, 'tag').u32(chainId, 'chainId').u32(nonce >>> 0, 'nonce').raw(body).finish();
  }
  const d = m.decision;
  const w = new Writer(HEAD + d.value.length + 64 + d.commit.signatures.length * 67).u8(BFT_DECISION, 'tag').u32(chainId, 'chainId').u32(nonce >>> 0, 'nonce');
  w.varbytes(d.value, maxValue ?? 1 << 26, 'decision.value');
  writeCommit(w, d.commit);
  return w.finish();
}

/**
 * Decodes one gossip message of chain `chainId` whose values (blocks) are at most
 * `maxValue` bytes. Throws WrongChainError for another chain's message and DecodeError for
 * anything malformed, truncated, oversized or with trailing bytes.
 */
export function decodeBftMessage(bytes: Uint8Array, chainId: number, maxValue: number): Message {
  if (bytes.length < HEAD) throw new DecodeError('decode-truncated', `bft message of ${bytes.length} bytes, at least ${HEAD} expected`);
  const r = new Reader(bytes, 'bft message');
  const tag = r.u8('tag');
  const chain = r.u32('chainId');
  r.u32('nonce');
  if (tag < BFT_PROPOSAL || tag > BFT_DECISION) throw new DecodeError('decode-bad-tag', `bft message tag ${tag}, expected 1 (proposal), 2 (vote) or 3 (decision)`);
  if (chain !== chainId >>> 0) throw new WrongChainError('bad-chainid', `bft message for chain 0x${chain.toString(16)}, this chain is 0x${(chainId >>> 0).toString(16)}`);
  const size = bytes.length - HEAD;
  if (tag === BFT_VOTE) {
    if (size !== VOTE_BYTES) throw new DecodeError('decode-size', `bft vote of ${size} bytes, expected ${VOTE_BYTES}`);
    const vote = readVote(r);
    r.end();
    return { kind: 'vote', vote };
  }
  if (tag === BFT_PROPOSAL) {
    if (size > maxValue + PROPOSAL_OVERHEAD) throw new DecodeError('decode-oversize', `bft proposal of ${size} bytes, at most ${maxValue + PROPOSAL_OVERHEAD}`);
    return { kind: 'proposal', proposal: decodeProposal(bytes.subarray(HEAD), maxValue) };
  }
  if (tag === BFT_DECISION) {
    if (size > maxValue + DECISION_OVERHEAD) throw new DecodeError('decode-oversize', `bft decision of ${size} bytes, at most ${maxValue + DECISION_OVERHEAD}`);
    const value = r.varbytes('decision.value', maxValue);
    const commit = readCommit(r);
    r.end();
    if (commit.height < 1) throw new DecodeError('decode-range', 'bft decision: commit height 0, expected >= 1');
    return { kind: 'decision', decision: { height: commit.height, value, commit } };
  }
  throw new DecodeError('decode-bad-tag', `bft message tag ${tag}`);
}
