// Chain parameters and genesis: everything that makes one chain differ from another, in
// one object (like Bitcoin Core's CChainParams / Consensus::Params).
import type { Timeouts } from '../bft/machine.js';
import { sha256 } from '../hash/index.js';
import { bitsToTarget } from '../pow/index.js';
import type { Block } from './block.js';
import { computeMerkleRoot } from './block.js';
import { U64_MAX, Writer } from './codec.js';
import { ChainError } from './errors.js';
import { createCoinbase, MAX_PAYLOAD, type Transaction } from './tx.js';

export interface PremineAllocation {
  publicKey: Uint8Array;
  amount: bigint;
}

/** A validator of the genesis set (consensus 'bft'). */
export interface GenesisValidator {
  /** Ed25519 key that signs its votes. */
  publicKey: Uint8Array;
  power: bigint;
  /** Organisation or operator name (shown by getvalidators; committed by the genesis). */
  name?: string;
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
  /** Consensus engine (engines.ts engineFor): proof of work (absent) or Tendermint BFT. */
  consensus?: 'pow' | 'bft';
  /** BFT: the validator set of height 1 (committed by the genesis block). */
  validators?: GenesisValidator[];
  /** BFT: the module whose keeper (ValidatorSetKeeper) names the validators (default 'authority'). */
  validatorSetModule?: string;
  /** BFT: round timeouts, ms; `commit` is the pause after a decision (the block interval). */
  bftTimeouts?: Timeouts;
  /**
   * BFT: accounts allowed to send transactions (validators always may). Absent: anyone
   * may send. Present (even empty): only these, changed afterwards by access votes.
   */
  sendAllowlist?: Uint8Array[];
  /** BFT: evidence of an equivocation is accepted for this many blocks after the votes' height (default 100). */
  evidenceMaxAge?: number;
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

const BFT_TIMEOUTS: Timeouts = Object.freeze({
  propose: 3000, proposeDelta: 500, prevote: 1000, prevoteDelta: 500, precommit: 1000, precommitDelta: 500, commit: 1000,
});

// The BFT presets keep a trivial PoW target in the header's bits field: the BFT engine
// requires bits = genesisBits and checks no proof of work (the seal is the commit).
const bftBase: Omit<ChainParams, 'name' | 'chainId'> = {
  ...base,
  powLimit: bitsToTarget(0x207fffff),
  genesisBits: 0x207fffff,
  powNoRetargeting: true,
  consensus: 'bft',
  validators: [],
  validatorSetModule: 'authority',
  bftTimeouts: BFT_TIMEOUTS,
  evidenceMaxAge: 100,
};

/**
 * BFT devnet: one validator (the node's own key, given at start through withValidators),
 * a block per second (the commit pause).
 */
export const bftDevnetParams: ChainParams = Object.freeze({ ...bftBase, name: 'bft-devnet', chainId: 0x68_6c_62_64 /* "hlbd" */ });

/** Consortium devnet: known authorities of equal power from a genesis file, votes change the set. */
export const consortiumDevnetParams: ChainParams = Object.freeze({ ...bftBase, name: 'consortium-devnet', chainId: 0x68_6c_63_64 /* "hlcd" */ });

/** `preset` with its genesis validator set (and other overrides), checked. */
export function withValidators(preset: ChainParams, validators: GenesisValidator[], extra: Partial<ChainParams> = {}): ChainParams {
  return defineParams(preset, { ...extra, validators });
}

/** Most validators a genesis set or a validator-set module may name (src/bft/validators.ts MAX_VALIDATORS). */
const MAX_GENESIS_VALIDATORS = 1024;
/** Most accounts a genesis send allowlist may name. */
export const MAX_ALLOWLIST = 4096;

function checkBftParams(p: ChainParams, bad: (what: string) => never): void {
  if (p.consensus !== undefined && p.consensus !== 'pow' && p.consensus !== 'bft') bad(`consensus must be 'pow' or 'bft', got ${JSON.stringify(p.consensus)}`);
  if (p.consensus !== 'bft') {
    for (const f of ['validators', 'validatorSetModule', 'bftTimeouts', 'sendAllowlist'] as const) {
      if (p[f] !== undefined && !(f === 'validators' && Array.isArray(p.validators) && p.validators.length === 0)) bad(`${f} is a setting of consensus 'bft'; this chain's consensus is proof of work`);
    }
    return;
  }
  const vs = p.validators;
  if (!Array.isArray(vs) || vs.length === 0) bad(`a bft chain needs at least one genesis validator (params.validators; presets: withValidators(${p.name}, [...]))`);
  if (vs!.length > MAX_GENESIS_VALIDATORS) bad(`${vs!.length} genesis validators, at most ${MAX_GENESIS_VALIDATORS}`);
  const module = p.validatorSetModule ?? 'authority';
  if (typeof module !== 'string' || !/^[a-z0-9-]{1,24}$/.test(module)) bad(`validatorSetModule must be a module name, got ${JSON.stringify(module)}`);
  const seen = new Set<string>();
  for (const v of vs!) {
    if (!(v.publicKey instanceof Uint8Array) || v.publicKey.length !== 32) bad('a validator publicKey must be 32 bytes');
    if (typeof v.power !== 'bigint' || v.power < 1n || v.power > 1n << 60n) bad(`validator power must be a bigint in [1, 2^60], got ${String(v.power)}`);
    if (module === 'authority' && v.power !== 1n) bad(`the authority (consortium) rule gives every validator power 1, got ${v.power}`);
    if (v.name !== undefined && (typeof v.name !== 'string' || v.name.length > 64 || /[\u0000-\u001f]/.test(v.name))) bad('a validator name must be a string of at most 64 printable characters');
    const k = Array.from(v.publicKey, (b) => b.toString(16).padStart(2, '0')).join('');
    if (seen.has(k)) bad(`validator ${k} appears twice`);
    seen.add(k);
  }
  const t = p.bftTimeouts;
  if (t !== undefined) {
    for (const f of ['propose', 'proposeDelta', 'prevote', 'prevoteDelta', 'precommit', 'precommitDelta', 'commit'] as const) {
      if (!Number.isInteger(t[f]) || t[f] < 0 || t[f] > 3_600_000) bad(`bftTimeouts.${f} must be an integer number of ms in [0, 3600000], got ${String(t[f])}`);
    }
  }
  if (p.sendAllowlist !== undefined) {
    if (!Array.isArray(p.sendAllowlist) || p.sendAllowlist.length > MAX_ALLOWLIST) bad(`sendAllowlist must be an array of at most ${MAX_ALLOWLIST} keys`);
    const ks = new Set<string>();
    for (const a of p.sendAllowlist!) {
      if (!(a instanceof Uint8Array) || a.length !== 32) bad('a sendAllowlist entry must be a 32-byte public key');
      const k = Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
      if (ks.has(k)) bad(`sendAllowlist names ${k} twice`);
      ks.add(k);
    }
  }
  if (p.evidenceMaxAge !== undefined && (!Number.isInteger(p.evidenceMaxAge) || p.evidenceMaxAge < 1 || p.evidenceMaxAge > 1_000_000)) bad('evidenceMaxAge must be an integer in [1, 1000000] (blocks)');
}

/** A params object from a preset and overrides, checked for consistency. */
export function defineParams(preset: ChainParams, overrides: Partial<ChainParams> = {}): ChainParams {
  const p: ChainParams = { ...preset, ...overrides };
  const bad = (what: string): never => {
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
  checkBftParams(p, bad);
  return Object.freeze(p);
}

/** Block subsidy at `height`: blockReward >> (height / halvingInterval). */
export function blockSubsidy(height: number, params: Pick<ChainParams, 'blockReward' | 'halvingInterval'>): bigint {
  if (params.halvingInterval === 0) return params.blockReward;
  const halvings = Math.floor(height / params.halvingInterval);
  return halvings >= 64 ? 0n : params.blockReward >> BigInt(halvings);
}

const genesisCache = new WeakMap<ChainParams, Block>();

const cmpBytes = (a: Uint8Array, b: Uint8Array): number => {
  for (let i = 0; i < a.length && i < b.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
};

/**
 * Canonical encoding of what a bft genesis fixes beyond the params' numbers: the set
 * module, the validators (key order: key, power, name) and the send allowlist (absent vs
 * present matters; key order).
 */
export function encodeGenesisSet(params: ChainParams): Uint8Array {
  const w = new Writer(256);
  w.raw(new TextEncoder().encode('hashlane/bft/genesis/v1\0'));
  const module = new TextEncoder().encode(params.validatorSetModule ?? 'authority');
  w.varbytes(module, 64, 'validatorSetModule');
  const vs = [...(params.validators ?? [])].sort((a, b) => cmpBytes(a.publicKey, b.publicKey));
  w.varint(vs.length, 'validators');
  for (const v of vs) w.fixed(v.publicKey, 32, 'validator.publicKey').u64(v.power, 'validator.power').varbytes(new TextEncoder().encode(v.name ?? ''), 256, 'validator.name');
  if (params.sendAllowlist === undefined) w.u8(0, 'allowlist');
  else {
    const al = [...params.sendAllowlist].sort(cmpBytes);
    w.u8(1, 'allowlist').varint(al.length, 'allowlist.count');
    for (const a of al) w.fixed(a, 32, 'allowlist.key');
  }
  return w.finish();
}

/**
 * The genesis coinbase payload: the genesis message; for a bft chain followed by 0x00 and
 * sha256(encodeGenesisSet), so two chains with different validator sets (or allowlists)
 * never share a genesis hash.
 */
export function genesisPayload(params: ChainParams): Uint8Array {
  const msg = new TextEncoder().encode(params.genesisMessage);
  if (params.consensus !== 'bft') return msg;
  const out = new Uint8Array(msg.length + 33);
  out.set(msg);
  out.set(sha256(encodeGenesisSet(params)), msg.length + 1);
  return out;
}

/**
 * The genesis block: coinbase-kind transactions only, the first carrying the genesis
 * message, then one per premine allocation (nonce = its index, so txids are unique). It
 * is valid by definition (not checked against the rules) and its header is not mined.
 */
export function genesisBlock(params: ChainParams): Block {
  let g = genesisCache.get(params);
  if (g) return g;
  const txs: Transaction[] = [createCoinbase(params.chainId, 0, new Uint8Array(32), 0n, genesisPayload(params))];
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
