// hashlane: the package root. Await ready() once, then call anything below.
export { ready, loadEngine, simdSupported, EngineLoadError, EngineNotReadyError } from './engine/index.js';
export type { Backend, Engine, LoadOptions, WasmSource } from './engine/index.js';
// Chain core (issue 5): the whole API under `chain`, the main entry points by name.
export * as chain from './chain/index.js';
export {
  Chain, Mempool, ProofOfWork, ChainError, DecodeError, ValidationError, MempoolError,
  devnetParams, regtestParams, defineParams, createTransfer, createBlockTemplate, completeBlock,
  encodeTx, decodeTx, txid, encodeBlock, decodeBlock, blockHash, memoryStore, LevelStore,
} from './chain/index.js';
export type { Transaction, Block, ChainParams, Consensus, ChainStore, BlockTemplate, AddBlockResult } from './chain/index.js';
