// hashlane: the package root. Await ready() once, then call anything below.
export { ready, engineInfo, loadEngine, simdSupported, EngineLoadError, EngineNotReadyError } from './engine/index.js';
export type { Backend, Engine, EngineInfo, LoadOptions, WasmSource } from './engine/index.js';
export {
  scanNonces,
  mine,
  encodeHeader,
  decodeHeader,
  bitsToTarget,
  targetToBits,
  decodeCompact,
  blockWork,
  difficulty,
  hashToBigInt,
  bigIntToHash,
  checkProofOfWork,
  hashDifficulty,
  difficultyToTarget,
  toDisplayHex,
  fromDisplayHex,
  headerHash,
  withNonce,
  CompactNegativeError,
  CompactOverflowError,
  HeaderError,
  StratumClient,
  StratumAuthError,
  StratumProtocolError,
  parseStratumUrl,
  buildHeader as buildStratumHeader,
} from './pow/index.js';
export type { BlockHeader, MineBackend, MineOptions, MineProgress, MineResult, ScanResult, StratumJob, StratumOptions, StratumStats, StratumTransport } from './pow/index.js';
export { WorkerPool, WorkerJobError, defaultThreads } from './engine/workers.js';
export { sha256, sha256d, createSha256, sha256Batch, sha256Many, merkleRoot, HasherFinishedError } from './hash/index.js';
// The same calls on an explicit engine (from loadEngine), e.g. to compare the SIMD and scalar builds.
export { sha256With, sha256dWith, createSha256With, sha256BatchWith, sha256ManyWith, merkleRootWith } from './hash/index.js';
export type { Sha256Hasher } from './hash/index.js';
export { ed25519 } from './sig/index.js';
export type { SignedItem } from './sig/index.js';
// Chain core (issue 5): the whole API under `chain`, the main entry points by name.
export * as chain from './chain/index.js';
export * as contracts from './contracts/index.js';
// BFT consensus (issue 15): the Tendermint core and the chain engine under `bft`.
export * as bft from './bft/index.js';
export {
  Chain, Mempool, ProofOfWork, ChainError, DecodeError, ValidationError, MempoolError,
  devnetParams, regtestParams, defineParams, createTransfer, createBlockTemplate, completeBlock,
  encodeTx, decodeTx, txid, encodeBlock, decodeBlock, blockHash, memoryStore, LevelStore,
  parseAmount, formatAmount, formatAmountShort, AmountError,
} from './chain/index.js';
export type { Transaction, Block, ChainParams, Consensus, ChainStore, BlockTemplate, AddBlockResult } from './chain/index.js';
// WebGPU scanner (issue 19): mine() uses it through its `backend` option.
export { GpuScanner, GpuResultError, GpuUnavailableError, defaultAdapter } from './gpu/index.js';
export type { GpuAdapterInfo, GpuScanOptions, GpuScannerOptions, GpuWindow, GpuWindowResult } from './gpu/index.js';
