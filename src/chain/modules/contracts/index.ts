// The contracts module: stores instrumented code by hash and contract storage in its
// namespace, and defines the deploy (0x20) and call (0x21) kinds. Execution is the VM's
// (src/contracts); this folder only maps the VM's host interface onto the module seam.
//
// Gas: the body carries gasLimit and gasPrice. The envelope step takes gasLimit x gasPrice
// (+ the attached value) with the fee, up front (`prepaid`); after the run the unused gas
// is given back, so the sender pays gasUsed x gasPrice whether the call succeeded or not.
// That gas payment is burned (EIP-1559's base fee): the core pays the miner the envelope
// fee, which is therefore the miner's tip. A failed run undoes its frame (storage,
// transfers, events) but never the gas payment.
//
// State (binKey strings): 'c' codeHash -> instrumented wasm; 'a' address -> codeHash;
// 's' address key -> value; 'r' txid -> receipt (so any node answers
// gettransactionreceipt from state).
import { sha256 } from '../../../hash/index.js';
import { instrument, INSTRUMENT_VERSION } from '../../../contracts/instrument.js';
import { callContract, type CallResult, type CallStatus, type ContractEvent, type ContractHost } from '../../../contracts/vm.js';
import { Reader, Writer } from '../../codec.js';
import { DecodeError, ValidationError } from '../../errors.js';
import { binKey, bytesEqual, fromHex, toHex } from '../../hex.js';
import type { ChainModule, KindSpec, ModuleContext, StateQuery } from '../../module.js';
import { txid, type Transaction } from '../../tx.js';
import type { BankKeeper } from '../bank/index.js';

export const ContractKind = { Deploy: 0x20, Call: 0x21 } as const;
export const NAMESPACE = 'wasm';
export const MAX_CODE = 256 * 1024;
export const MAX_INPUT = 16 * 1024;
export const MAX_GAS = 1_000_000_000n;
/** Gas per byte of code at deploy (validation, instrumentation, storage). */
export const DEPLOY_GAS = { base: 50_000n, perByte: 20n };

export interface DeployBody {
  code: Uint8Array;
  input: Uint8Array;
  value: bigint;
  gasLimit: bigint;
  gasPrice: bigint;
}

export interface CallBody {
  contract: Uint8Array;
  method: string;
  input: Uint8Array;
  value: bigint;
  gasLimit: bigint;
  gasPrice: bigint;
}

export const STATUS_CODES: readonly CallStatus[] = ['ok', 'revert', 'trap', 'out-of-gas', 'stack-overflow', 'no-contract', 'no-method', 'call-depth', 'insufficient-value'];
const INVALID_CODE = 255;

export interface ContractReceipt {
  status: CallStatus | 'invalid-code';
  gasUsed: bigint;
  /** The new contract (deploy) or the called one. */
  contract: Uint8Array;
  data: Uint8Array;
  events: ContractEvent[];
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function contractAddress(deployer: Uint8Array, nonce: number): Uint8Array {
  const w = new Writer(64).raw(enc.encode('hashlane/contract\0')).raw(deployer).u64(BigInt(nonce), 'nonce');
  return sha256(w.finish());
}

export function encodeReceipt(r: ContractReceipt): Uint8Array {
  const w = new Writer(128);
  w.u8(r.status === 'invalid-code' ? INVALID_CODE : STATUS_CODES.indexOf(r.status), 'status').u64(r.gasUsed, 'gasUsed').fixed(r.contract, 32, 'contract').varbytes(r.data, 1 << 20, 'data');
  w.varint(r.events.length, 'events');
  for (const e of r.events) w.fixed(e.contract, 32, 'event.contract').varbytes(e.topic, 1 << 16, 'event.topic').varbytes(e.data, 1 << 20, 'event.data');
  return w.finish();
}

export function decodeReceipt(b: Uint8Array): ContractReceipt {
  const r = new Reader(b, 'contract receipt');
  const s = r.u8('status');
  const status = s === INVALID_CODE ? 'invalid-code' : STATUS_CODES[s];
  if (!status) throw new DecodeError('decode-bad-status', `receipt status ${s} is unknown`);
  const gasUsed = r.u64('gasUsed');
  const contract = r.fixed(32, 'contract');
  const data = r.varbytes('data', 1 << 20);
  const n = r.varint('events', 4096);
  const events: ContractEvent[] = [];
  for (let i = 0; i < n; i++) events.push({ contract: r.fixed(32, 'event.contract'), topic: r.varbytes('event.topic', 1 << 16), data: r.varbytes('event.data', 1 << 20) });
  r.end();
  return { status, gasUsed, contract, data, events };
}

export function receiptJson(r: ContractReceipt): Record<string, unknown> {
  return {
    status: r.status,
    gasUsed: r.gasUsed.toString(),
    contract: toHex(r.contract),
    data: toHex(r.data),
    ...(r.status !== 'ok' ? { reason: dec.decode(r.data) } : {}),
    events: r.events.map((e) => ({ contract: toHex(e.contract), topic: toHex(e.topic), data: toHex(e.data) })),
  };
}

// Compiled modules per code hash, for the whole process (the instrumented bytes of a hash
// never change, so neither does the module).
const moduleCache = new Map<string, WebAssembly.Module>();
export function compiledModule(hash: Uint8Array, wasm: () => Uint8Array | undefined): WebAssembly.Module | undefined {
  const k = binKey(hash);
  let mod = moduleCache.get(k);
  if (!mod) {
    const bytes = wasm();
    if (!bytes) return undefined;
    mod = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
    moduleCache.set(k, mod);
  }
  return mod;
}

const codeKey = (hash: Uint8Array) => 'c' + binKey(hash);
const addrKey = (a: Uint8Array) => 'a' + binKey(a);
const storageKey = (a: Uint8Array, k: Uint8Array) => 's' + binKey(a) + binKey(k);
const receiptKey = (id: Uint8Array) => 'r' + binKey(id);

/** Reads of the namespace, either a module store or a state query. */
type Read = (key: string) => Uint8Array | undefined;

function moduleAt(read: Read, address: Uint8Array): WebAssembly.Module | undefined {
  const hash = read(addrKey(address));
  if (!hash) return undefined;
  return compiledModule(hash, () => read(codeKey(hash)));
}

/** The VM's host on a module context: writes journaled, frames are ctx.frame. */
function chainHost(ctx: ModuleContext): ContractHost {
  const bank = ctx.call<BankKeeper>('bank');
  const store = ctx.store;
  return {
    height: ctx.height,
    time: ctx.time,
    module: (a) => moduleAt((k) => store.get(k), a),
    storageGet: (c, k) => store.get(storageKey(c, k)),
    storageSet: (c, k, v) => store.set(storageKey(c, k), v && v.length ? v : undefined),
    balance: (a) => bank.account(a).balance,
    transfer: (from, to, amount) => {
      if (amount > 0n) bank.transfer(from, to, amount);
    },
    frame: (fn) => ctx.frame(fn),
  };
}

/** A host over read-only state: writes go to an overlay (dropped afterwards), frames snapshot it. */
export function queryHost(q: StateQuery, height: number, time: number): ContractHost {
  let overlay = new Map<string, Uint8Array | undefined>();
  let balances = new Map<string, bigint>();
  const read: Read = (k) => (overlay.has(k) ? overlay.get(k) : q.read(NAMESPACE, k));
  const bank = q.call<BankKeeper>('bank');
  const bal = (a: Uint8Array) => balances.get(binKey(a)) ?? bank.account(a).balance;
  return {
    height,
    time,
    module: (a) => moduleAt(read, a),
    storageGet: (c, k) => read(storageKey(c, k)),
    storageSet: (c, k, v) => void overlay.set(storageKey(c, k), v && v.length ? v : undefined),
    balance: bal,
    transfer(from, to, amount) {
      const f = bal(from);
      if (f < amount) throw new ValidationError('bad-txns-insufficient-funds', `transfer of ${amount}; the account has ${f}`);
      balances.set(binKey(from), f - amount);
      balances.set(binKey(to), bal(to) + amount);
    },
    frame(fn) {
      const o = new Map(overlay);
      const b = new Map(balances);
      try {
        return fn();
      } catch (e) {
        overlay = o;
        balances = b;
        throw e;
      }
    },
  };
}

const fail = (reason: string, message: string): never => {
  throw new ValidationError(reason, message);
};

function checkGas(gasLimit: bigint, gasPrice: bigint, value: bigint): void {
  if (gasLimit <= 0n || gasLimit > MAX_GAS) fail('bad-contract-gas', `gas limit must be in [1, ${MAX_GAS}], got ${gasLimit}`);
  if (gasLimit * gasPrice + value >= 1n << 64n) fail('bad-contract-gas', 'gas limit x gas price + value must fit in 64 bits');
}

const prepay = (b: { gasLimit: bigint; gasPrice: bigint; value: bigint }) => b.gasLimit * b.gasPrice + b.value;

/** Settles a run: gives back unused gas and the value (the VM moves the value itself, inside its frame). */
function settle(ctx: ModuleContext, tx: Transaction<{ gasLimit: bigint; gasPrice: bigint; value: bigint }>, receipt: ContractReceipt): Uint8Array {
  const bank = ctx.call<BankKeeper>('bank');
  const refund = (tx.body.gasLimit - receipt.gasUsed) * tx.body.gasPrice;
  if (refund > 0n) bank.mint(tx.from, refund);
  const bytes = encodeReceipt(receipt);
  ctx.store.set(receiptKey(txid(tx)), new Writer(bytes.length + 8).u32(ctx.height, 'height').raw(bytes).finish());
  return bytes;
}

function runDeploy(host: ContractHost, from: Uint8Array, nonce: number, body: DeployBody, put: (k: string, v: Uint8Array) => void, exists: (k: string) => boolean): ContractReceipt {
  const address = contractAddress(from, nonce);
  const deployGas = DEPLOY_GAS.base + DEPLOY_GAS.perByte * BigInt(body.code.length);
  const none: ContractEvent[] = [];
  if (body.gasLimit < deployGas) return { status: 'out-of-gas', gasUsed: body.gasLimit, contract: address, data: enc.encode(`deploying ${body.code.length} bytes takes ${deployGas} gas`), events: none };
  let wasm: Uint8Array;
  try {
    wasm = instrument(body.code).wasm;
  } catch (e) {
    return { status: 'invalid-code', gasUsed: deployGas, contract: address, data: enc.encode(e instanceof Error ? e.message : String(e)), events: none };
  }
  const hash = sha256(body.code);
  let result: CallResult | undefined;
  const exec = () =>
    host.frame(() => {
      if (!exists(codeKey(hash))) put(codeKey(hash), wasm);
      put(addrKey(address), hash);
      const mod = compiledModule(hash, () => wasm)!;
      const hasInit = WebAssembly.Module.exports(mod).some((x) => x.name === 'init' && x.kind === 'function');
      result = hasInit
        ? callContract(host, { caller: from, contract: address, method: 'init', input: body.input, value: body.value, gasLimit: body.gasLimit - deployGas })
        : body.value > 0n
          ? (host.transfer(from, address, body.value), { status: 'ok', gasUsed: 0n, data: new Uint8Array(0), events: [] })
          : { status: 'ok', gasUsed: 0n, data: new Uint8Array(0), events: [] };
      if (result.status !== 'ok') throw result;
    });
  try {
    exec();
  } catch (e) {
    if (e !== result) throw e;
  }
  return { status: result!.status, gasUsed: deployGas + result!.gasUsed, contract: address, data: result!.data, events: result!.events };
}

const deploy: KindSpec<DeployBody> = {
  kind: ContractKind.Deploy,
  name: 'contract-deploy',
  codec: {
    write(w, b) {
      w.varbytes(b.code, MAX_CODE, 'deploy.code').varbytes(b.input, MAX_INPUT, 'deploy.input').u64(b.value, 'deploy.value').u64(b.gasLimit, 'deploy.gasLimit').u64(b.gasPrice, 'deploy.gasPrice');
    },
    read(r) {
      return { code: r.varbytes('deploy.code', MAX_CODE), input: r.varbytes('deploy.input', MAX_INPUT), value: r.u64('deploy.value'), gasLimit: r.u64('deploy.gasLimit'), gasPrice: r.u64('deploy.gasPrice') };
    },
  },
  check(tx) {
    if (tx.body.code.length === 0) fail('bad-contract-code', 'a deploy needs code');
    checkGas(tx.body.gasLimit, tx.body.gasPrice, tx.body.value);
  },
  apply(ctx, tx) {
    ctx.call<BankKeeper>('bank').mint(tx.from, tx.body.value);
    const r = runDeploy(chainHost(ctx), tx.from, tx.nonce, tx.body, (k, v) => ctx.store.set(k, v), (k) => ctx.store.get(k) !== undefined);
    return settle(ctx, tx, r);
  },
  spend: (tx) => prepay(tx.body),
  prepaid: true,
  toJson: (b) => ({ code: toHex(b.code), input: toHex(b.input), value: b.value.toString(), gasLimit: b.gasLimit.toString(), gasPrice: b.gasPrice.toString() }),
  fromJson: (j) => ({ code: fromHex(String(j.code ?? '')), input: fromHex(String(j.input ?? '')), value: big(j.value), gasLimit: big(j.gasLimit), gasPrice: big(j.gasPrice) }),
};

function big(v: unknown): bigint {
  try {
    return BigInt(String(v ?? '0'));
  } catch {
    throw new DecodeError('decode-bad-json', `expected an integer, got ${JSON.stringify(v)}`);
  }
}

const call: KindSpec<CallBody> = {
  kind: ContractKind.Call,
  name: 'contract-call',
  codec: {
    write(w, b) {
      w.fixed(b.contract, 32, 'call.contract').varbytes(enc.encode(b.method), 64, 'call.method').varbytes(b.input, MAX_INPUT, 'call.input').u64(b.value, 'call.value').u64(b.gasLimit, 'call.gasLimit').u64(b.gasPrice, 'call.gasPrice');
    },
    read(r) {
      const contract = r.fixed(32, 'call.contract');
      const m = r.varbytes('call.method', 64);
      const method = dec.decode(m);
      if (!bytesEqual(enc.encode(method), m)) throw new DecodeError('decode-bad-method', 'call.method must be UTF-8');
      return { contract, method, input: r.varbytes('call.input', MAX_INPUT), value: r.u64('call.value'), gasLimit: r.u64('call.gasLimit'), gasPrice: r.u64('call.gasPrice') };
    },
  },
  check(tx) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(tx.body.method)) fail('bad-contract-method', `method must match [A-Za-z_][A-Za-z0-9_]*, got ${JSON.stringify(tx.body.method)}`);
    checkGas(tx.body.gasLimit, tx.body.gasPrice, tx.body.value);
  },
  apply(ctx, tx) {
    const bank = ctx.call<BankKeeper>('bank');
    bank.mint(tx.from, tx.body.value);
    const r = callContract(chainHost(ctx), { caller: tx.from, contract: tx.body.contract, method: tx.body.method, input: tx.body.input, value: tx.body.value, gasLimit: tx.body.gasLimit });
    return settle(ctx, tx, { ...r, contract: tx.body.contract });
  },
  spend: (tx) => prepay(tx.body),
  prepaid: true,
  toJson: (b) => ({ contract: toHex(b.contract), method: b.method, input: toHex(b.input), value: b.value.toString(), gasLimit: b.gasLimit.toString(), gasPrice: b.gasPrice.toString() }),
  fromJson: (j) => ({ contract: fromHex(String(j.contract ?? '')), method: String(j.method ?? ''), input: fromHex(String(j.input ?? '')), value: big(j.value), gasLimit: big(j.gasLimit), gasPrice: big(j.gasPrice) }),
};

const bytesParam = (v: unknown) => (v instanceof Uint8Array ? v : fromHex(String(v)));

/** Read-only execution for callcontract / estimategas. */
export function queryCall(q: StateQuery, args: { contract: Uint8Array; method: string; input: Uint8Array; caller?: Uint8Array; value?: bigint; gasLimit?: bigint }, height = 0, time = 0): ContractReceipt {
  const host = queryHost(q, height, time);
  const r = callContract(host, { caller: args.caller ?? new Uint8Array(32), contract: args.contract, method: args.method, input: args.input, value: args.value ?? 0n, gasLimit: args.gasLimit ?? MAX_GAS });
  return { ...r, contract: args.contract };
}

const CALL_PARAMS = [
  { name: 'address', type: 'hex', maxBytes: 32 },
  { name: 'method', type: 'string', maxBytes: 64 },
  { name: 'input', type: 'hex', maxBytes: MAX_INPUT },
  { name: 'caller', type: 'hex', maxBytes: 32, optional: true },
] as const;

/** The read-only run behind callcontract and estimategas. */
function viewCall(q: StateQuery, [a, method, input, caller]: unknown[]): ContractReceipt {
  return queryCall(q, { contract: bytesParam(a), method: String(method), input: bytesParam(input ?? ''), caller: caller ? bytesParam(caller) : undefined });
}

export const contracts: ChainModule = {
  name: 'contracts',
  namespace: NAMESPACE,
  kinds: [deploy, call] as unknown as readonly KindSpec<never>[],
  rpc: {
    gettransactionreceipt: {
      description: 'gettransactionreceipt txid — the contract receipt (status, gasUsed, data, events, height) or null; txid as sendrawtransaction returns it (display order)',
      params: [{ name: 'txid', type: 'hex', maxBytes: 32 }],
      handler(q, [id]) {
        const v = q.read(NAMESPACE, receiptKey(bytesParam(id).slice().reverse()));
        if (!v) return null;
        const height = new DataView(v.buffer, v.byteOffset, 4).getUint32(0, true);
        return { height, ...receiptJson(decodeReceipt(v.subarray(4))) };
      },
    },
    callcontract: {
      description: 'callcontract address method inputhex [caller] — runs a call read-only; its receipt',
      params: CALL_PARAMS,
      handler: (q, p) => receiptJson(viewCall(q, p)),
    },
    estimategas: {
      description: 'estimategas address method inputhex [caller] — gas a call would use now',
      params: CALL_PARAMS,
      handler(q, p) {
        const r = viewCall(q, p);
        return { status: r.status, gasUsed: r.gasUsed.toString() };
      },
    },
    getcode: {
      description: 'getcode address — code hash and instrumented code (hex), or null',
      params: [{ name: 'address', type: 'hex', maxBytes: 32 }],
      handler(q, [a]) {
        const hash = q.read(NAMESPACE, addrKey(bytesParam(a)));
        if (!hash) return null;
        return { codeHash: toHex(hash), instrumentVersion: INSTRUMENT_VERSION, code: toHex(q.read(NAMESPACE, codeKey(hash)) ?? new Uint8Array(0)) };
      },
    },
    getstorage: {
      description: 'getstorage address keyhex — the stored value (hex) or null',
      params: [
        { name: 'address', type: 'hex', maxBytes: 32 },
        { name: 'key', type: 'hex', maxBytes: 256 },
      ],
      handler(q, [a, k]) {
        const v = q.read(NAMESPACE, storageKey(bytesParam(a), bytesParam(k)));
        return v ? toHex(v) : null;
      },
    },
  },
};
