// The contract VM: runs instrumented modules (instrument.ts) against a ContractHost, the
// interface the chain module implements (storage, balances, journaled frames). No chain
// imports: the VM sees bytes and this interface only (CosmWasm's VM/chain split).
//
// Every call gets a fresh instance (no state survives a call but storage). Each call is
// one journaled frame of the host: a trap, a revert or running out of gas undoes the
// frame's storage writes, transfers and events, and the gas it burned stays burned.
//
// Host ABI "hashlane" v1 (pointers and lengths are i32 into the contract's memory; gas per
// call in HOST_GAS, plus per byte where noted):
//   input_len() -> i32                 input_read(ptr)
//   return_data(ptr, len)              revert(ptr, len)            (ends the call)
//   storage_get(kp, kl, vp, vcap) -> i32 (value length, -1 when absent; copies min(len, vcap))
//   storage_set(kp, kl, vp, vl)        storage_remove(kp, kl)
//   emit(tp, tl, dp, dl)               (event: topic, data)
//   caller(ptr32)  self(ptr32)  value() -> i64   balance(ptr32) -> i64
//   block_height() -> i64   block_time() -> i64
//   transfer(ptr32, amount i64)        (from this contract; fails the call when short)
//   call(ptr32, mp, ml, ap, al, value i64, gas i64) -> i32 (0 ok, 1 failed)
//   result_len() -> i32   result_read(ptr)  (return data or revert reason of the last call)
//   sha256(p, l, out32)  sha256d(p, l, out32)
//   ed25519_verify(pk32, sig64, mp, ml) -> i32
//   ed25519_verify_batch(p, l, n) -> i32  (n records: pk 32 | sig 64 | msgLen u32 LE | msg)
// (HOST_FUNCTIONS in instrument.ts: a deploy importing anything else is refused.)
//
// Reentrancy is allowed (a contract may be called again while it is on the call stack, as
// in the EVM); call depth is at most MAX_CALL_DEPTH and the stack-height counter carries
// across contracts, so recursion through other contracts ends deterministically.
import { sha256, sha256d } from '../hash/index.js';
import { ed25519 } from '../sig/index.js';
import { CONTRACT_CALL_WEIGHT, DEPTH_GLOBAL, GAS_GLOBAL, GLOBAL_PREFIX, HOST_MODULE, STACK_LIMIT } from './instrument.js';

export const ABI_VERSION = 1;
export const MAX_CALL_DEPTH = 16;
export const MAX_RETURN_BYTES = 16 * 1024;
export const MAX_KEY_BYTES = 256;
export const MAX_VALUE_BYTES = 16 * 1024;
export const MAX_EVENTS = 256;
const U64 = (1n << 64n) - 1n;

export const HOST_GAS = {
  instantiate: 2000,
  perCodeKiB: 50,
  base: 20,
  perByte: 1,
  storageGet: 200,
  storageSet: 2000,
  storageSetPerByte: 20,
  emit: 200,
  emitPerByte: 8,
  transfer: 1000,
  call: 1000,
  sha256: 60,
  sha256Per64: 12,
  verify: 3000,
  verifyBatchPerItem: 1500,
};

export interface ContractEvent {
  contract: Uint8Array;
  topic: Uint8Array;
  data: Uint8Array;
}

/** What the chain provides. Addresses are 32 bytes. */
export interface ContractHost {
  readonly height: number;
  readonly time: number;
  /** The instrumented module of a contract (cached by the host per code hash), or undefined. */
  module(address: Uint8Array): WebAssembly.Module | undefined;
  storageGet(contract: Uint8Array, key: Uint8Array): Uint8Array | undefined;
  storageSet(contract: Uint8Array, key: Uint8Array, value: Uint8Array | undefined): void;
  balance(address: Uint8Array): bigint;
  /** Moves native coin; throws when `from` is short. */
  transfer(from: Uint8Array, to: Uint8Array, amount: bigint): void;
  /** Runs fn in a journaled frame: reverted if it throws. */
  frame<T>(fn: () => T): T;
}

export type CallStatus = 'ok' | 'revert' | 'trap' | 'out-of-gas' | 'stack-overflow' | 'no-contract' | 'no-method' | 'call-depth' | 'insufficient-value';

export interface CallResult {
  status: CallStatus;
  gasUsed: bigint;
  /** Return data (ok) or revert reason / trap message (otherwise). */
  data: Uint8Array;
  events: ContractEvent[];
}

export interface CallRequest {
  caller: Uint8Array;
  contract: Uint8Array;
  method: string;
  input: Uint8Array;
  value: bigint;
  gasLimit: bigint;
}

class Halt extends Error {
  constructor(
    readonly status: CallStatus,
    readonly data: Uint8Array,
  ) {
    super(status);
  }
}

const enc = new TextEncoder();
const METHOD_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Runs `req` (and every nested call) on `host`. Never throws for anything the contract does. */
export function callContract(host: ContractHost, req: CallRequest): CallResult {
  const events: ContractEvent[] = [];
  const r = runFrame(host, req, events, 1, 0);
  return { ...r, events: r.status === 'ok' ? events : [] };
}

function runFrame(host: ContractHost, req: CallRequest, events: ContractEvent[], callDepth: number, stackUnits: number): Omit<CallResult, 'events'> {
  const mark = events.length;
  let gasLeft = req.gasLimit;
  let instance: WebAssembly.Instance | undefined;
  let pooled: Pooled | undefined;
  const gasOf = () => (instance ? (instance.exports[GAS_GLOBAL] as WebAssembly.Global) : undefined);
  const used = () => {
    const g = gasOf();
    const left = g ? (g.value as bigint) : gasLeft;
    return left < 0n ? req.gasLimit : req.gasLimit - left;
  };
  try {
    return host.frame(() => {
      if (callDepth > MAX_CALL_DEPTH) throw new Halt('call-depth', enc.encode(`call depth over ${MAX_CALL_DEPTH}`));
      const module = host.module(req.contract);
      if (!module) throw new Halt('no-contract', enc.encode('no contract at this address'));
      if (!METHOD_RE.test(req.method) || req.method.startsWith('__')) throw new Halt('no-method', enc.encode(`method ${JSON.stringify(req.method)} is not callable`));
      const upfront = BigInt(HOST_GAS.instantiate);
      if (gasLeft < upfront) {
        gasLeft = -1n;
        throw new Halt('out-of-gas', enc.encode('out of gas'));
      }
      gasLeft -= upfront;
      if (req.value > 0n) {
        try {
          host.transfer(req.caller, req.contract, req.value);
        } catch {
          throw new Halt('insufficient-value', enc.encode(`the caller cannot attach ${req.value}`));
        }
      }
      let memory: WebAssembly.Memory | undefined;
      let returned: Uint8Array = new Uint8Array(0);
      let lastResult: Uint8Array = new Uint8Array(0);
      const charge = (n: number) => {
        const g = gasOf()!;
        const left = (g.value as bigint) - BigInt(n);
        g.value = left;
        if (left < 0n) throw new Halt('out-of-gas', enc.encode('out of gas'));
      };
      const mem = (ptr: number, len: number): Uint8Array => {
        const buf = memory!.buffer;
        if (ptr < 0 || len < 0 || ptr + len > buf.byteLength) throw new Halt('trap', enc.encode(`host call reads outside memory (${ptr}+${len})`));
        return new Uint8Array(buf, ptr, len);
      };
      const read = (ptr: number, len: number, max: number, what: string) => {
        if (len >>> 0 > max) throw new Halt('trap', enc.encode(`${what} is ${len >>> 0} bytes, at most ${max}`));
        return mem(ptr >>> 0, len >>> 0).slice();
      };
      const write = (ptr: number, bytes: Uint8Array) => mem(ptr >>> 0, bytes.length).set(bytes);
      const self = req.contract;
      const env: Record<string, (...a: any[]) => unknown> = {
        input_len: () => (charge(HOST_GAS.base), req.input.length),
        input_read: (p: number) => (charge(HOST_GAS.base + req.input.length * HOST_GAS.perByte), write(p, req.input)),
        return_data: (p: number, l: number) => {
          charge(HOST_GAS.base + (l >>> 0) * HOST_GAS.perByte);
          returned = read(p, l, MAX_RETURN_BYTES, 'return data');
        },
        revert: (p: number, l: number) => {
          charge(HOST_GAS.base);
          throw new Halt('revert', read(p, l, MAX_RETURN_BYTES, 'revert reason'));
        },
        storage_get: (kp: number, kl: number, vp: number, vcap: number) => {
          charge(HOST_GAS.storageGet + (kl >>> 0) * HOST_GAS.perByte);
          const v = host.storageGet(self, read(kp, kl, MAX_KEY_BYTES, 'storage key'));
          if (!v) return -1;
          charge(v.length * HOST_GAS.perByte);
          write(vp, v.subarray(0, Math.min(v.length, vcap >>> 0)));
          return v.length;
        },
        storage_set: (kp: number, kl: number, vp: number, vl: number) => {
          charge(HOST_GAS.storageSet + ((kl >>> 0) + (vl >>> 0)) * HOST_GAS.storageSetPerByte);
          host.storageSet(self, read(kp, kl, MAX_KEY_BYTES, 'storage key'), read(vp, vl, MAX_VALUE_BYTES, 'storage value'));
        },
        storage_remove: (kp: number, kl: number) => {
          charge(HOST_GAS.storageSet);
          host.storageSet(self, read(kp, kl, MAX_KEY_BYTES, 'storage key'), undefined);
        },
        emit: (tp: number, tl: number, dp: number, dl: number) => {
          charge(HOST_GAS.emit + ((tl >>> 0) + (dl >>> 0)) * HOST_GAS.emitPerByte);
          if (events.length >= MAX_EVENTS) throw new Halt('trap', enc.encode(`more than ${MAX_EVENTS} events`));
          events.push({ contract: self, topic: read(tp, tl, MAX_KEY_BYTES, 'event topic'), data: read(dp, dl, MAX_VALUE_BYTES, 'event data') });
        },
        caller: (p: number) => (charge(HOST_GAS.base), write(p, req.caller)),
        self: (p: number) => (charge(HOST_GAS.base), write(p, self)),
        value: () => (charge(HOST_GAS.base), BigInt.asIntN(64, req.value)),
        balance: (p: number) => (charge(HOST_GAS.storageGet), BigInt.asIntN(64, host.balance(read(p, 32, 32, 'address')))),
        block_height: () => (charge(HOST_GAS.base), BigInt(host.height)),
        block_time: () => (charge(HOST_GAS.base), BigInt(host.time)),
        transfer: (p: number, amount: bigint) => {
          charge(HOST_GAS.transfer);
          const a = BigInt.asUintN(64, amount);
          try {
            host.transfer(self, read(p, 32, 32, 'address'), a);
          } catch {
            throw new Halt('revert', enc.encode(`transfer of ${a} exceeds the contract's balance`));
          }
        },
        call: (ap: number, mp: number, ml: number, ip: number, il: number, value: bigint, gas: bigint) => {
          charge(HOST_GAS.call);
          const to = read(ap, 32, 32, 'address');
          const method = new TextDecoder().decode(read(mp, ml, 64, 'method'));
          const input = read(ip, il, MAX_VALUE_BYTES, 'call input');
          const g = gasOf()!;
          const left = g.value as bigint;
          const wanted = BigInt.asUintN(64, gas);
          const give = wanted === 0n || wanted > left ? left : wanted;
          const depth = (instance!.exports[DEPTH_GLOBAL] as WebAssembly.Global).value as number;
          const sub = runFrame(host, { caller: self, contract: to, method, input, value: BigInt.asUintN(64, value), gasLimit: give }, events, callDepth + 1, depth + CONTRACT_CALL_WEIGHT);
          g.value = (g.value as bigint) - sub.gasUsed;
          lastResult = sub.data;
          if ((g.value as bigint) < 0n) throw new Halt('out-of-gas', enc.encode('out of gas'));
          return sub.status === 'ok' ? 0 : 1;
        },
        result_len: () => (charge(HOST_GAS.base), lastResult.length),
        result_read: (p: number) => (charge(HOST_GAS.base + lastResult.length * HOST_GAS.perByte), write(p, lastResult)),
        sha256: (p: number, l: number, o: number) => {
          charge(HOST_GAS.sha256 + Math.ceil((l >>> 0) / 64) * HOST_GAS.sha256Per64);
          write(o, sha256(read(p, l, 1 << 20, 'sha256 input')));
        },
        sha256d: (p: number, l: number, o: number) => {
          charge(2 * HOST_GAS.sha256 + Math.ceil((l >>> 0) / 64) * HOST_GAS.sha256Per64);
          write(o, sha256d(read(p, l, 1 << 20, 'sha256d input')));
        },
        ed25519_verify: (pk: number, sig: number, mp: number, ml: number) => {
          charge(HOST_GAS.verify + (ml >>> 0) * HOST_GAS.perByte);
          return ed25519.verify(read(sig, 64, 64, 'signature'), read(mp, ml, MAX_VALUE_BYTES, 'message'), read(pk, 32, 32, 'public key')) ? 1 : 0;
        },
        ed25519_verify_batch: (p: number, l: number, n: number) => {
          const count = n >>> 0;
          charge(HOST_GAS.verify + count * HOST_GAS.verifyBatchPerItem + (l >>> 0) * HOST_GAS.perByte);
          const buf = read(p, l, 1 << 20, 'batch');
          const items = [];
          let o = 0;
          for (let k = 0; k < count; k++) {
            if (o + 100 > buf.length) throw new Halt('trap', enc.encode(`batch record ${k} runs past the buffer`));
            const ml = new DataView(buf.buffer, o + 96, 4).getUint32(0, true);
            if (o + 100 + ml > buf.length) throw new Halt('trap', enc.encode(`batch record ${k} runs past the buffer`));
            items.push({ publicKey: buf.slice(o, o + 32), signature: buf.slice(o + 32, o + 96), message: buf.slice(o + 100, o + 100 + ml) });
            o += 100 + ml;
          }
          return items.length === 0 || ed25519.verifyBatch(items) ? 1 : 0;
        },
      };
      pooled = acquire(module);
      pooled.env = env;
      instance = pooled.instance;
      const exp = instance.exports;
      memory = pooled.memory;
      (exp[GAS_GLOBAL] as WebAssembly.Global).value = gasLeft;
      (exp[DEPTH_GLOBAL] as WebAssembly.Global).value = stackUnits;
      const fn = exp[req.method];
      if (typeof fn !== 'function') throw new Halt('no-method', enc.encode(`the contract has no method ${req.method}`));
      try {
        const start = exp._initialize;
        if (typeof start === 'function' && req.method !== '_initialize') (start as () => unknown)();
        (fn as () => unknown)();
      } catch (e) {
        if (e instanceof Halt) throw e;
        const g = gasOf()!.value as bigint;
        if (g < 0n) throw new Halt('out-of-gas', enc.encode('out of gas'));
        const d = (exp[DEPTH_GLOBAL] as WebAssembly.Global).value as number;
        if (d > STACK_LIMIT) throw new Halt('stack-overflow', enc.encode(`stack height over ${STACK_LIMIT}`));
        if (e instanceof RangeError) {
          // The engine's own stack gave out before ours: the limits are meant to make this
          // impossible; treated as a trap so the node stays up.
          throw new Halt('trap', enc.encode('engine stack exhausted'));
        }
        throw new Halt('trap', enc.encode(e instanceof Error ? e.message : String(e)));
      }
      return { status: 'ok' as CallStatus, gasUsed: used(), data: returned };
    });
  } catch (e) {
    events.length = mark;
    if (e instanceof Halt) return { status: e.status, gasUsed: used(), data: e.data };
    throw e;
  } finally {
    if (pooled) release(pooled);
  }
}

// Instances are reused (instantiating costs far more than a call): one instance serves
// one call at a time and is put back in exactly the state instantiation left it in — the
// memory image and every mutable global (instrument.ts exports them all as __hl_g<i>);
// tables cannot change (table.set/grow are refused). An instance whose memory grew is
// dropped. So a reused instance cannot be told from a fresh one.
interface Pooled {
  mod: WebAssembly.Module;
  instance: WebAssembly.Instance;
  memory: WebAssembly.Memory;
  env: Record<string, (...a: any[]) => unknown>;
  image: Uint8Array;
  globals: [WebAssembly.Global, unknown][];
  busy: boolean;
}
const POOL_PER_MODULE = 8;
const pools = new WeakMap<WebAssembly.Module, Pooled[]>();

function acquire(mod: WebAssembly.Module): Pooled {
  let list = pools.get(mod);
  if (!list) pools.set(mod, (list = []));
  for (const p of list) {
    if (!p.busy) {
      p.busy = true;
      return p;
    }
  }
  const p = { busy: true, env: {}, mod } as Pooled;
  const imports: Record<string, (...a: any[]) => unknown> = {};
  for (const imp of WebAssembly.Module.imports(mod)) {
    const name = imp.name;
    if (imp.kind === 'function') imports[name] = (...a: any[]) => p.env[name](...a);
  }
  p.instance = new WebAssembly.Instance(mod, { [HOST_MODULE]: imports });
  const memory = p.instance.exports.memory;
  if (!(memory instanceof WebAssembly.Memory)) throw new Halt('trap', enc.encode('the contract exports no memory'));
  p.memory = memory;
  p.image = new Uint8Array(memory.buffer).slice();
  p.globals = Object.entries(p.instance.exports)
    .filter(([k, v]) => k.startsWith(GLOBAL_PREFIX) && v instanceof WebAssembly.Global)
    .map(([, g]) => [g as WebAssembly.Global, (g as WebAssembly.Global).value]);
  if (list.length < POOL_PER_MODULE) list.push(p);
  return p;
}

function release(p: Pooled): void {
  const list = pools.get(p.mod) ?? [];
  if (p.memory.buffer.byteLength !== p.image.length) {
    const i = list.indexOf(p);
    if (i >= 0) list.splice(i, 1);
    return;
  }
  new Uint8Array(p.memory.buffer).set(p.image);
  for (const [g, v] of p.globals) g.value = v;
  p.env = {};
  p.busy = false;
}

export function isU64(v: bigint): boolean {
  return v >= 0n && v <= U64;
}
