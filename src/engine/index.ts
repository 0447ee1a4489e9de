export { Arena } from './arena.js';
export { EngineLoadError, EngineNotReadyError, assertBytes, assertBytesLength } from './errors.js';
export { engine, engineInfo, instantiate, loadEngine, ready, simdSupported, useEngine, wasmUrl } from './loader.js';
export type { Backend, Engine, EngineInfo, LoadOptions, WasmSource } from './loader.js';
