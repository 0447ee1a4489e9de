// The contract VM: deploy-time refusals, gas and stack metering, memory limits and
// journaled frames, on hand-written modules (WAT, assembled by binaryen at test time).
import binaryen from 'binaryen';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../dist/index.js';
import { instrument, loadInstrumenter, ContractValidationError, LIMITS } from '../dist/contracts/instrument.js';
import { callContract, MAX_CALL_DEPTH, type ContractHost } from '../dist/contracts/vm.js';

beforeAll(async () => {
  await ready();
  expect(await loadInstrumenter()).toBe(true);
});

function wat(text: string): Uint8Array {
  const m = binaryen.parseText(text);
  m.setFeatures(binaryen.Features.All);
  const b = m.emitBinary();
  m.dispose();
  return b;
}

const HOST = `
 (import "hashlane" "storage_set" (func $sset (param i32 i32 i32 i32)))
 (import "hashlane" "storage_get" (func $sget (param i32 i32 i32 i32) (result i32)))
 (import "hashlane" "emit" (func $emit (param i32 i32 i32 i32)))
 (import "hashlane" "revert" (func $revert (param i32 i32)))
 (import "hashlane" "call" (func $call (param i32 i32 i32 i32 i32 i64 i64) (result i32)))
 (import "hashlane" "input_read" (func $input (param i32)))
 (memory (export "memory") 1)`;

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** An in-memory host: storage map, balances, frames as snapshots. */
class MemHost implements ContractHost {
  height = 7;
  time = 1_700_000_000;
  storage = new Map<string, Uint8Array>();
  balances = new Map<string, bigint>();
  modules = new Map<string, WebAssembly.Module>();
  deploy(addr: number, code: Uint8Array): Uint8Array {
    const a = new Uint8Array(32).fill(addr);
    this.modules.set(hex(a), new WebAssembly.Module(instrument(code).wasm));
    return a;
  }
  module(a: Uint8Array) {
    return this.modules.get(hex(a));
  }
  storageGet(c: Uint8Array, k: Uint8Array) {
    return this.storage.get(hex(c) + ':' + hex(k));
  }
  storageSet(c: Uint8Array, k: Uint8Array, v: Uint8Array | undefined) {
    if (v) this.storage.set(hex(c) + ':' + hex(k), v);
    else this.storage.delete(hex(c) + ':' + hex(k));
  }
  balance(a: Uint8Array) {
    return this.balances.get(hex(a)) ?? 0n;
  }
  transfer(f: Uint8Array, t: Uint8Array, n: bigint) {
    if (this.balance(f) < n) throw new Error('short');
    this.balances.set(hex(f), this.balance(f) - n);
    this.balances.set(hex(t), this.balance(t) + n);
  }
  frame<T>(fn: () => T): T {
    const s = new Map(this.storage);
    const b = new Map(this.balances);
    try {
      return fn();
    } catch (e) {
      this.storage = s;
      this.balances = b;
      throw e;
    }
  }
  snapshot(): string {
    return JSON.stringify([...this.storage].map(([k, v]) => [k, hex(v)]).sort());
  }
}

const caller = new Uint8Array(32).fill(0xcc);
const run = (h: MemHost, contract: Uint8Array, method: string, gasLimit = 1_000_000n, input = new Uint8Array(0)) => callContract(h, { caller, contract, method, input, value: 0n, gasLimit });

describe('deploy-time validation', () => {
  const refused = (text: string, reason: string) => {
    let err: unknown;
    try {
      instrument(wat(text));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ContractValidationError);
    expect((err as ContractValidationError).reason).toBe(reason);
  };
  it('refuses floats, threads, SIMD, foreign imports, oversize memory', () => {
    refused('(module (func (export "f") (result i32) (i32.trunc_f64_s (f64.const 1.5))))', 'contract-float');
    refused('(module (func (export "f") (param f32)))', 'contract-float');
    refused('(module (memory 1 1 shared) (func (export "f") (drop (i32.atomic.load (i32.const 0)))))', 'contract-threads');
    refused('(module (func (export "f") (drop (i32x4.extract_lane 0 (v128.const i32x4 1 2 3 4)))))', 'contract-simd');
    refused('(module (import "env" "now" (func $now (result i32))) (func (export "f") (drop (call $now))))', 'contract-foreign-import');
    refused(`(module (memory ${LIMITS.maxPages + 1}))`, 'contract-memory-too-large');
    expect(() => instrument(new Uint8Array([0, 1, 2, 3]))).toThrow(/contract-invalid-wasm/);
  });
});

describe('metering', () => {
  it('an infinite loop stops at the gas limit and changes nothing', () => {
    const h = new MemHost();
    const c = h.deploy(1, wat(`(module ${HOST} (data (i32.const 0) "k")
      (func (export "spin") (call $sset (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 1)) (loop $l (br $l))))`));
    const before = h.snapshot();
    const r = run(h, c, 'spin', 50_000n);
    expect(r.status).toBe('out-of-gas');
    expect(r.gasUsed).toBe(50_000n);
    expect(h.snapshot()).toBe(before);
  });

  it('gas is charged per loop iteration: used gas grows linearly with the count', () => {
    const h = new MemHost();
    const c = h.deploy(1, wat(`(module ${HOST}
      (func $count (param $n i32) (local $i i32) (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $l (i32.lt_u (local.get $i) (local.get $n)))))
      (func (export "c10") (call $count (i32.const 10))) (func (export "c20") (call $count (i32.const 20))) (func (export "c30") (call $count (i32.const 30))))`));
    const [a, b, d] = ['c10', 'c20', 'c30'].map((m) => run(h, c, m).gasUsed);
    expect(b - a).toBeGreaterThan(0n);
    expect(d - b).toBe(b - a);
  });

  it('unbounded recursion stops at the stack limit with the same gas every time', () => {
    const h = new MemHost();
    const c = h.deploy(1, wat(`(module ${HOST} (func $r (param i32) (result i32) (i32.add (call $r (i32.add (local.get 0) (i32.const 1))) (i32.const 1))) (func (export "go") (drop (call $r (i32.const 0)))))`));
    const r1 = run(h, c, 'go', 100_000_000n);
    const r2 = run(h, c, 'go', 100_000_000n);
    expect(r1.status).toBe('stack-overflow');
    expect(r1.gasUsed).toBe(r2.gasUsed);
    expect(r1.gasUsed).toBeLessThan(100_000_000n);
  });

  it('a memory.grow bomb stops at the page limit', () => {
    const h = new MemHost();
    const c = h.deploy(1, wat(`(module ${HOST} (data (i32.const 0) "p")
      (func (export "bomb") (loop $l (br_if $l (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
        (i32.store (i32.const 8) (memory.size)) (call $sset (i32.const 0) (i32.const 1) (i32.const 8) (i32.const 4)))
      (func (export "huge") (i32.store (i32.const 8) (memory.grow (i32.const 65535))) (call $sset (i32.const 0) (i32.const 1) (i32.const 8) (i32.const 4))))`));
    expect(run(h, c, 'bomb', 10_000_000n).status).toBe('ok');
    expect(new DataView(h.storageGet(c, new Uint8Array([0x70]))!.buffer).getInt32(0, true)).toBe(LIMITS.maxPages);
    expect(run(h, c, 'huge').status).toBe('ok');
    expect(new DataView(h.storageGet(c, new Uint8Array([0x70]))!.buffer).getInt32(0, true)).toBe(-1);
  });
});

describe('instance reuse', () => {
  it('a call sees the memory and globals instantiation left, never the previous call\'s', () => {
    const h = new MemHost();
    const c = h.deploy(1, wat(`(module ${HOST} (global $g (mut i32) (i32.const 5)) (data (i32.const 0) "k")
      (func (export "bump") (global.set $g (i32.add (global.get $g) (i32.const 1)))
        (i32.store (i32.const 8) (i32.add (global.get $g) (i32.load (i32.const 16))))
        (i32.store (i32.const 16) (i32.const 100))
        (call $sset (i32.const 0) (i32.const 1) (i32.const 8) (i32.const 4))))`));
    for (let i = 0; i < 3; i++) {
      expect(run(h, c, 'bump').status).toBe('ok');
      expect(new DataView(h.storageGet(c, new Uint8Array([0x6b]))!.buffer).getInt32(0, true)).toBe(6);
    }
  });

  it('refuses host functions outside ABI v1', () => {
    expect(() => instrument(wat('(module (import "hashlane" "exec" (func $x)) (func (export "f") (call $x)))'))).toThrow(/contract-foreign-import: function import hashlane.exec is not in host ABI v1/);
  });
});

describe('call frames', () => {
  // B writes "b", emits, then reverts when its input byte is 1. A writes "a", calls B,
  // and records B's status; A's write survives B's revert.
  const B = `(module ${HOST} (data (i32.const 0) "b") (data (i32.const 16) "no")
    (func (export "run") (call $input (i32.const 32)) (call $sset (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 1))
      (call $emit (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 1))
      (if (i32.eq (i32.load8_u (i32.const 32)) (i32.const 1)) (then (call $revert (i32.const 16) (i32.const 2))))))`;
  const A = `(module ${HOST} (data (i32.const 0) "a") (data (i32.const 64) "\\02\\02\\02\\02\\02\\02\\02\\02\\02\\02\\02\\02\\02\\02\\02\\02\\02\\02\\02\\02\\02\\02\\02\\02\\02\\02\\02\\02\\02\\02\\02\\02") (data (i32.const 100) "run") (data (i32.const 110) "\\01")
    (func (export "run") (call $sset (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 1))
      (i32.store8 (i32.const 120) (call $call (i32.const 64) (i32.const 100) (i32.const 3) (i32.const 110) (i32.const 1) (i64.const 0) (i64.const 0)))
      (call $sset (i32.const 120) (i32.const 1) (i32.const 120) (i32.const 1))))`;

  it('a revert deep in a call chain undoes exactly its frame', () => {
    const h = new MemHost();
    const a = h.deploy(1, wat(A));
    const b = h.deploy(2, wat(B));
    const r = run(h, a, 'run');
    expect(r.status).toBe('ok');
    expect(h.storageGet(a, new Uint8Array([0x61]))).toEqual(new Uint8Array([0x61]));
    expect(h.storageGet(a, new Uint8Array([1]))).toEqual(new Uint8Array([1]));
    expect(h.storageGet(b, new Uint8Array([0x62]))).toBeUndefined();
    expect(r.events).toEqual([]);
  });

  it('a contract calling itself through another stops at the call depth', () => {
    // P calls Q, Q calls P, ...: each writes its depth counter; the innermost call fails,
    // and every frame above it records the failure and continues.
    const ping = (other: number) => `(module ${HOST} (data (i32.const 0) "n") (data (i32.const 64) "${`\\0${other}`.repeat(32)}") (data (i32.const 100) "run")
      (func (export "run") (local $v i32) (drop (call $sget (i32.const 0) (i32.const 1) (i32.const 8) (i32.const 4)))
        (i32.store (i32.const 8) (i32.add (i32.load (i32.const 8)) (i32.const 1)))
        (call $sset (i32.const 0) (i32.const 1) (i32.const 8) (i32.const 4))
        (drop (call $call (i32.const 64) (i32.const 100) (i32.const 3) (i32.const 0) (i32.const 0) (i64.const 0) (i64.const 0)))))`;
    const h = new MemHost();
    const p = h.deploy(1, wat(ping(2)));
    const q = h.deploy(2, wat(ping(1)));
    const r = run(h, p, 'run', 100_000_000n);
    expect(r.status).toBe('ok');
    const count = (c: Uint8Array) => new DataView(h.storageGet(c, new Uint8Array([0x6e]))!.buffer).getInt32(0, true);
    expect(count(p) + count(q)).toBe(MAX_CALL_DEPTH);
  });
});
