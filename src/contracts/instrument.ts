// Deploy-time validation and instrumentation (binaryen). A contract is refused unless it
// is plain integer WebAssembly (MVP + sign-ext + bulk memory + mutable globals, no floats,
// no SIMD, no threads, no reference/GC/exception/tail-call instructions) importing only
// from our host module; it is then rewritten so that gas and stack height are counted by
// the module itself, the same way in every engine:
//
// - gas: a mutable i64 global `__hl_gas` (exported) is decremented at the start of every
//   region — a function body, one loop iteration, one if arm — by the cost of the
//   instructions of that region (GAS_TABLE), before any of them runs. Nested blocks belong
//   to their region (a branch out early forfeits the prepaid rest: conservative, still
//   deterministic). memory.grow / memory.copy / memory.fill / memory.init are charged by
//   their size at run time. Going below zero executes `unreachable`; the host tells it
//   from other traps by the global being negative.
// - stack: a mutable i32 global `__hl_depth` (exported) is raised by the callee's frame
//   weight around every call and checked against STACK_LIMIT; over it, `unreachable`
//   (the host sees depth > limit). The weight counts locals, so even the largest frames
//   stay far below any engine's native stack: V8's own stack overflow never decides.
// - memory: memory.grow beyond MAX_PAGES yields -1 without growing.
//
// The rewritten bytes are what the chain stores: binaryen's version is pinned in
// package.json because these bytes are consensus.
import type Binaryen from 'binaryen';

// binaryen is loaded on demand (loadInstrumenter): only deploying needs it, and a browser
// bundle must not carry its 13 MB. The specifier is a variable so that bundlers leave it.
let binaryen: typeof Binaryen;
let B: Record<string, any>;
let X: Record<string, number>;
let ALLOWED_FEATURES = 0;

/** Loads binaryen (Node, Deno, Bun); false where it cannot be loaded (a browser bundle). */
export async function loadInstrumenter(): Promise<boolean> {
  if (binaryen) return true;
  try {
    const name = 'binaryen';
    binaryen = ((await import(/* @vite-ignore */ name)) as { default: typeof Binaryen }).default;
  } catch {
    return false;
  }
  B = binaryen as unknown as Record<string, any>;
  X = B.ExpressionIds as Record<string, number>;
  // Everything else (threads, SIMD, references, GC, exceptions, tail calls, multi-value,
  // memory64) is refused.
  const F = binaryen.Features;
  ALLOWED_FEATURES = F.MutableGlobals | F.SignExt | F.BulkMemory | F.BulkMemoryOpt | F.CallIndirectOverlong;
  return true;
}

export function instrumenterLoaded(): boolean {
  return binaryen !== undefined;
}

export const INSTRUMENT_VERSION = 1;

export const LIMITS = {
  maxCodeBytes: 512 * 1024,
  maxFunctions: 10_000,
  maxGlobals: 256,
  maxTableSize: 4096,
  /** 64 KiB pages: 2 MiB. */
  maxPages: 32,
  maxLocals: 1024,
};

/** Stack units (frame weight = 8 + params + locals, about 8 bytes each) for all nested calls. */
export const STACK_LIMIT = 16_384;
/** Units a cross-contract call adds (the host frames between the two instances). */
export const CONTRACT_CALL_WEIGHT = 256;

/** Gas per instruction (charged before the region runs). */
export const GAS_TABLE = {
  default: 1,
  load: 2,
  store: 2,
  divRem: 4,
  call: 5,
  callIndirect: 10,
  memoryGrowBase: 100,
  memoryGrowPerPage: 1000,
  bulkBase: 5,
  /** Per started 32 bytes of memory.copy / fill / init. */
  bulkPer32Bytes: 1,
};

export class ContractValidationError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(`${reason}: ${message}`);
    this.name = 'ContractValidationError';
  }
}

const refuse = (reason: string, message: string): never => {
  throw new ContractValidationError(reason, message);
};

export const HOST_MODULE = 'hashlane';
export const GAS_GLOBAL = '__hl_gas';
export const DEPTH_GLOBAL = '__hl_depth';
/** Every mutable global of the contract is exported as GLOBAL_PREFIX + index, so the VM can reset a reused instance. */
export const GLOBAL_PREFIX = '__hl_g';

/** The host ABI v1 (vm.ts). */
export const HOST_FUNCTIONS = new Set([
  'input_len', 'input_read', 'return_data', 'revert', 'storage_get', 'storage_set', 'storage_remove', 'emit', 'caller', 'self', 'value', 'balance',
  'block_height', 'block_time', 'transfer', 'call', 'result_len', 'result_read', 'sha256', 'sha256d', 'ed25519_verify', 'ed25519_verify_batch',
]);

export interface InstrumentResult {
  wasm: Uint8Array;
  functions: number;
  regions: number;
}


let divRem: Set<number> | undefined;
function divRemOps(): Set<number> {
  if (!divRem) {
    divRem = new Set(['DivSInt32', 'DivUInt32', 'RemSInt32', 'RemUInt32', 'DivSInt64', 'DivUInt64', 'RemSInt64', 'RemUInt64'].map((n) => B[n] as number));
  }
  return divRem;
}

function typeOk(t: number): boolean {
  if (t === binaryen.none || t === binaryen.i32 || t === binaryen.i64 || t === binaryen.unreachable) return true;
  return binaryen.expandType(t).every((x) => x === binaryen.i32 || x === binaryen.i64);
}

function typeName(t: number): string {
  if (t === binaryen.f32) return 'f32';
  if (t === binaryen.f64) return 'f64';
  if (t === binaryen.v128) return 'v128';
  return `type ${t}`;
}

/** Validates `wasm` and returns the instrumented module bytes (ContractValidationError when refused). */
export function instrument(wasm: Uint8Array): InstrumentResult {
  // Not a ContractValidationError: a node without the instrumenter must stop, not diverge.
  if (!binaryen) throw new Error('instrumenter-not-loaded: await loadInstrumenter() before deploying contracts');
  if (!(wasm instanceof Uint8Array)) refuse('contract-not-bytes', 'the code must be a Uint8Array');
  if (wasm.length > LIMITS.maxCodeBytes) refuse('contract-too-large', `code is ${wasm.length} bytes, at most ${LIMITS.maxCodeBytes} allowed`);
  // The engine's own validator first, so binaryen only ever reads a well-formed module.
  if (!WebAssembly.validate(wasm as Uint8Array<ArrayBuffer>)) refuse('contract-invalid-wasm', 'the code is not a valid WebAssembly module');
  const m = binaryen.readBinaryWithFeatures(wasm, binaryen.Features.All);
  m.setFeatures(ALLOWED_FEATURES);
  try {
    return rewrite(m);
  } finally {
    m.dispose();
  }
}

function rewrite(m: Binaryen.Module): InstrumentResult {
  const mod = m as unknown as Record<string, any>;
  const ptr = mod.ptr as number;
  // Module-level checks.
  const nFuncs = m.getNumFunctions();
  if (nFuncs > LIMITS.maxFunctions) refuse('contract-too-many-functions', `${nFuncs} functions, at most ${LIMITS.maxFunctions}`);
  const nGlobals = m.getNumGlobals();
  if (nGlobals > LIMITS.maxGlobals) refuse('contract-too-many-globals', `${nGlobals} globals, at most ${LIMITS.maxGlobals}`);
  for (let i = 0; i < nGlobals; i++) {
    const g = binaryen.getGlobalInfo(m.getGlobalByIndex(i));
    if (g.module) refuse('contract-foreign-import', `global import ${g.module}.${g.base}: only functions of "${HOST_MODULE}" may be imported`);
    if (!typeOk(g.type)) refuse('contract-float', `global ${g.name} has ${typeName(g.type)}: floating point and SIMD are refused (nondeterministic NaN bits)`);
    if (g.name === GAS_GLOBAL || g.name === DEPTH_GLOBAL) refuse('contract-reserved-name', `global ${g.name} is reserved`);
  }
  const nTables = m.getNumTables();
  for (let i = 0; i < nTables; i++) {
    const t = binaryen.getTableInfo(m.getTableByIndex(i));
    if (t.module) refuse('contract-foreign-import', `table import ${t.module}.${t.base}`);
    if (t.initial > LIMITS.maxTableSize || (t.max ?? 0) > LIMITS.maxTableSize) refuse('contract-table-too-large', `table ${t.name} has ${t.initial} entries, at most ${LIMITS.maxTableSize}`);
  }
  if (m.hasMemory()) {
    const mem = m.getMemoryInfo();
    if (mem.module) refuse('contract-foreign-import', `memory import ${mem.module}.${mem.base}: the contract must define its memory`);
    if (mem.shared) refuse('contract-threads', 'shared memory (threads) is refused');
    if (mem.is64) refuse('contract-memory64', 'memory64 is refused');
    if (mem.initial > LIMITS.maxPages) refuse('contract-memory-too-large', `memory starts at ${mem.initial} pages, at most ${LIMITS.maxPages}`);
  }
  if (m.getStart()) refuse('contract-start', 'a start section is refused (it would run before gas is set): export it instead (asc --exportStart _initialize)');
  if ((mod.getNumTags?.() ?? 0) > 0) refuse('contract-exceptions', 'exception tags are refused');
  for (let i = 0; i < m.getNumExports(); i++) {
    const name = binaryen.getExportInfo(m.getExportByIndex(i)).name;
    if (name.startsWith('__hl_')) refuse('contract-reserved-name', `export ${name}: names starting __hl_ are reserved`);
  }
  const resettable: string[] = [];
  for (let i = 0; i < nGlobals; i++) {
    const g = binaryen.getGlobalInfo(m.getGlobalByIndex(i));
    if (g.mutable) resettable.push(g.name);
  }

  // Frame weights before any local is added.
  const weights = new Map<string, number>();
  let maxWeight = 8;
  for (let i = 0; i < nFuncs; i++) {
    const f = binaryen.getFunctionInfo(m.getFunctionByIndex(i));
    const params = binaryen.expandType(f.params);
    for (const t of [...params, ...binaryen.expandType(f.results), ...f.vars]) {
      if (!typeOk(t)) refuse('contract-float', `function ${f.name} uses ${typeName(t)}: floating point and SIMD are refused`);
    }
    if (f.module) {
      if (f.module !== HOST_MODULE) refuse('contract-foreign-import', `function import ${f.module}.${f.base}: only "${HOST_MODULE}" may be imported`);
      if (!HOST_FUNCTIONS.has(f.base ?? '')) refuse('contract-foreign-import', `function import ${HOST_MODULE}.${f.base} is not in host ABI v1`);
      weights.set(f.name, 8);
      continue;
    }
    if (f.vars.length + params.length > LIMITS.maxLocals) refuse('contract-too-many-locals', `function ${f.name} has ${f.vars.length + params.length} locals, at most ${LIMITS.maxLocals}`);
    const w = 8 + params.length + f.vars.length;
    weights.set(f.name, w);
    if (w > maxWeight) maxWeight = w;
  }

  const I64 = (v: number): number => (m.i64.const as unknown as (x: bigint) => number)(BigInt(v));
  m.addGlobal(GAS_GLOBAL, binaryen.i64, true, I64(0));
  m.addGlobal(DEPTH_GLOBAL, binaryen.i32, true, m.i32.const(0));
  m.addGlobalExport(GAS_GLOBAL, GAS_GLOBAL);
  m.addGlobalExport(DEPTH_GLOBAL, DEPTH_GLOBAL);
  resettable.forEach((name, i) => m.addGlobalExport(name, `${GLOBAL_PREFIX}${i}`));

  const gasGet = () => m.global.get(GAS_GLOBAL, binaryen.i64);
  const trapIf = (cond: number) => m.if(cond, m.unreachable());
  const chargeConst = (c: number) =>
    m.block(null, [m.global.set(GAS_GLOBAL, m.i64.sub(gasGet(), I64(c))), trapIf(m.i64.lt_s(gasGet(), I64(0)))]);
  const chargeDyn = (amount: number) =>
    m.block(null, [m.global.set(GAS_GLOBAL, m.i64.sub(gasGet(), amount)), trapIf(m.i64.lt_s(gasGet(), I64(0)))]);
  const depthGet = () => m.global.get(DEPTH_GLOBAL, binaryen.i32);
  const prepend = (charge: number, body: number) => {
    const t = binaryen.getExpressionType(body);
    return m.block(null, [charge, body], t === binaryen.unreachable ? binaryen.auto : t);
  };

  let regions = 0;
  for (let i = 0; i < nFuncs; i++) {
    const fref = m.getFunctionByIndex(i);
    const f = binaryen.getFunctionInfo(fref);
    if (f.module) continue;
    const addVar = (t: number): number => B._BinaryenFunctionAddVar(fref, t) as number;

    // Walks one region; returns the (possibly replaced) expression and adds the shallow
    // cost of the region's own instructions to acc[0].
    const walk = (e: number, acc: number[]): number => {
      const id = B._BinaryenExpressionGetId(e) as number;
      // binaryen.js has no info wrapper for these two (getExpressionInfo throws).
      if (id === X.Nop || id === X.Unreachable) {
        acc[0] += 1;
        return e;
      }
      const info = binaryen.getExpressionInfo(e) as any;
      if (!typeOk(info.type)) refuse('contract-float', `function ${f.name}: an instruction of ${typeName(info.type)}: floating point and SIMD are refused`);
      const kid = (c: number, set: (v: number) => void) => {
        if (!c) return;
        const n = walk(c, acc);
        if (n !== c) set(n);
      };
      const region = (c: number): number => {
        const inner = [0];
        const n = walk(c, inner);
        regions++;
        return prepend(chargeConst(inner[0] + 1), n);
      };
      switch (id) {
        case X.Block:
          acc[0] += 0;
          info.children.forEach((c: number, k: number) => kid(c, (v) => B._BinaryenBlockSetChildAt(e, k, v)));
          return e;
        case X.Loop:
          acc[0] += 1;
          B._BinaryenLoopSetBody(e, region(info.body));
          return e;
        case X.If:
          acc[0] += 1;
          kid(info.condition, (v) => B._BinaryenIfSetCondition(e, v));
          B._BinaryenIfSetIfTrue(e, region(info.ifTrue));
          if (info.ifFalse) B._BinaryenIfSetIfFalse(e, region(info.ifFalse));
          return e;
        case X.Break:
          acc[0] += 1;
          kid(info.value, (v) => B._BinaryenBreakSetValue(e, v));
          kid(info.condition, (v) => B._BinaryenBreakSetCondition(e, v));
          return e;
        case X.Switch:
          acc[0] += 2;
          kid(info.value, (v) => B._BinaryenSwitchSetValue(e, v));
          kid(info.condition, (v) => B._BinaryenSwitchSetCondition(e, v));
          return e;
        case X.Call:
        case X.CallIndirect: {
          if (info.isReturn) refuse('contract-tail-call', `function ${f.name}: tail calls are refused`);
          const direct = id === X.Call;
          acc[0] += direct ? GAS_TABLE.call : GAS_TABLE.callIndirect;
          info.operands.forEach((c: number, k: number) => kid(c, (v) => (direct ? B._BinaryenCallSetOperandAt(e, k, v) : B._BinaryenCallIndirectSetOperandAt(e, k, v))));
          if (!direct) kid(info.target, (v) => B._BinaryenCallIndirectSetTarget(e, v));
          const w = direct ? weights.get(info.target)! : maxWeight;
          const up = m.global.set(DEPTH_GLOBAL, m.i32.add(depthGet(), m.i32.const(w)));
          const check = trapIf(m.i32.gt_u(depthGet(), m.i32.const(STACK_LIMIT)));
          const down = m.global.set(DEPTH_GLOBAL, m.i32.sub(depthGet(), m.i32.const(w)));
          const t = info.type as number;
          if (t === binaryen.none) return m.block(null, [up, check, e, down]);
          if (t === binaryen.unreachable) return m.block(null, [up, check, e], binaryen.auto);
          const tmp = addVar(t);
          return m.block(null, [up, check, m.local.set(tmp, e), down, m.local.get(tmp, t)], t);
        }
        case X.LocalGet:
        case X.GlobalGet:
        case X.Const:
        case X.Nop:
        case X.Unreachable:
        case X.MemorySize:
        case X.DataDrop:
          acc[0] += 1;
          return e;
        case X.LocalSet:
          acc[0] += 1;
          kid(info.value, (v) => B._BinaryenLocalSetSetValue(e, v));
          return e;
        case X.GlobalSet:
          acc[0] += 1;
          kid(info.value, (v) => B._BinaryenGlobalSetSetValue(e, v));
          return e;
        case X.Load:
          if (info.isAtomic) refuse('contract-threads', `function ${f.name}: atomic loads are refused`);
          acc[0] += GAS_TABLE.load;
          kid(info.ptr, (v) => B._BinaryenLoadSetPtr(e, v));
          return e;
        case X.Store:
          if (info.isAtomic) refuse('contract-threads', `function ${f.name}: atomic stores are refused`);
          if (!typeOk(info.valueType)) refuse('contract-float', `function ${f.name}: a store of ${typeName(info.valueType)}`);
          acc[0] += GAS_TABLE.store;
          kid(info.ptr, (v) => B._BinaryenStoreSetPtr(e, v));
          kid(info.value, (v) => B._BinaryenStoreSetValue(e, v));
          return e;
        case X.Unary:
          acc[0] += GAS_TABLE.default;
          kid(info.value, (v) => B._BinaryenUnarySetValue(e, v));
          return e;
        case X.Binary:
          acc[0] += divRemOps().has(info.op) ? GAS_TABLE.divRem : GAS_TABLE.default;
          kid(info.left, (v) => B._BinaryenBinarySetLeft(e, v));
          kid(info.right, (v) => B._BinaryenBinarySetRight(e, v));
          return e;
        case X.Select:
          acc[0] += 1;
          kid(info.ifTrue, (v) => B._BinaryenSelectSetIfTrue(e, v));
          kid(info.ifFalse, (v) => B._BinaryenSelectSetIfFalse(e, v));
          kid(info.condition, (v) => B._BinaryenSelectSetCondition(e, v));
          return e;
        case X.Drop:
          acc[0] += 1;
          kid(info.value, (v) => B._BinaryenDropSetValue(e, v));
          return e;
        case X.Return:
          acc[0] += 1;
          kid(info.value, (v) => B._BinaryenReturnSetValue(e, v));
          return e;
        case X.MemoryGrow: {
          acc[0] += 1;
          const delta = walk(info.delta, acc);
          const t = addVar(binaryen.i32);
          const pages = () => m.i64.extend_u(m.local.get(t, binaryen.i32));
          const over = m.i64.gt_u(m.i64.add(m.i64.extend_u(m.memory.size()), pages()), I64(LIMITS.maxPages));
          return m.block(
            null,
            [
              m.local.set(t, delta),
              chargeConst(GAS_TABLE.memoryGrowBase),
              m.if(over, m.i32.const(-1), m.block(null, [chargeDyn(m.i64.mul(pages(), I64(GAS_TABLE.memoryGrowPerPage))), m.memory.grow(m.local.get(t, binaryen.i32))], binaryen.i32)),
            ],
            binaryen.i32,
          );
        }
        case X.MemoryCopy:
        case X.MemoryFill:
        case X.MemoryInit: {
          acc[0] += GAS_TABLE.bulkBase;
          const a = walk(info.dest, acc);
          const b = walk(id === X.MemoryCopy ? info.source : id === X.MemoryFill ? info.value : info.offset, acc);
          const n = walk(info.size, acc);
          const [ta, tb, tn] = [addVar(binaryen.i32), addVar(binaryen.i32), addVar(binaryen.i32)];
          const get = (x: number) => m.local.get(x, binaryen.i32);
          const size = m.i64.shr_u(m.i64.add(m.i64.extend_u(get(tn)), I64(31)), I64(5));
          const op =
            id === X.MemoryCopy ? m.memory.copy(get(ta), get(tb), get(tn)) : id === X.MemoryFill ? m.memory.fill(get(ta), get(tb), get(tn)) : m.memory.init(info.segment, get(ta), get(tb), get(tn));
          return m.block(null, [m.local.set(ta, a), m.local.set(tb, b), m.local.set(tn, n), chargeDyn(m.i64.mul(size, I64(GAS_TABLE.bulkPer32Bytes))), op]);
        }
        default:
          for (const [name, v] of Object.entries(X)) {
            if (v !== id) continue;
            if (name.startsWith('SIMD')) refuse('contract-simd', `function ${f.name}: SIMD is refused (float lanes, relaxed SIMD)`);
            if (name.startsWith('Atomic')) refuse('contract-threads', `function ${f.name}: atomics are refused`);
          }
          return refuse('contract-instruction', `function ${f.name}: instruction kind ${id} is outside the allowed integer subset (no SIMD, atomics, references, exceptions, GC)`);
      }
    };
    const acc = [0];
    const body = walk(f.body, acc);
    regions++;
    B._BinaryenFunctionSetBody(fref, prepend(chargeConst(acc[0] + 1), body));
  }
  if (!m.validate()) refuse('contract-feature', 'the module uses a WebAssembly feature outside the allowed set (MVP integers, sign-ext, bulk memory, mutable globals)');
  return { wasm: m.emitBinary(), functions: nFuncs, regions };
}
