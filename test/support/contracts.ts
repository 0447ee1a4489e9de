// A one-node devnet in memory for contract tests: blocks of signed deploy/call
// transactions applied through the chain core (envelope, kinds, roots), receipts read back
// through the module's RPC views.
import { readFileSync } from 'node:fs';
import * as C from '../../dist/chain/index.js';
import { AbiReader, AbiWriter, loadInstrumenter } from '../../dist/contracts/index.js';
import type { Key } from './chain.js';

export { AbiReader, AbiWriter, loadInstrumenter };

/** The coinbase goes to a key no test spends from, so balances show only what the test did. */
const MINER = new Uint8Array(32).fill(0x99);

export const contractWasm = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../build/contracts/${name}.wasm`, import.meta.url)));

export interface Receipt {
  height: number;
  status: string;
  gasUsed: string;
  contract: string;
  data: string;
  reason?: string;
  events: { contract: string; topic: string; data: string }[];
}

export class Devnet {
  readonly params: C.ChainParams;
  readonly engine: C.ProofOfWork;
  readonly state: C.ChainState;
  height = 0;
  time = 1_800_000_000;
  private nonces = new Map<string, number>();

  constructor(readonly keys: Key[], premine = 10_000_000_000n) {
    this.params = C.defineParams(C.regtestParams, { premine: keys.map((k) => ({ publicKey: k.pk, amount: premine })) });
    this.engine = new C.ProofOfWork(this.params);
    this.state = new C.ChainState(this.params);
    C.applyBlock(this.state, C.genesisBlock(this.params), 0, this.engine, { genesis: true });
  }

  private nonce(k: Key): number {
    const h = C.toHex(k.pk);
    const n = this.nonces.get(h) ?? this.state.getAccount(k.pk).nonce;
    this.nonces.set(h, n + 1);
    return n;
  }

  deployTx(k: Key, code: Uint8Array, input = new Uint8Array(0), opts: { value?: bigint; gasLimit?: bigint; gasPrice?: bigint; fee?: bigint } = {}) {
    const body: C.DeployBody = { code, input, value: opts.value ?? 0n, gasLimit: opts.gasLimit ?? 5_000_000n, gasPrice: opts.gasPrice ?? 1n };
    const nonce = this.nonce(k);
    return { tx: C.signTx<C.DeployBody>({ chainId: this.params.chainId, kind: C.ContractKind.Deploy, from: k.pk, nonce, fee: opts.fee ?? 100n, body }, k.sk), address: C.contractAddress(k.pk, nonce) };
  }

  callTx(k: Key, contract: Uint8Array, method: string, input = new Uint8Array(0), opts: { value?: bigint; gasLimit?: bigint; gasPrice?: bigint; fee?: bigint } = {}) {
    const body: C.CallBody = { contract, method, input, value: opts.value ?? 0n, gasLimit: opts.gasLimit ?? 2_000_000n, gasPrice: opts.gasPrice ?? 1n };
    return C.signTx<C.CallBody>({ chainId: this.params.chainId, kind: C.ContractKind.Call, from: k.pk, nonce: this.nonce(k), fee: opts.fee ?? 100n, body }, k.sk);
  }

  /** Mines one block of `txs` (roots from a dry run, as a template does); the receipts. */
  block(txs: C.Transaction[]): Receipt[] {
    const height = ++this.height;
    this.time += 60;
    const header = { ...C.genesisBlock(this.params).header, time: this.time };
    let fees = 0n;
    for (const t of txs) fees += t.fee;
    const cb = C.createCoinbase(this.params.chainId, height, MINER, this.engine.blockReward(height) + fees);
    const draft = { header, txs: [cb, ...txs] };
    const roots = C.previewRoots(this.state, draft, height, this.engine);
    C.applyBlock(this.state, { header, txs: [C.withRoots(cb, roots), ...txs] }, height, this.engine);
    return txs.map((t) => this.receipt(t));
  }

  receipt(tx: C.Transaction): Receipt {
    return C.contracts.rpc!.gettransactionreceipt.handler(this.state, [C.toDisplayHex(C.txid(tx))]) as Receipt;
  }

  view(method: string, params: unknown[]): any {
    return C.contracts.rpc![method].handler(this.state, params);
  }

  balance(pk: Uint8Array): bigint {
    return this.state.getAccount(pk).balance;
  }

  /** Read-only call; the return data decoded by the caller. */
  query(contract: Uint8Array, method: string, input: Uint8Array, caller?: Uint8Array): Receipt {
    return this.view('callcontract', [contract, method, input, caller]) as Receipt;
  }
}

export const u64Of = (hex: string): bigint => new AbiReader(C.fromHex(hex)).u64();
