// Contracts bench (one core, one run): token transfer calls/s of the AssemblyScript token
// on the hashlane VM vs an ERC-20-style transfer on @ethereumjs/evm; metered vs unmetered
// execution of a compute-heavy module; instrumentation time of a 100 KiB module.
//
// The EVM anchor is hand-assembled runtime bytecode (no compiler at run time): transfer(to,
// amount) with the balance of an address in the storage slot equal to the address, a
// revert when short, no selector dispatch and no Transfer log — less work than a full
// ERC-20, so the ratio is conservative. Both sides run a call against in-memory state,
// without transaction signatures or blocks.
import binaryen from 'binaryen';
import { readFileSync } from 'node:fs';
import { createEVM } from '@ethereumjs/evm';
import { Address, hexToBytes } from '@ethereumjs/util';
import { ready } from '../dist/index.js';
import { AbiWriter, callContract, instrument, loadInstrumenter } from '../dist/contracts/index.js';
import { report, runSuite } from './harness.js';

// transfer(to, amount): calldata = selector 4 | to 32 | amount 32.
const OP = { PUSH1: 0x60, CALLDATALOAD: 0x35, CALLER: 0x33, SLOAD: 0x54, SSTORE: 0x55, DUP1: 0x80, DUP2: 0x81, DUP3: 0x82, LT: 0x10, JUMPI: 0x57, JUMPDEST: 0x5b, SUB: 0x03, ADD: 0x01, SWAP1: 0x90, POP: 0x50, STOP: 0x00, REVERT: 0xfd };
const ERC20_TRANSFER = Uint8Array.from([
  OP.PUSH1, 0x24, OP.CALLDATALOAD, OP.CALLER, OP.SLOAD, // amount, balance(from)
  OP.DUP2, OP.DUP2, OP.LT, OP.PUSH1, 0x1c, OP.JUMPI, // balance < amount: revert
  OP.SUB, OP.CALLER, OP.SSTORE, // balance(from) -= amount
  OP.PUSH1, 0x24, OP.CALLDATALOAD, OP.PUSH1, 0x04, OP.CALLDATALOAD, OP.DUP1, OP.SLOAD, OP.DUP3, OP.ADD, OP.SWAP1, OP.SSTORE, // balance(to) += amount
  OP.POP, OP.STOP,
  OP.JUMPDEST, OP.PUSH1, 0x00, OP.DUP1, OP.REVERT, // 0x1c
]);

function wat(text) {
  const m = binaryen.parseText(text);
  const b = m.emitBinary();
  m.dispose();
  return b;
}

class MemHost {
  height = 1;
  time = 0;
  storage = new Map();
  modules = new Map();
  key = (c, k) => Buffer.from(c).toString('hex') + Buffer.from(k).toString('hex');
  module = (a) => this.modules.get(Buffer.from(a).toString('hex'));
  storageGet = (c, k) => this.storage.get(this.key(c, k));
  storageSet = (c, k, v) => (v ? this.storage.set(this.key(c, k), v) : this.storage.delete(this.key(c, k)));
  balance = () => 0n;
  transfer = () => {
    throw new Error('no native coin in the bench');
  };
  frame(fn) {
    // Undo by snapshot would dominate the bench; these calls do not fail.
    return fn();
  }
}

export default async function main() {
  await ready();
  await loadInstrumenter();
  const rows = [];

  // 1. Token transfers.
  const host = new MemHost();
  const token = new Uint8Array(32).fill(7);
  host.modules.set(Buffer.from(token).toString('hex'), new WebAssembly.Module(instrument(new Uint8Array(readFileSync(new URL('../build/contracts/token.wasm', import.meta.url)))).wasm));
  const users = [1, 2, 3, 4].map((n) => new Uint8Array(32).fill(n));
  const call = (caller, method, input) => callContract(host, { caller, contract: token, method, input, value: 0n, gasLimit: 1_000_000n });
  call(users[0], 'init', new Uint8Array(0));
  for (const u of users) call(users[0], 'mint', new AbiWriter().address(u).u64(1n << 40n).finish());
  const inputs = users.map((u) => new AbiWriter().address(u).u64(1n).finish());
  let i = 0;
  const check = call(users[0], 'transfer', inputs[1]);
  if (check.status !== 'ok') throw new Error(`token transfer failed: ${check.status}`);

  const evm = await createEVM();
  const contract = new Address(hexToBytes('0x' + '11'.repeat(20)));
  await evm.stateManager.putCode(contract, ERC20_TRANSFER);
  const evmUsers = [1, 2, 3, 4].map((n) => new Address(new Uint8Array(20).fill(n)));
  for (const u of evmUsers) await evm.stateManager.putStorage(contract, Uint8Array.from([...new Uint8Array(12), ...u.bytes]), hexToBytes('0x010000000000'));
  const evmData = evmUsers.map((u) => Uint8Array.from([0xa9, 0x05, 0x9c, 0xbb, ...new Uint8Array(12), ...u.bytes, ...new Uint8Array(31), 1]));
  const probe = await evm.runCall({ to: contract, caller: evmUsers[0], data: evmData[1], gasLimit: 100_000n, skipBalance: true });
  if (probe.execResult.exceptionError) throw new Error(`EVM transfer failed: ${probe.execResult.exceptionError.error}`);
  let j = 0;

  const BATCH = 200;
  const transferRows = await runSuite('contracts', [
    {
      name: 'hashlane token transfer',
      items: BATCH,
      unit: 'calls/s',
      fn: () => {
        for (let k = 0; k < BATCH; k++, i++) call(users[i & 3], 'transfer', inputs[(i + 1) & 3]);
      },
    },
    {
      name: 'ethereumjs ERC-20 transfer',
      items: BATCH,
      unit: 'calls/s',
      fn: async () => {
        for (let k = 0; k < BATCH; k++, j++) await evm.runCall({ to: contract, caller: evmUsers[j & 3], data: evmData[(j + 1) & 3], gasLimit: 100_000n, skipBalance: true });
      },
    },
  ], { time: 1500, warmupIterations: 3 });
  rows.push(...transferRows);

  // 2. Metered vs unmetered: an integer mixing loop (xorshift + multiply), 200k iterations.
  const heavy = wat(`(module (memory (export "memory") 1)
    (func (export "run") (result i64) (local $x i64) (local $i i32)
      (local.set $x (i64.const 88172645463325252))
      (loop $l
        (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 13))))
        (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 7))))
        (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 17))))
        (local.set $x (i64.add (i64.mul (local.get $x) (i64.const 2685821657736338717)) (i64.extend_i32_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (i32.const 200000))))
      (local.get $x)))`);
  const plain = new WebAssembly.Instance(new WebAssembly.Module(heavy), {}).exports;
  const metered = new WebAssembly.Instance(new WebAssembly.Module(instrument(heavy).wasm), {}).exports;
  metered.__hl_gas.value = 1n << 62n;
  if (plain.run() !== metered.run()) throw new Error('metered and unmetered results differ');
  const meterRows = await runSuite('contracts', [
    { name: 'compute loop unmetered', items: 200_000, unit: 'iterations/s', fn: () => plain.run() },
    {
      name: 'compute loop metered',
      items: 200_000,
      unit: 'iterations/s',
      fn: () => {
        metered.__hl_gas.value = 1n << 62n;
        metered.run();
      },
    },
  ], { time: 800 });
  rows.push(...meterRows);

  // 3. Instrumentation time of a ~100 KiB module.
  let fns = '';
  let n = 0;
  let big;
  do {
    for (let k = 0; k < 100; k++, n++) {
      fns += `(func (export "f${n}") (param $a i32) (result i32) (local $i i32)
        (loop $l (local.set $a (i32.add (i32.mul (local.get $a) (i32.const ${n + 3})) (i32.load (i32.and (local.get $i) (i32.const 1020)))))
          (if (i32.and (local.get $a) (i32.const 1)) (then (i32.store (i32.const 8) (local.get $a))) (else (drop (call $h (local.get $a)))))
          (local.set $i (i32.add (local.get $i) (i32.const 4))) (br_if $l (i32.lt_u (local.get $i) (i32.const 64))))
        (local.get $a))\n`;
    }
    big = wat(`(module (memory (export "memory") 1) (func $h (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))) ${fns})`);
  } while (big.length < 100 * 1024);
  const instrRows = await runSuite('contracts', [{ name: `instrument ${Math.round(big.length / 1024)} KiB module`, items: 1, unit: 'modules/s', fn: () => instrument(big) }], { time: 1500, warmupIterations: 2, iterations: 5 });
  rows.push(...instrRows);

  const table = report('contracts', rows, ['ethereumjs ERC-20 transfer', 'compute loop unmetered']);
  const get = (name) => rows.find((r) => r.task.startsWith(name)).perSecond;
  console.log(`token transfer vs EVM: ${(get('hashlane token') / get('ethereumjs')).toFixed(2)}x (target >= 5x)`);
  console.log(`metering overhead: ${(get('compute loop unmetered') / get('compute loop metered')).toFixed(2)}x (target <= 1.5x)`);
  console.log(`instrumentation: ${(1000 / get('instrument')).toFixed(1)} ms per ${Math.round(big.length / 1024)} KiB module`);
  return table;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
