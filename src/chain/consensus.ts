// The consensus engine seam: what the chain asks of "the thing that decides who may
// extend the chain". Proof of work implements it now; PoS/DPoS would implement the same
// calls (seal = a proposer signature, weight = stake instead of work, reward by stake).
import { blockWork, decodeCompact, hashToBigInt, type BlockHeader } from '../pow/index.js';
import { ValidationError } from './errors.js';
import { blockSubsidy, type ChainParams } from './params.js';
import { nextBits, type HeaderInfo } from './retarget.js';

export interface Consensus {
  readonly name: string;
  /** Stateless check of the header's seal (PoW: hash <= target, target <= powLimit). */
  checkSeal(header: BlockHeader, hash: Uint8Array): void;
  /** The difficulty field the child of `parent` must carry. */
  expectedBits(parent: HeaderInfo, ancestor: (height: number) => HeaderInfo): number;
  /** Fork-choice weight of one block (PoW: expected hashes). */
  blockWeight(header: BlockHeader): bigint;
  /** Newly created coins at `height` (the coinbase may claim this plus the fees). */
  blockReward(height: number): bigint;
}

export class ProofOfWork implements Consensus {
  readonly name = 'pow';
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
}
