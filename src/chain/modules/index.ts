// The built-in modules and the default registry (what decodeBlock/decodeTx use when no
// registry is given). A chain with more modules passes its own registry to Chain.open.
import { ModuleRegistry } from '../module.js';
import { assets } from './assets/index.js';
import { bank } from './bank/index.js';
import { contracts } from './contracts/index.js';
import { htlc } from './htlc/index.js';

export { bank, decodeAccount, encodeAccount, queryAccount, TxKind } from './bank/index.js';
export type { Account, BankKeeper, CoinbaseBody, TransferBody } from './bank/index.js';
export { assets, assetId, AssetKind, HTLC_ESCROW, Power, queryAsset, readOutcome } from './assets/index.js';
export type { Asset, AssetAccountBody, AssetAmountBody, AssetIssueBody, AssetsKeeper } from './assets/index.js';
export { htlc, htlcId, HtlcKind, NATIVE, queryHtlc, SECRET_SIZE } from './htlc/index.js';
export type { Htlc, HtlcClaimBody, HtlcLockBody, HtlcRefundBody } from './htlc/index.js';

export { contracts, ContractKind, contractAddress, decodeReceipt, encodeReceipt, queryCall, receiptJson } from './contracts/index.js';
export type { CallBody, ContractReceipt, DeployBody } from './contracts/index.js';

export const builtinModules = [bank, contracts, assets, htlc] as const;

export const defaultRegistry = new ModuleRegistry(builtinModules);

// Validator-set modules of the BFT engine (issue 16); not in the default registry: a chain
// names one with `validatorSetModule` and its engine brings it.
export { powersOf as stakingPowers, staking, StakingKind, STAKING_ESCROW, STAKING_REWARDS, stakingOf, stakingOfAccount, stakingLedger, pendingRewardsScaled } from './staking/index.js';
export type { StakingKeeper, ValidatorRecord } from './staking/index.js';
export { dpos, DposKind, DPOS_ESCROW, DPOS_REWARDS, dposOf, voterOf, dposLedger, dposPendingScaled } from './dpos/index.js';
export type { DposKeeper } from './dpos/index.js';
export { DEFAULT_DPOS, DEFAULT_STAKING } from './staking/params.js';
export type { DposParams, GenesisStaker, GenesisVoter, StakingParams } from './staking/params.js';
export { SCALE as REWARD_SCALE } from './staking/rewards.js';
