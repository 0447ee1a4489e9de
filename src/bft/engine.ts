// The BFT consensus engine on the chain's engine seam (src/chain/consensus.ts). Its seal
// is the LastCommit: block h carries, as its transaction 1, the > 2/3 precommits for
// block h-1 (a system transaction of the bft module, committed by the merkle root like
// the state roots, so the header stays 80 bytes). The seal's presence and its naming of
// the parent are stateless (checkSeal); its signatures are checked when the block is
// applied, against the set that sealed h-1 as the state holds it, in one batch call.
//
// Finality: a decided block is final, but the commit that proves it arrives only with
// the next block, so the tip's parent is the highest height the chain itself can prove:
// finalizedHeight(tip) = tip.height - 1. Fork choice is by height (weight 1 per block).
import type { Block, BlockHeader } from '../chain/block.js';
import type { ConsensusEngine, Validator } from '../chain/consensus.js';
import { ChainError, ValidationError } from '../chain/errors.js';
import { bytesEqual, toDisplayHex } from '../chain/hex.js';
import type { ChainModule, StateQuery } from '../chain/module.js';
import { bftHeight, BftKind, createBftModule, currentSet, lastSet, VerifiedCommits } from '../chain/modules/bft/index.js';
import { blockSubsidy, type ChainParams } from '../chain/params.js';
import type { HeaderInfo } from '../chain/retarget.js';
import { ed25519 } from '../sig/index.js';
import { verifyCommitRange, type BatchVerifier, type Commit, type CommitCheck } from './commit.js';
import type { ValidatorSet } from './validators.js';

export interface BftEngineOptions {
  /** The module whose keeper is the ValidatorSetKeeper (authority, staking, dpos). */
  setModule: ChainModule;
  /** False when the set module pays out reward + fees itself (templates then claim 0). */
  claimsReward?: boolean;
  /** Batch verifier of commit signatures (default ed25519.verifyBatch); tests count calls. */
  verify?: BatchVerifier;
}

const fail = (reason: string, message: string): never => {
  throw new ValidationError(reason, message);
};

export class BftEngine implements ConsensusEngine {
  readonly name = 'bft';
  readonly modules: readonly ChainModule[];
  readonly claimsReward: boolean;
  /** Verified (commit, set) pairs shared by preverify and the bft module's apply. */
  readonly verified = new VerifiedCommits();
  private readonly verify: BatchVerifier;

  constructor(
    readonly params: ChainParams,
    options: BftEngineOptions,
  ) {
    if (params.consensus !== 'bft') throw new ChainError('bad-params', `the bft engine needs params.consensus 'bft', got ${JSON.stringify(params.consensus ?? 'pow')}`);
    const expected = params.validatorSetModule ?? 'authority';
    if (options.setModule.name !== expected) throw new ChainError('bad-params', `params.validatorSetModule is ${expected}, the engine was given module ${options.setModule.name}`);
    this.verify = options.verify ?? ed25519.verifyBatch;
    this.claimsReward = options.claimsReward ?? true;
    // The set module first: its endBlock settles the members before the bft module rotates.
    this.modules = [options.setModule, createBftModule({ verify: this.verify, verified: this.verified })];
  }

  /**
   * bits = genesisBits (no proof of work); with the body: the block at height h >= 2
   * carries the commit of h-1 naming its parent as transaction 1, a block at height 1
   * carries none, and no other transaction is a last-commit.
   */
  checkSeal(header: BlockHeader, hash: Uint8Array, block?: Block): void {
    if (header.bits >>> 0 !== this.params.genesisBits >>> 0) {
      fail('bad-diffbits', `bits 0x${(header.bits >>> 0).toString(16)}; a bft chain's blocks carry bits 0x${(this.params.genesisBits >>> 0).toString(16)}`);
    }
    if (!block || block.txs.length === 0) return;
    const height = block.txs[0].nonce;
    for (let i = 2; i < block.txs.length; i++) {
      if (block.txs[i].kind === BftKind.LastCommit) fail('bad-last-commit-position', `transaction ${i} of block ${toDisplayHex(hash)} is a last-commit; it belongs at index 1 only`);
    }
    const lc = block.txs[1]?.kind === BftKind.LastCommit ? block.txs[1] : undefined;
    if (height < 2) {
      if (lc) fail('bad-last-commit-unexpected', `block ${height} has no parent commit to carry (genesis is not voted on), but transaction 1 is a last-commit`);
      return;
    }
    if (!lc) return fail('bad-last-commit-missing', `block ${height} must carry the commit of block ${height - 1} (> 2/3 precommits) as transaction 1, kind last-commit`);
    const c = lc.body as Commit;
    if (lc.nonce !== height) fail('bad-last-commit-nonce', `last-commit nonce ${lc.nonce} must equal the block height ${height}`);
    if (c.height !== height - 1) fail('bad-commit-height', `the last-commit of block ${height} is for height ${c.height}, expected ${height - 1}`);
    if (!bytesEqual(c.blockId, header.prevHash)) fail('bad-commit-block', `the last-commit of block ${height} names block ${toDisplayHex(c.blockId)}, expected its parent ${toDisplayHex(header.prevHash)}`);
  }

  expectedBits(): number {
    return this.params.genesisBits;
  }

  blockWeight(): bigint {
    return 1n;
  }

  blockReward(height: number): bigint {
    return blockSubsidy(height, this.params);
  }

  finalizedHeight(tip: HeaderInfo): number {
    return Math.max(0, tip.height - 1);
  }

  /**
   * Members of the set that seals `height` as `state` knows it: the tip's (the set that
   * sealed it) or the next height's; null for other heights (the state keeps only these).
   */
  validatorSet(state: StateQuery, height: number): Validator[] | null {
    const tip = bftHeight(state);
    const set = height === tip + 1 ? currentSet(state) : height === tip && tip > 0 ? lastSet(state) : null;
    return set ? set.validators.map((v) => ({ publicKey: v.publicKey, power: v.power })) : null;
  }

  /** The set (with proposer priorities) that votes on the height after the tip of `state`: the same on every node. */
  validatorSetAt(state: StateQuery): ValidatorSet {
    return currentSet(state);
  }

  /**
   * The LastCommits of consecutive blocks on top of `state` in ONE batch call: the first
   * against the set that sealed the tip, the others against the next height's members
   * (a run in which the membership changes does not verify as a whole and returns false).
   * What verified is remembered; connecting those blocks then skips their batches.
   */
  preverify(blocks: readonly Block[], state: StateQuery): boolean {
    const last = lastSet(state);
    const cur = currentSet(state);
    const checks: CommitCheck[] = [];
    blocks.forEach((b, i) => {
      const lc = b.txs[1];
      const set = i === 0 ? last : cur;
      if (!lc || lc.kind !== BftKind.LastCommit || !set) return;
      const commit = lc.body as Commit;
      checks.push({ commit, set, height: commit.height, blockId: b.header.prevHash });
    });
    if (checks.length === 0) return true;
    try {
      verifyCommitRange(this.params.chainId, checks, this.verify);
    } catch (e) {
      if (e instanceof ValidationError) return false;
      throw e;
    }
    for (const k of checks) this.verified.add(VerifiedCommits.key(this.params.chainId, k.commit, k.set));
    return true;
  }
}
