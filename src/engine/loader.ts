import { Arena } from './arena.js';
import { EngineLoadError, EngineNotReadyError } from './errors.js';

export type Backend = 'simd' | 'scalar';

/** Where the WASM comes from: raw bytes, a compiled module, or a URL to fetch/read. */
export type WasmSource = BufferSource | WebAssembly.Module | URL | string;

export interface LoadOptions {
  /** Force a backend; by default SIMD when `WebAssembly.validate` accepts v128. */
  backend?: Backend;
  /** Bytes, module or URL of the build to use (must match `backend` when both are given). */
  wasm?: WasmSource;
}

/** A loaded instance of one build: its exports, memory and arena. */
export interface Engine {
  readonly backend: Backend;
  /** The compiled module, so workers can instantiate it without fetching again. */
  readonly module: WebAssembly.Module;
  readonly exports: Record<string, unknown>;
  readonly memory: WebAssembly.Memory;
  readonly arena: Arena;
}

// (module (func (result v128) (v128.const i32x4 0 0 0 0)))
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 11,
]);

/** True when this runtime validates WASM SIMD (v128). */
export function simdSupported(): boolean {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/** The URL of a build, next to the package: `<package>/build/hashlane.<backend>.wasm`. */
export function wasmUrl(backend: Backend): URL {
  return new URL(`../../build/hashlane.${backend}.wasm`, import.meta.url);
}

async function readUrl(url: URL): Promise<ArrayBuffer | Uint8Array> {
  const g = globalThis as { Deno?: { readFile(u: URL): Promise<Uint8Array> }; process?: { versions?: { node?: string } } };
  if (url.protocol === 'file:') {
    if (g.Deno) return g.Deno.readFile(url);
    if (g.process?.versions?.node) {
      // A variable specifier keeps browser bundlers from following a Node-only import.
      const fsName = 'node:fs/promises';
      const fs = (await import(/* @vite-ignore */ fsName)) as { readFile(u: URL): Promise<Uint8Array> };
      return fs.readFile(url);
    }
  }
  const res = await fetch(url);
  if (!res.ok) throw new EngineLoadError(`could not fetch ${url.href}: HTTP ${res.status}`);
  return res.arrayBuffer();
}

async function compile(source: WasmSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (typeof source === 'string' || source instanceof URL) {
    const url = typeof source === 'string' ? new URL(source, import.meta.url) : source;
    return WebAssembly.compile(toBufferSource(await readUrl(url)));
  }
  return WebAssembly.compile(source);
}

function toBufferSource(bytes: ArrayBuffer | Uint8Array): BufferSource {
  return bytes instanceof Uint8Array ? new Uint8Array(bytes) : bytes;
}

/** Instantiates an already compiled build synchronously (workers use this). */
export function instantiate(module: WebAssembly.Module, backend: Backend): Engine {
  const instance = new WebAssembly.Instance(module, {});
  const exports = instance.exports as Record<string, unknown>;
  const memory = exports.memory as WebAssembly.Memory;
  const heapBase = (exports.heapBase as () => number)();
  return { backend, module, exports, memory, arena: new Arena(memory, heapBase) };
}

/** Loads a fresh, independent engine (for cross-checks between backends, or workers). */
export async function loadEngine(options: LoadOptions = {}): Promise<Engine> {
  const backend: Backend = options.backend ?? (simdSupported() ? 'simd' : 'scalar');
  if (backend === 'simd' && !simdSupported()) {
    throw new EngineLoadError('the SIMD build was requested but this runtime does not support WASM SIMD');
  }
  try {
    const module = await compile(options.wasm ?? wasmUrl(backend));
    return instantiate(module, backend);
  } catch (err) {
    if (err instanceof EngineLoadError) throw err;
    throw new EngineLoadError(`could not load the ${backend} WASM build: ${(err as Error).message}`, { cause: err });
  }
}

let current: Engine | null = null;
let loading: Promise<EngineInfo> | null = null;

/** Which build the default engine is: `backend` loaded; `simd` whether this runtime validates v128 code. */
export interface EngineInfo {
  backend: Backend;
  simd: boolean;
}

/** The loaded default engine's build; throws EngineNotReadyError before `ready()` resolved. */
export function engineInfo(): EngineInfo {
  return { backend: engine().backend, simd: simdSupported() };
}

/**
 * Loads the engine once and resolves to its `engineInfo()`; every other call of the library
 * throws until this resolves. Later calls return the same promise (their options are ignored
 * once loading began).
 */
export function ready(options: LoadOptions = {}): Promise<EngineInfo> {
  if (!loading) {
    loading = loadEngine(options).then(
      (engine) => {
        current = engine;
        return engineInfo();
      },
      (err) => {
        loading = null;
        throw err;
      },
    );
  }
  return loading;
}

/** The default engine; throws EngineNotReadyError before `ready()` resolved. */
export function engine(): Engine {
  if (!current) throw new EngineNotReadyError();
  return current;
}

/** Installs an engine as the default (workers that instantiate a module they were sent). */
export function useEngine(e: Engine): void {
  current = e;
  loading = Promise.resolve(engineInfo());
}
