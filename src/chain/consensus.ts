// The consensus-engine seam: what the chain asks of "the thing that decides who may
// extend the chain". The chain core asks; the engine answers; the engine never edits
// state itself (rewards are paid by the bank module from `blockReward`, validator-set
// rules are modules the engine registers and reads through a StateQuery).
//
// Proof of work fills it now (with the behaviour the chain had before the seam); a BFT
// engine fills the same calls: seal = the > 2/3 precommit commit of the previous block,
// weight = 1 per block under finality, finalizedHeight = the last committed height,
// validatorSet = what its validator-set module says, modules = staking/evidence kinds.
// See src/chain/README.md.
import { blockWork, decodeCompact, hashToBigInt, type BlockHeader } from '../pow/index.js';
import type { Block } from './block.js';
import { ValidationError } from './errors.js';
import type { ChainModule, StateQuery } from './module.js';
import { blockSubsidy, type ChainParams } from './params.js';
import { nextBits, type HeaderInfo } from './retarget.js';

export interface Validator {
  /** Ed25519 public key that signs votes. */
  publicKey: Uint8Array;
  power: bigint;
}

/**
 * What a validator-set module (consortium authority, staking, DPoS) exports through its
 * keeper to the BFT engine's own module, which turns it into the set (with proposer
 * priorities) that seals the next height. The set rule is the module's; the engine only asks.
 */
export interface ValidatorSetKeeper {
  /** Members and powers of the set for the next height, as the state stands now. */
  members(): Validator[];
  /**
   * A verified offence (evidence, missed blocks); the module decides the penalty. `height`
   * is the block applying it (a jail counts from it); `offenceHeight` the height the
   * offence was committed at (the votes' height of double-sign evidence; default `height`),
   * so a module can spare stake that had already left before it.
   */
  punish(publicKey: Uint8Array, offence: 'double-sign' | 'downtime', height: number, offenceHeight?: number): void;
  /** Module-specific facts about a member for views (authority: name; staking: stake, commission, jailed). */
  details?(publicKey: Uint8Array): Record<string, unknown>;
}

export interface ConsensusEngine {
  readonly name: string;
  /**
   * Stateless check of the block's seal (PoW: hash <= target, target <= powLimit; BFT:
   * the commit it carries). `block` is given when the body is known.
   */
  checkSeal(header: BlockHeader, hash: Uint8Array, block?: Block): void;
  /** The difficulty field the child of `parent` must carry (a BFT engine returns a constant). */
  expectedBits(parent: HeaderInfo, ancestor: (height: number) => HeaderInfo): number;
  /** Fork-choice weight of one block (PoW: expected hashes); the branch with most total weight wins. */
  blockWeight(header: BlockHeader): bigint;
  /** Newly created coins at `height` (the coinbase may claim this plus the fees). */
  blockReward(height: number): bigint;
  /**
   * Finality rule: the highest height of the branch ending at `tip` that can never be
   * reverted. The chain refuses any reorg whose fork point is below it. PoW: 0 (only genesis).
   */
  finalizedHeight(tip: HeaderInfo): number;
  /** The validator set that seals the block at `height`, or null for engines without one (PoW). */
  validatorSet(state: StateQuery, height: number): Validator[] | null;
  /** Modules the engine brings (staking, evidence kinds); added to the chain's registry. */
  readonly modules: readonly ChainModule[];
  /**
   * Whether block templates claim reward + fees in the coinbase (default true). False when
   * the validator-set module distributes them in its endBlock (staking).
   */
  readonly claimsReward?: boolean;
  /**
   * Checks the seals of a run of consecutive blocks on top of `state` at once (a syncing
   * node's range) and remembers what verified, so that connecting them skips the work.
   * False when the run could not be verified as a whole (the blocks are then checked one
   * by one when connected, with the same verdicts).
   */
  preverify?(blocks: readonly Block[], state: StateQuery): boolean;
}

/** The name the chain used before the engine seam. */
export type Consensus = ConsensusEngine;

export class ProofOfWork implements ConsensusEngine {
  readonly name = 'pow';
  readonly modules: readonly ChainModule[] = [];
  constructor(readonly params: ChainParams) {}

  checkSeal(header: BlockHeader, hash: Uint8Array): void {
    const { target, negative, overflow } = decodeCompact(header.bits >>> 0);
    if (negative || overflow || target <= 0n || target > this.params.powLimit) {
      throw new ValidationError('bad-diffbits', `bits 0x${(header.bits >>> 0).toString(16)} decode to a target outside (0, powLimit]`);
    }
    if (hashToBigInt(hash) > target) {
      throw new ValidationError('high-hash', `block hash is above the target of bits 0x${(header.bits >>> 0).toString(16)}: proof of work failed`);
    }
  }

  expectedBits(parent: HeaderInfo, ancestor: (height: number) => HeaderInfo): number {
    return nextBits(parent, ancestor, this.params);
  }

  blockWeight(header: BlockHeader): bigint {
    return blockWork(header.bits);
  }

  blockReward(height: number): bigint {
    return blockSubsidy(height, this.params);
  }

  // Nakamoto consensus has no finality: reorgs of any depth the store can undo.
  finalizedHeight(): number {
    return 0;
  }

  validatorSet(): null {
    return null;
  }
}
