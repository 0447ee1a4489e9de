// Equivocation evidence: two votes by one validator for the same height, round and step
// that name different blocks, both validly signed. Checked statelessly (the signatures
// and the conflict); whether the signer was a validator at that height is the evidence
// module's stateful question.
import { Reader, Writer } from '../chain/codec.js';
import { ValidationError } from '../chain/errors.js';
import { bytesEqual } from '../chain/hex.js';
import type { BatchVerifier } from './commit.js';
import { readVote, sameId, voteSignBytesOf, writeVote, type Vote } from './messages.js';

export interface Evidence {
  a: Vote;
  b: Vote;
}

/** The canonical order (a's encoding sorts first) so one pair of votes has one encoding. */
export function makeEvidence(x: Vote, y: Vote): Evidence {
  const ex = new Writer(142);
  writeVote(ex, x);
  const ey = new Writer(142);
  writeVote(ey, y);
  const a = ex.finish();
  const b = ey.finish();
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? { a: x, b: y } : { a: y, b: x };
  return { a: x, b: y };
}

export function writeEvidence(w: Writer, e: Evidence): void {
  writeVote(w, e.a);
  writeVote(w, e.b);
}

export function readEvidence(r: Reader): Evidence {
  return { a: readVote(r), b: readVote(r) };
}

/** True when the two votes conflict: same signer, height, round and step, different block ids. */
export function conflicting(a: Vote, b: Vote): boolean {
  return bytesEqual(a.validator, b.validator) && a.type === b.type && a.height === b.height && a.round === b.round && !sameId(a.blockId, b.blockId);
}

/** Stateless check: conflicting, canonically ordered, both signatures valid (one batch call). */
export function checkEvidence(chainId: number, e: Evidence, verify: BatchVerifier): void {
  if (!conflicting(e.a, e.b)) throw new ValidationError('bad-evidence', 'evidence votes must be by one validator for one height, round and step, naming different blocks');
  const o = makeEvidence(e.a, e.b);
  if (o.a !== e.a) throw new ValidationError('bad-evidence', 'evidence votes must be in canonical order (smaller encoding first)');
  const ok = verify([
    { signature: e.a.signature, message: voteSignBytesOf(chainId, e.a), publicKey: e.a.validator },
    { signature: e.b.signature, message: voteSignBytesOf(chainId, e.b), publicKey: e.b.validator },
  ]);
  if (!ok) throw new ValidationError('bad-evidence-signature', 'an evidence vote signature does not verify');
}
