// Chain parameters and genesis: everything that makes one chain differ from another, in
// one object (like Bitcoin Core's CChainParams / Consensus::Params).
import { bitsToTarget } from '../pow/index.js';
import type { Block } from './block.js';
import { computeMerkleRoot } from './block.js';
import { U64_MAX } from './codec.js';
import { ChainError } from './errors.js';
import { createCoinbase, MAX_PAYLOAD, type Transaction } from './tx.js';
import { dposParams, stakingParams, type DposParams, type StakingParams } from './modules/staking/params.js';

export interface PremineAllocation {
  publicKey: Uint8Array;
  amount: bigint;
}

export interface ChainParams {
  /** Human name (devnet, regtest, ...). */
  name: string;
  /** The coin's ticker, shown beside amounts ("HLN"). */
  coinName: string;
  /** Decimal places of one coin: amounts are kept in base units of 10^-decimals coin (Bitcoin: 8). */
  decimals: number;
  /** Inside every transaction: a signature for one chain is invalid on another. */
  chainId: number;
  /** Easiest target ever allowed (retargets are capped here). */
  powLimit: bigint;
  /** Compact target of the genesis block and of the first retarget window. */
  genesisBits: number;
  genesisTime: number;
  genesisMessage: string;
  /** Target spacing between blocks, seconds. */
  targetBlockTime: number;
  /** Retarget every this many blocks. */
  retargetInterval: number;
  /** Every block carries the parent's bits, never retargeting (Bitcoin Core's fPowNoRetargeting, regtest). */
  powNoRetargeting: boolean;
  /** The measured timespan is clamped to [expected / clamp, expected * clamp] (Bitcoin: 4). */
  retargetClamp: number;
  /** Subsidy of the first halving era, smallest unit. */
  blockReward: bigint;
  /** The subsidy halves every this many blocks (0 = never). */
  halvingInterval: number;
  /** Consensus limit on the encoded block size, bytes. */
  maxBlockSize: number;
  /** Consensus limit on a transaction payload, bytes (<= MAX_PAYLOAD). */
  maxPayloadSize: number;
  /** A block's time may be at most this far ahead of the local clock, seconds (Bitcoin: 7200). */
  maxFutureBlockTime: number;
  /** Median-time-past window (Bitcoin: 11 blocks). */
  medianTimeSpan: number;
  /** Balances created by the genesis block. */
  premine: PremineAllocation[];
  /**
   * Header-first sync downloads a branch's blocks only once its cumulative work reaches
   * this (and exceeds our tip's): a cheap low-work header chain never costs a download.
   * Absent: 0.
   */
  minimumChainWork?: bigint;
  /** Section of the staking (PoS) validator-set module; absent fields take its defaults (modules/staking/params.ts). */
  staking?: Partial<StakingParams>;
  /** Section of the dpos (DPoS) validator-set module. */
  dpos?: Partial<DposParams>;
}

/** Upper bound of any balance or amount (u64 in the encoding). */
export const MAX_MONEY = U64_MAX;

const base: Omit<ChainParams, 'name' | 'chainId' | 'powLimit' | 'genesisBits'> = {
  coinName: 'HLN',
  decimals: 8,
  powNoRetargeting: false,
  genesisTime: 1_767_225_600, // 2026-01-01T00:00:00Z
  genesisMessage: 'hashlane genesis',
  targetBlockTime: 1,
  retargetInterval: 30,
  retargetClamp: 4,
  blockReward: 50n * 100_000_000n,
  halvingInterval: 210_000,
  maxBlockSize: 4 * 1024 * 1024,
  maxPayloadSize: 256,
  maxFutureBlockTime: 120,
  medianTimeSpan: 11,
  premine: [],
};

/**
 * Devnet: a block per second on one core. 0x1e0431bd is a target of 2^256 / 4e6, i.e.
 * 4 M expected hashes, about one second of the WASM miner on one core; the retarget
 * (every 30 blocks, clamp 4) corrects for the actual machine.
 */
export const devnetParams: ChainParams = Object.freeze({
  ...base,
  name: 'devnet',
  chainId: 0x68_6c_64_76, // "hldv"
  powLimit: bitsToTarget(0x207fffff),
  genesisBits: 0x1e0431bd,
});

/** Regtest: a fixed trivial target (about 2 hashes a block) that never retargets, as Bitcoin Core's regtest. */
export const regtestParams: ChainParams = Object.freeze({
  ...base,
  name: 'regtest',
  chainId: 0x68_6c_72_74, // "hlrt"
  powLimit: bitsToTarget(0x207fffff),
  genesisBits: 0x207fffff,
  targetBlockTime: 10,
  retargetInterval: 20,
  powNoRetargeting: true,
  halvingInterval: 150,
});

/** A params object from a preset and overrides, checked for consistency. */
export function defineParams(preset: ChainParams, overrides: Partial<ChainParams> = {}): ChainParams {
  const p: ChainParams = { ...preset, ...overrides };
  const bad = (what: string) => {
    throw new ChainError('bad-params', what);
  };
  if (!Number.isInteger(p.chainId) || p.chainId < 0 || p.chainId > 0xffffffff) bad(`chainId must be a u32, got ${p.chainId}`);
  if (typeof p.powLimit !== 'bigint' || p.powLimit <= 0n || p.powLimit >= 1n << 256n) bad('powLimit must be a bigint in (0, 2^256)');
  let gt = 0n;
  try {
    gt = bitsToTarget(p.genesisBits);
  } catch {
    // negative or overflowing compact: reported just below
  }
  if (gt <= 0n || gt > p.powLimit) bad(`genesisBits 0x${p.genesisBits.toString(16)} is not a target in (0, powLimit]`);
  if (!(p.targetBlockTime > 0) || !Number.isInteger(p.targetBlockTime)) bad('targetBlockTime must be a positive integer (seconds)');
  if (!(p.retargetInterval >= 1) || !Number.isInteger(p.retargetInterval)) bad('retargetInterval must be a positive integer');
  if (typeof p.coinName !== 'string' || !/^[A-Za-z0-9]{1,12}$/.test(p.coinName)) bad('coinName must be 1..12 letters or digits');
  if (!Number.isInteger(p.decimals) || p.decimals < 0 || p.decimals > 18) bad('decimals must be an integer in [0, 18]');
  if (typeof p.powNoRetargeting !== 'boolean') bad('powNoRetargeting must be a boolean');
  if (!(p.retargetClamp >= 1) || !Number.isInteger(p.retargetClamp)) bad('retargetClamp must be an integer >= 1');
  if (typeof p.blockReward !== 'bigint' || p.blockReward < 0n || p.blockReward > MAX_MONEY) bad('blockReward must be a bigint in [0, 2^64)');
  if (!Number.isInteger(p.halvingInterval) || p.halvingInterval < 0) bad('halvingInterval must be a non-negative integer');
  if (!Number.isInteger(p.maxBlockSize) || p.maxBlockSize < 1000) bad('maxBlockSize must be an integer >= 1000');
  if (!Number.isInteger(p.maxPayloadSize) || p.maxPayloadSize < 0 || p.maxPayloadSize > MAX_PAYLOAD) bad(`maxPayloadSize must be in [0, ${MAX_PAYLOAD}]`);
  if (!Number.isInteger(p.medianTimeSpan) || p.medianTimeSpan < 1) bad('medianTimeSpan must be a positive integer');
  let total = 0n;
  for (const a of p.premine) {
    if (!(a.publicKey instanceof Uint8Array) || a.publicKey.length !== 32) bad('premine publicKey must be 32 bytes');
    if (typeof a.amount !== 'bigint' || a.amount <= 0n) bad('premine amount must be a positive bigint');
    total += a.amount;
  }
  if (total > MAX_MONEY) bad('premine total exceeds MAX_MONEY');
  if (p.staking !== undefined) stakingParams(p.staking);
  if (p.dpos !== undefined) dposParams(p.dpos);
  return Object.freeze(p);
}

/** Block subsidy at `height`: blockReward >> (height / halvingInterval). */
export function blockSubsidy(height: number, params: Pick<ChainParams, 'blockReward' | 'halvingInterval'>): bigint {
  if (params.halvingInterval === 0) return params.blockReward;
  const halvings = Math.floor(height / params.halvingInterval);
  return halvings >= 64 ? 0n : params.blockReward >> BigInt(halvings);
}

const genesisCache = new WeakMap<ChainParams, Block>();

/**
 * The genesis block: coinbase-kind transactions only, the first carrying the genesis
 * message, then one per premine allocation (nonce = its index, so txids are unique). It
 * is valid by definition (not checked against the rules) and its header is not mined.
 */
export function genesisBlock(params: ChainParams): Block {
  let g = genesisCache.get(params);
  if (g) return g;
  const txs: Transaction[] = [createCoinbase(params.chainId, 0, new Uint8Array(32), 0n, new TextEncoder().encode(params.genesisMessage))];
  params.premine.forEach((a, i) => txs.push(createCoinbase(params.chainId, i + 1, a.publicKey, a.amount)));
  g = {
    header: {
      version: 1,
      prevHash: new Uint8Array(32),
      merkleRoot: computeMerkleRoot(txs),
      time: params.genesisTime,
      bits: params.genesisBits,
      nonce: 0,
    },
    txs,
  };
  genesisCache.set(params, g);
  return g;
}
