// hashlane: the package root. Await ready() once, then call anything below.
export { ready, loadEngine, simdSupported, EngineLoadError, EngineNotReadyError } from './engine/index.js';
export type { Backend, Engine, LoadOptions, WasmSource } from './engine/index.js';
export { ed25519 } from './sig/index.js';
export type { SignedItem } from './sig/index.js';
