// Parameters of the staking (PoS) and dpos (DPoS) validator-set modules, as the optional
// `staking` / `dpos` sections of ChainParams, with defaults close to Cosmos SDK's
// x/staking + x/slashing (double-sign 5 %, downtime 0.01 %, window 100, min signed 50 %)
// and EOS's 21 producers. Block counts stand in for Cosmos's durations (1 s blocks here).
import { ChainError } from '../../errors.js';

export interface GenesisStaker {
  /** Account that bonds and receives the rewards (the wallet key). */
  operator: Uint8Array;
  /** Ed25519 key that signs votes. */
  consensusKey: Uint8Array;
  /** Self-bond created at genesis (new coins, held in the module's escrow). */
  stake: bigint;
  /** Commission on delegators' rewards, basis points. */
  commission: number;
}

export interface StakingParams {
  /** K: the active set is the top K validators by bonded stake (<= 1024, the BFT set limit). */
  maxValidators: number;
  /** The active set is recomputed at every height that is a multiple of this. */
  epochLength: number;
  /** Unbonded stake is released this many blocks later (slashable and earning nothing meanwhile). */
  unbondingBlocks: number;
  /** Fraction of bonded and unbonding stake burned on double-sign evidence, basis points. */
  doubleSignSlash: number;
  /** Fraction burned on downtime, basis points. */
  downtimeSlash: number;
  /** Downtime window N: the last N commits a validator was expected in. */
  signedWindow: number;
  /** A validator that signed fewer than this fraction (basis points) of its window is jailed. */
  minSigned: number;
  /** A jailed validator may unjail this many blocks after it was jailed. */
  unjailDelay: number;
  /** Smallest self-bond to register or unjail, base units. */
  minSelfBond: bigint;
  /** Validators an account may delegate to at once (claims iterate them). */
  maxDelegations: number;
  /** Unbonding entries an account may have at once. */
  maxUnbondings: number;
  /**
   * Redelegations (distinct delegator and destination) one source validator may record per
   * block: a slash of the source walks them for every block of its slash window, so this
   * bounds that walk (window x cap entries). One beyond it fails bad-staking-redelegation-busy.
   */
  maxRedelegationsPerBlock: number;
  /**
   * Genesis validators. Empty: the chain's `validators` (the BFT genesis set) are bonded,
   * each with operator = consensus key and stake = power x genesisStakePerPower.
   */
  genesis: GenesisStaker[];
  genesisStakePerPower: bigint;
}

export interface GenesisVoter {
  account: Uint8Array;
  stake: bigint;
  /** Operators of the delegates it votes for. */
  votes: Uint8Array[];
}

export interface DposParams {
  /** N: the top N delegates by votes form the set, each with power 1. */
  delegates: number;
  /** M: delegates one voter may vote for (each gets the voter's whole stake as votes, as in EOS). */
  maxVotes: number;
  epochLength: number;
  unbondingBlocks: number;
  signedWindow: number;
  minSigned: number;
  unjailDelay: number;
  maxUnbondings: number;
  /** Genesis delegates (stake 0 of their own) and voters. Empty delegates: the chain's `validators`, each voting for itself with genesisStakePerPower. */
  genesisDelegates: Omit<GenesisStaker, 'stake'>[];
  genesisVoters: GenesisVoter[];
  genesisStakePerPower: bigint;
}

const COIN = 100_000_000n;

export const DEFAULT_STAKING: Readonly<StakingParams> = Object.freeze({
  maxValidators: 100,
  epochLength: 10,
  unbondingBlocks: 100,
  doubleSignSlash: 500,
  downtimeSlash: 1,
  signedWindow: 100,
  minSigned: 5000,
  unjailDelay: 600,
  minSelfBond: COIN,
  maxDelegations: 32,
  maxUnbondings: 16,
  maxRedelegationsPerBlock: 64,
  genesis: [],
  genesisStakePerPower: 1000n * COIN,
});

export const DEFAULT_DPOS: Readonly<DposParams> = Object.freeze({
  delegates: 21,
  maxVotes: 30,
  epochLength: 21,
  unbondingBlocks: 100,
  signedWindow: 100,
  minSigned: 5000,
  unjailDelay: 600,
  maxUnbondings: 16,
  genesisDelegates: [],
  genesisVoters: [],
  genesisStakePerPower: 1000n * COIN,
});

const bad = (what: string): never => {
  throw new ChainError('bad-params', what);
};
const int = (v: unknown, name: string, min: number, max: number) => {
  if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) bad(`${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
};
const key = (v: unknown, name: string) => {
  if (!(v instanceof Uint8Array) || v.length !== 32) bad(`${name} must be 32 bytes`);
};
const amount = (v: unknown, name: string, min = 0n) => {
  if (typeof v !== 'bigint' || v < min || v >= 1n << 64n) bad(`${name} must be a bigint in [${min}, 2^64), got ${String(v)}`);
};

function checkCommon(p: StakingParams | DposParams, s: string): void {
  int(p.epochLength, `${s}.epochLength`, 1, 1_000_000);
  int(p.unbondingBlocks, `${s}.unbondingBlocks`, 1, 10_000_000);
  int(p.signedWindow, `${s}.signedWindow`, 1, 100_000);
  int(p.minSigned, `${s}.minSigned`, 0, 10_000);
  int(p.unjailDelay, `${s}.unjailDelay`, 0, 10_000_000);
  int(p.maxUnbondings, `${s}.maxUnbondings`, 1, 64);
  amount(p.genesisStakePerPower, `${s}.genesisStakePerPower`, 1n);
}

/** The staking section with defaults filled, checked (ChainError 'bad-params'). */
export function stakingParams(section: Partial<StakingParams> | undefined): StakingParams {
  const p: StakingParams = { ...DEFAULT_STAKING, ...section };
  checkCommon(p, 'staking');
  int(p.maxValidators, 'staking.maxValidators', 1, 1024);
  // Below 100 %: a slash always leaves tokens behind every share, so the share price is defined.
  int(p.doubleSignSlash, 'staking.doubleSignSlash', 0, 9_999);
  int(p.downtimeSlash, 'staking.downtimeSlash', 0, 9_999);
  int(p.maxDelegations, 'staking.maxDelegations', 1, 256);
  int(p.maxRedelegationsPerBlock, 'staking.maxRedelegationsPerBlock', 1, 1024);
  amount(p.minSelfBond, 'staking.minSelfBond', 1n);
  if (!Array.isArray(p.genesis)) bad('staking.genesis must be an array');
  const seen = new Set<string>();
  for (const [i, g] of p.genesis.entries()) {
    key(g.operator, `staking.genesis[${i}].operator`);
    key(g.consensusKey, `staking.genesis[${i}].consensusKey`);
    amount(g.stake, `staking.genesis[${i}].stake`, p.minSelfBond);
    int(g.commission, `staking.genesis[${i}].commission`, 0, 10_000);
    for (const k of [`o${String(g.operator)}`, `c${String(g.consensusKey)}`]) {
      if (seen.has(k)) bad(`staking.genesis[${i}] repeats an operator or consensus key`);
      seen.add(k);
    }
  }
  return p;
}

export function dposParams(section: Partial<DposParams> | undefined): DposParams {
  const p: DposParams = { ...DEFAULT_DPOS, ...section };
  checkCommon(p, 'dpos');
  int(p.delegates, 'dpos.delegates', 1, 1024);
  int(p.maxVotes, 'dpos.maxVotes', 1, 64);
  if (!Array.isArray(p.genesisDelegates) || !Array.isArray(p.genesisVoters)) bad('dpos.genesisDelegates and dpos.genesisVoters must be arrays');
  const seen = new Set<string>();
  for (const [i, g] of p.genesisDelegates.entries()) {
    key(g.operator, `dpos.genesisDelegates[${i}].operator`);
    key(g.consensusKey, `dpos.genesisDelegates[${i}].consensusKey`);
    int(g.commission, `dpos.genesisDelegates[${i}].commission`, 0, 10_000);
    for (const k of [`o${String(g.operator)}`, `c${String(g.consensusKey)}`]) {
      if (seen.has(k)) bad(`dpos.genesisDelegates[${i}] repeats an operator or consensus key`);
      seen.add(k);
    }
  }
  const voters = new Set<string>();
  for (const [i, v] of p.genesisVoters.entries()) {
    key(v.account, `dpos.genesisVoters[${i}].account`);
    amount(v.stake, `dpos.genesisVoters[${i}].stake`, 1n);
    if (voters.has(String(v.account))) bad(`dpos.genesisVoters[${i}] repeats a voter`);
    voters.add(String(v.account));
    if (!Array.isArray(v.votes) || v.votes.length > p.maxVotes) bad(`dpos.genesisVoters[${i}].votes must list at most ${p.maxVotes} delegates`);
    const named = new Set<string>();
    v.votes.forEach((o, j) => {
      key(o, `dpos.genesisVoters[${i}].votes[${j}]`);
      if (named.has(String(o))) bad(`dpos.genesisVoters[${i}].votes names a delegate twice`);
      named.add(String(o));
      if (p.genesisDelegates.length > 0 && !seen.has(`o${String(o)}`)) bad(`dpos.genesisVoters[${i}].votes[${j}] is not one of dpos.genesisDelegates`);
    });
  }
  return p;
}
