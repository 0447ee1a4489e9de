/**
 * hashlane chain core: an account-model proof-of-work chain, isomorphic (no node: imports).
 * Await `ready()` (package root) once before using anything here.
 *
 * Encoding (all DecodeError on bad bytes: truncated, trailing, non-minimal, oversize, unknown kind):
 *   Transaction<B> { version (2), chainId, kind (a byte some module registers), from (32-byte
 *   Ed25519 key), nonce (number), fee (bigint), body: B (the kind's codec), signature (64) }
 *   bank kinds: TxKind.Transfer body { to, amount, payload }, TxKind.Coinbase body { to,
 *   amount, stateRoot, receiptsRoot, payload }
 *   encodeTx / decodeTx(bytes, registry?) / txid (sha256d of the encoding, internal order) / txSize
 *   createTransfer({chainId,to,amount,fee,nonce,payload?}, secretKey) / signTx / createCoinbase /
 *   withRoots(coinbase, { stateRoot, receiptsRoot })
 * Modules (src/chain/README.md): ChainModule, KindSpec, ModuleRegistry, defaultRegistry
 *   (bank), registry.with(...modules); state: ChainState / JournaledState (namespaced,
 *   journaled, frames), root() (state-root.ts), applyBlock(state, block, height, engine,
 *   { genesis?, checkRoots? }) -> { undo, receipts, stateRoot, receiptsRoot }, undoBlock,
 *   previewRoots, receiptsRoot.
 *   Block { header: BlockHeader (80-byte Bitcoin layout, src/pow), txs } — txs[0] is the coinbase
 *   encodeBlock / decodeBlock(bytes, maxSize?) / blockHash(header) / computeMerkleRoot(txs)
 *   toDisplayHex / fromDisplayHex (reversed order for UIs), toHex / fromHex, txids(txs) (batch)
 *   JSON for RPC: txToJson / txFromJson / blockToJson / blockFromJson (display-order hashes,
 *   hex bytes, amounts as decimal strings)
 * Params: ChainParams, devnetParams (~1 block/s on one core), regtestParams (trivial PoW),
 *   defineParams(preset, overrides), genesisBlock(params), blockSubsidy(height, params)
 * Consensus: interface ConsensusEngine (= Consensus) { checkSeal, expectedBits, blockWeight,
 *   blockReward, finalizedHeight, validatorSet, modules }; ProofOfWork(params). Retarget: retargetTarget, nextBits, medianTimePast (pure).
 * Validation (ValidationError with `.reason`, e.g. 'bad-txns-nonce', 'high-hash'):
 *   checkTransaction, checkBlock (stateless), checkBlockSignatures (ONE batch call),
 *   checkBlockContext (contextual), applyBlock/undoBlock (stateful, state.ts). Blocks with
 *   >= parallelVerifyThreshold (4096) signatures go to ed25519.verifyBatchParallel.
 * Chain: `await Chain.open({ params, store?, registry?, consensus?, now?, sigThreads? })`;
 *   chain.tip / height / getAccount(pk) / stateRoot() / commitRoots(txs) / getBlock(hash) / getBlockAtHeight(h) / getBlockBytes / getEntry /
 *   getHashAtHeight / getTransaction(txid) / getLocator / getHashesAfter(locator) /
 *   nextBits() / medianTimePast() / subscribe(ev => ...) / close().
 *   `await chain.addBlock(blockOrBytes)` -> { status: connected|reorg|side-chain|duplicate,
 *   hash, height, disconnected, connected }; throws ValidationError('prev-blk-not-found')
 *   for orphans. Fork choice: most cumulative work; reorgs of any depth.
 * Store: ChainStore interface (get / commit(ops) atomic / entries(prefix)); LevelStore(any
 *   abstract-level db with 'view' encodings, e.g. classic-level), memoryStore() (MemoryStore,
 *   dependency-free, the default).
 * Mempool: new Mempool(chain, { maxBytes, minFeeRate, maxNonceGap, replaceBumpPercent });
 *   add(txOrBytes) / addMany (one batch verify) / select(maxBytes) / nextNonce(pk) /
 *   update({ disconnected, connected }) after every chain change (reorg'd txs come back).
 * Templates: createBlockTemplate(chain, mempool, { coinbaseTo }) -> { header, target, block,
 *   ... }; completeBlock(template, minedHeaderOr{nonce,time}) -> Block; then chain.addBlock.
 * BFT (issue 15, README "BFT chains"): params { consensus: 'bft', validators,
 *   validatorSetModule, bftTimeouts, sendAllowlist, evidenceMaxAge }, presets bftDevnetParams /
 *   consortiumDevnetParams, withValidators(preset, validators, extra?), genesisPayload;
 *   engineFor(params) (Chain.open's default); modules bft (last-commit 0x40, evidence 0x41)
 *   and authority (validator-vote 0x42, access-vote 0x43); createLastCommitTx /
 *   createEvidenceTx / createValidatorVoteTx / createAccessVoteTx; chain.checkCandidate(block);
 *   paramsFromGenesisJson / genesisJson (genesis-file.ts).
 * Errors: ChainError(reason) > DecodeError | EncodeError | ValidationError | MempoolError.
 */
export * from './errors.js';
export * from './hex.js';
export { Reader, Writer, varintSize, U64_MAX } from './codec.js';
export * from './tx.js';
export * from './block.js';
export * from './params.js';
export * from './retarget.js';
export * from './consensus.js';
export * from './validation.js';
export * from './state.js';
export * from './state-root.js';
export * from './module.js';
export { bank, builtinModules, defaultRegistry, decodeAccount, encodeAccount, queryAccount } from './modules/index.js';
export { contracts, ContractKind, contractAddress, decodeReceipt, encodeReceipt, queryCall, receiptJson } from './modules/index.js';
export type { CallBody, ContractReceipt, DeployBody } from './modules/index.js';
export type { BankKeeper } from './modules/index.js';
export { assets, assetId, AssetKind, HTLC_ESCROW, Power, queryAsset, readOutcome, htlc, htlcId, HtlcKind, NATIVE, queryHtlc, SECRET_SIZE } from './modules/index.js';
export type { Asset, AssetAccountBody, AssetAmountBody, AssetIssueBody, AssetsKeeper, Htlc, HtlcClaimBody, HtlcLockBody, HtlcRefundBody } from './modules/index.js';
export { stakingPowers, staking, StakingKind, STAKING_ESCROW, STAKING_REWARDS, stakingOf, stakingOfAccount, stakingLedger, pendingRewardsScaled, dposLedger, dposPendingScaled, dpos, DposKind, DPOS_ESCROW, DPOS_REWARDS, dposOf, voterOf, DEFAULT_DPOS, DEFAULT_STAKING, REWARD_SCALE } from './modules/index.js';
export type { StakingKeeper, ValidatorRecord, DposKeeper, DposParams, GenesisStaker, GenesisVoter, StakingParams } from './modules/index.js';
export { engineFor, validatorSetModules, type ValidatorSetModuleEntry } from './engines.js';
export { authority, AuthorityKind, queryMembers, passes, MAX_OPEN_PROPOSALS, MAX_VOTES_PER_MEMBER, PROPOSAL_TTL } from './modules/authority/index.js';
export type { AuthorityKeeper, Member, Proposal as AuthorityProposal, VoteBody } from './modules/authority/index.js';
export { BftKind, BFT_NAMESPACE, bftHeight, commitFromJson, commitToJson, createBftModule, currentSet, lastSet, retiredSetCount, validatorsAtHeight, VerifiedCommits } from './modules/bft/index.js';
export type { BftKeeper, BftModuleOptions } from './modules/bft/index.js';
export { createAccessVoteTx, createEvidenceTx, createLastCommitTx, createValidatorVoteTx } from './modules/bft/builders.js';
export { genesisJson, genesisPresets, paramsFromGenesisJson, MAX_GENESIS_JSON, type GenesisFile } from './genesis-file.js';
export * from './store.js';
export * from './chain.js';
export * from './mempool.js';
export * from './template.js';
export * from './json.js';
export * from './amount.js';
