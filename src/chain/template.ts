// Block templates for miners: the best-paying transactions of the mempool, a coinbase
// paying reward + fees and committing the state and receipts roots after the block, and
// a header ready for the nonce scan. A mined header (or just
// its nonce and time) comes back through `completeBlock`.
import { bitsToTarget, type BlockHeader } from '../pow/index.js';
import { blockSize, computeMerkleRoot, HEADER_SIZE, type Block } from './block.js';
import type { Chain } from './chain.js';
import { varintSize } from './codec.js';
import { ChainError, ValidationError } from './errors.js';
import { bytesEqual } from './hex.js';
import type { Commit } from '../bft/commit.js';
import type { Mempool } from './mempool.js';
import { createLastCommitTx } from './modules/bft/builders.js';
import { createCoinbase, encodeTx, txid, type Transaction } from './tx.js';

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
  const claim = opts.claimReward ?? chain.consensus.claimsReward ?? true;
  const minTime = chain.medianTimePast(parent);
  const time = opts.time ?? Math.max(chain.clock(), minTime + 1);
  const coinbase = (amount: bigint) => createCoinbase(params.chainId, height, opts.coinbaseTo, amount, payload);
  let fees = 0n;
  let all: Transaction[];
  // The coinbase commits the roots of the state after the block: a dry run on the tip's
  // state. A pending transaction that no longer applies (a vote already counted, evidence
  // already used) is dropped from the template and the mempool, so that one bad entry can
  // never keep a producer from proposing.
  for (;;) {
    fees = 0n;
    for (const tx of txs) fees += tx.fee;
    try {
      all = [chain.commitRoots([coinbase(claim ? reward + fees : 0n), ...txs], time), ...txs];
      break;
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      const i = firstFailing(chain, coinbase(0n), txs, system.length, time);
      if (i < 0) throw e;
      if (mempool) mempool.remove(txid(txs[i]));
      txs.splice(i, 1);
    }
  }
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
 * Index of the first of `txs` (from `from` on) whose block prefix fails to apply, by
 * bisection over prefixes (a failing transaction fails every longer prefix); -1 when even
 * the prefix of the first `from` transactions fails (the system transactions themselves).
 */
function firstFailing(chain: Chain, cb: Transaction, txs: Transaction[], from: number, time: number): number {
  const fails = (n: number) => {
    try {
      chain.commitRoots([cb, ...txs.slice(0, n)], time);
      return false;
    } catch (e) {
      if (e instanceof ValidationError) return true;
      throw e;
    }
  };
  if (fails(from)) return -1;
  let lo = from; // prefix of lo transactions applies
  let hi = txs.length; // prefix of hi fails
  if (!fails(hi)) return -1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (fails(mid)) hi = mid;
    else lo = mid;
  }
  return hi - 1;
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
