// Builders of the BFT and consortium transactions (the node's driver, the CLI, tests).
// Each transaction's encoding is cached on the object by a registry that knows these
// kinds, so that later calls without a registry (merkle roots, block encoding) find it.
import type { Commit } from '../../../bft/commit.js';
import { makeEvidence, type Evidence } from '../../../bft/evidence.js';
import type { Vote } from '../../../bft/messages.js';
import { ed25519 } from '../../../sig/index.js';
import { ModuleRegistry } from '../../module.js';
import { encodeTx, signTx, type Transaction } from '../../tx.js';
import { authority, AuthorityKind, type VoteBody } from '../authority/index.js';
import { bank } from '../bank/index.js';
import { BftKind, createBftModule, lastCommitTx } from './index.js';

const codecs = new ModuleRegistry([bank, authority, createBftModule()]);

/** The unsigned last-commit transaction (index 1 of the block at `height`, the commit of `height - 1`). */
export function createLastCommitTx(chainId: number, height: number, commit: Commit): Transaction<Commit> {
  const tx = lastCommitTx(chainId, height, commit);
  encodeTx(tx, codecs);
  return tx;
}

export interface SignedTxArgs {
  chainId: number;
  /** The sender's next account nonce. */
  nonce: number;
  fee: bigint;
}

/** An evidence transaction reporting two conflicting votes (any funded account may send it). */
export function createEvidenceTx(args: SignedTxArgs & { evidence: Evidence | { a: Vote; b: Vote } }, secretKey: Uint8Array): Transaction<Evidence> {
  const body = makeEvidence(args.evidence.a, args.evidence.b);
  return signTx<Evidence>({ chainId: args.chainId, kind: BftKind.Evidence, from: ed25519.getPublicKey(secretKey), nonce: args.nonce, fee: args.fee, body }, secretKey, codecs);
}

/** A validator's vote to add or remove a validator (consortium). */
export function createValidatorVoteTx(args: SignedTxArgs & { action: 'add' | 'remove'; subject: Uint8Array }, secretKey: Uint8Array): Transaction<VoteBody> {
  return voteTx(AuthorityKind.ValidatorVote, args, args.action === 'add' ? 0 : 1, secretKey);
}

/** A validator's vote to allow or revoke an account's permission to send (consortium allowlist). */
export function createAccessVoteTx(args: SignedTxArgs & { action: 'allow' | 'revoke'; subject: Uint8Array }, secretKey: Uint8Array): Transaction<VoteBody> {
  return voteTx(AuthorityKind.AccessVote, args, args.action === 'allow' ? 0 : 1, secretKey);
}

function voteTx(kind: number, args: SignedTxArgs & { subject: Uint8Array }, action: number, secretKey: Uint8Array): Transaction<VoteBody> {
  return signTx<VoteBody>({ chainId: args.chainId, kind, from: ed25519.getPublicKey(secretKey), nonce: args.nonce, fee: args.fee, body: { action, subject: args.subject } }, secretKey, codecs);
}
