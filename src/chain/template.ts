// Block templates for miners: the best-paying transactions of the mempool, a coinbase
// paying reward + fees and committing the state and receipts roots after the block, and
// a header ready for the nonce scan. A mined header (or just
// its nonce and time) comes back through `completeBlock`.
import { bitsToTarget, type BlockHeader } from '../pow/index.js';
import { blockSize, computeMerkleRoot, HEADER_SIZE, type Block } from './block.js';
import type { Chain } from './chain.js';
import { varintSize } from './codec.js';
import { ChainError } from './errors.js';
import { bytesEqual } from './hex.js';
import type { Commit } from '../bft/commit.js';
import type { Mempool } from './mempool.js';
import { createLastCommitTx } from './modules/bft/builders.js';
import { createCoinbase, encodeTx, type Transaction } from './tx.js';

export interface BlockTemplate {
  height: number;
  /** Header with nonce 0; the miner varies nonce (and may raise time). */
  header: BlockHeader;
  /** The block with that header; `completeBlock` sets the mined nonce/time. */
  block: Block;
  /** Target the header hash must meet (from header.bits). */
  target: bigint;
  reward: bigint;
  fees: bigint;
  /** Median time past of the parent: a mined time must stay above it. */
  minTime: number;
}

export interface TemplateOptions {
  /** Public key the coinbase pays. */
  coinbaseTo: Uint8Array;
  /** Extra coinbase payload (extranonce space, a tag). */
  coinbasePayload?: Uint8Array;
  /** Block time; default max(clock, median time past + 1). */
  time?: number;
  /** Header version (default 1). */
  version?: number;
  /** BFT: the commit of the tip (required from height 2 on a bft chain), placed as transaction 1. */
  lastCommit?: Commit;
  /** Whether the coinbase claims reward + fees (default: the engine's claimsReward, else true). */
  claimReward?: boolean;
}

/** A template on top of the chain's tip, with transactions from the mempool (if given). */
export function createBlockTemplate(chain: Chain, mempool: Mempool | null, opts: TemplateOptions): BlockTemplate {
  const parent = chain.tip;
  const height = parent.height + 1;
  const params = chain.params;
  const reward = chain.consensus.blockReward(height);
  const payload = opts.coinbasePayload ?? new Uint8Array(0);
  if (chain.consensus.name === 'bft' && height >= 2 && !opts.lastCommit) {
    throw new ChainError('template-no-last-commit', `a bft block at height ${height} must carry the commit of block ${height - 1}: pass { lastCommit }`);
  }
  const system: Transaction[] = opts.lastCommit ? [createLastCommitTx(params.chainId, height, opts.lastCommit)] : [];
  // Reserve the coinbase at its largest amount encoding (fixed u64) and a 5-byte tx count.
  const cbSize = encodeTx(createCoinbase(params.chainId, height, opts.coinbaseTo, 0n, payload)).length;
  let room = params.maxBlockSize - HEADER_SIZE - varintSize(0xffffffff) - cbSize;
  for (const tx of system) room -= encodeTx(tx).length;
  const txs: Transaction[] = [...system, ...(mempool ? mempool.select(room) : [])];
  let fees = 0n;
  for (const tx of txs) fees += tx.fee;
  const claim = opts.claimReward ?? chain.consensus.claimsReward ?? true;
  const minTime = chain.medianTimePast(parent);
  const time = opts.time ?? Math.max(chain.clock(), minTime + 1);
  // The coinbase commits the roots of the state after the block: a dry run on the tip's state.
  const draft = [createCoinbase(params.chainId, height, opts.coinbaseTo, claim ? reward + fees : 0n, payload), ...txs];
  const all = [chain.commitRoots(draft, time), ...txs];
  const header: BlockHeader = {
    version: opts.version ?? 1,
    prevHash: parent.hash,
    merkleRoot: computeMerkleRoot(all),
    time,
    bits: chain.nextBits(parent),
    nonce: 0,
  };
  const block = { header, txs: all };
  if (blockSize(block) > params.maxBlockSize) throw new ChainError('template-too-large', 'the template exceeds maxBlockSize');
  return { height, header, block, target: bitsToTarget(header.bits), reward, fees, minTime };
}

/**
 * The block of `template` with the mined header (or a nonce/time patch). The header must
 * keep the template's parent, merkle root and bits; throws ChainError('template-mismatch').
 */
export function completeBlock(template: BlockTemplate, mined: BlockHeader | { nonce: number; time?: number }): Block {
  const t = template.header;
  const header: BlockHeader =
    'merkleRoot' in mined
      ? { ...mined }
      : { ...t, nonce: mined.nonce >>> 0, time: mined.time ?? t.time };
  if (!bytesEqual(header.prevHash, t.prevHash) || !bytesEqual(header.merkleRoot, t.merkleRoot) || header.bits !== t.bits) {
    throw new ChainError('template-mismatch', 'the mined header does not match the template (parent, merkle root or bits differ)');
  }
  return { header, txs: template.block.txs };
}
