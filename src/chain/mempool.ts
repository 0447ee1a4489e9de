// The mempool: signed transfers waiting for a block. Policy (not consensus) lives here:
// minimum fee rate, a nonce gap limit, balance covering every pending spend of the sender,
// replace-by-fee on the same (from, nonce), and a byte cap that evicts the lowest fee
// rate first. Ordering is by fee rate (fee / encoded size), with each sender's
// transactions kept in nonce order.
import { ed25519 } from '../sig/index.js';
import type { Block } from './block.js';
import { decodeTx, encodeTx, txid, txSigningMessage, type Transaction } from './tx.js';
import type { ModuleRegistry, StateQuery } from './module.js';
import { defaultRegistry } from './modules/index.js';
import { MempoolError, ValidationError } from './errors.js';
import { toDisplayHex, toHex } from './hex.js';
import type { ChainParams } from './params.js';
import type { AccountView } from './state.js';
import { checkTransaction } from './validation.js';

export interface MempoolOptions {
  /** Byte cap over the encoded transactions (default 32 MiB). */
  maxBytes?: number;
  /** Minimum fee per encoded byte (default 1n). */
  minFeeRate?: bigint;
  /** A transaction's nonce may be at most this far above the account's nonce (default 64). */
  maxNonceGap?: number;
  /** A replacement must pay at least this many percent more fee (default 10). */
  replaceBumpPercent?: number;
}

export interface MempoolEntry {
  tx: Transaction;
  id: Uint8Array;
  key: string;
  size: number;
  /** Sender key (hex). */
  from: string;
  time: number;
}

export interface AddResult {
  txid: Uint8Array;
  /** txid of the transaction this one replaced (same sender and nonce). */
  replaced?: Uint8Array;
  /** txids evicted to stay under the byte cap. */
  evicted: Uint8Array[];
}

/** What the mempool needs from the chain. */
export interface MempoolChain extends AccountView {
  readonly params: ChainParams;
  /** The chain's modules (default: the built-in ones). */
  readonly registry?: ModuleRegistry;
  /** The tip's state, for the modules' access rules (`admit`); needed when a module has one. */
  readonly state?: StateQuery;
}

/** a's fee rate compared with b's: negative when a pays less per byte. */
function compareRate(a: MempoolEntry, b: MempoolEntry): number {
  const l = a.tx.fee * BigInt(b.size);
  const r = b.tx.fee * BigInt(a.size);
  return l < r ? -1 : l > r ? 1 : 0;
}

export class Mempool {
  private readonly byId = new Map<string, MempoolEntry>();
  /** sender hex -> nonce -> entry */
  private readonly bySender = new Map<string, Map<number, MempoolEntry>>();
  private totalBytes = 0;
  private rev = 0;
  private readonly maxBytes: number;
  private readonly minFeeRate: bigint;
  private readonly maxNonceGap: number;
  private readonly bump: bigint;
  private readonly registry: ModuleRegistry;

  constructor(
    readonly chain: MempoolChain,
    options: MempoolOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
    this.minFeeRate = options.minFeeRate ?? 1n;
    this.maxNonceGap = options.maxNonceGap ?? 64;
    this.bump = BigInt(options.replaceBumpPercent ?? 10);
    this.registry = chain.registry ?? defaultRegistry;
  }

  /** Fee plus what the body takes from the sender: the balance a pending transaction reserves. */
  private cost(tx: Transaction): bigint {
    return tx.fee + (this.registry.spec(tx.kind)?.spend?.(tx as never) ?? 0n);
  }

  /** Changes on every insertion or removal: a template built at one revision stays valid until it moves. */
  get revision(): number {
    return this.rev;
  }

  get size(): number {
    return this.byId.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  has(id: Uint8Array): boolean {
    return this.byId.has(toHex(id));
  }

  get(id: Uint8Array): Transaction | undefined {
    return this.byId.get(toHex(id))?.tx;
  }

  /** All entries, highest fee rate first. */
  entries(): MempoolEntry[] {
    return [...this.byId.values()].sort((a, b) => compareRate(b, a));
  }

  /** Pending transactions of a sender, in nonce order. */
  pendingFor(publicKey: Uint8Array): Transaction[] {
    const m = this.bySender.get(toHex(publicKey));
    return m ? [...m.values()].sort((a, b) => a.tx.nonce - b.tx.nonce).map((e) => e.tx) : [];
  }

  /** The nonce a wallet should use next: account nonce + contiguous pending ones. */
  nextNonce(publicKey: Uint8Array): number {
    let n = this.chain.getAccount(publicKey).nonce;
    const m = this.bySender.get(toHex(publicKey));
    while (m?.has(n)) n++;
    return n;
  }

  /** Admits one transaction (object or encoded bytes); throws ValidationError/MempoolError/DecodeError. */
  add(input: Transaction | Uint8Array): AddResult {
    const tx = input instanceof Uint8Array ? decodeTx(input, this.registry) : input;
    this.precheck(tx);
    if (!ed25519.verify(tx.signature, txSigningMessage(tx), tx.from)) {
      throw new ValidationError('bad-txns-signature', `signature of ${toDisplayHex(txid(tx))} does not verify`);
    }
    return this.insert(tx);
  }

  /**
   * Admits many transactions with ONE batch signature verification. Returns per-item
   * results: the AddResult or the error that refused it.
   */
  addMany(inputs: (Transaction | Uint8Array)[]): (AddResult | Error)[] {
    const out: (AddResult | Error)[] = new Array(inputs.length);
    const pending: { i: number; tx: Transaction }[] = [];
    inputs.forEach((input, i) => {
      try {
        const tx = input instanceof Uint8Array ? decodeTx(input, this.registry) : input;
        this.precheck(tx);
        pending.push({ i, tx });
      } catch (e) {
        out[i] = e as Error;
      }
    });
    const items = pending.map(({ tx }) => ({ signature: tx.signature, message: txSigningMessage(tx), publicKey: tx.from }));
    const ok: boolean[] = items.length === 0 ? [] : ed25519.verifyBatch(items) ? items.map(() => true) : ed25519.verifyBatchDetailed(items);
    // Nonce order per sender, so that a batch of one sender's chain is admitted whole.
    const order = pending.map((p, k) => ({ ...p, k })).sort((a, b) => a.tx.nonce - b.tx.nonce);
    for (const { i, tx, k } of order) {
      try {
        if (!ok[k]) throw new ValidationError('bad-txns-signature', `signature of ${toDisplayHex(txid(tx))} does not verify`);
        out[i] = this.insert(tx);
      } catch (e) {
        out[i] = e as Error;
      }
    }
    return out;
  }

  /** Stateless consensus checks plus fee policy (everything but the signature). */
  private precheck(tx: Transaction): void {
    const spec = this.registry.spec(tx.kind);
    if (!spec || spec.reward || spec.system || spec.relay === false) throw new ValidationError('bad-txns-kind', `kind ${spec?.name ?? tx.kind} is not relayed; a coinbase belongs in a block`);
    checkTransaction(tx, this.chain.params, this.registry);
    const size = encodeTx(tx).length;
    if (tx.fee < this.minFeeRate * BigInt(size)) {
      throw new MempoolError('min-fee-not-met', `fee ${tx.fee} is below the minimum ${this.minFeeRate * BigInt(size)} (${this.minFeeRate} per byte x ${size} bytes)`);
    }
  }

  /** Stateful admission: nonce window, replacement, pending balance, byte cap. */
  private insert(tx: Transaction): AddResult {
    const id = txid(tx);
    const key = toHex(id);
    if (this.byId.has(key)) throw new MempoolError('txn-already-in-mempool', `transaction ${toDisplayHex(id)} is already pending`);
    for (const m of this.registry.admitters) {
      if (!this.chain.state) throw new MempoolError('mempool-no-state', `module ${m.name} has an access rule, and this mempool's chain exposes no state to check it on`);
      m.admit!(this.chain.state, tx);
    }
    const from = toHex(tx.from);
    const account = this.chain.getAccount(tx.from);
    if (tx.nonce < account.nonce) throw new ValidationError('bad-txns-nonce', `nonce ${tx.nonce} is already used; the sender's next nonce is ${account.nonce}`);
    if (tx.nonce > account.nonce + this.maxNonceGap) {
      throw new MempoolError('mempool-nonce-gap', `nonce ${tx.nonce} is more than ${this.maxNonceGap} above the sender's next nonce ${account.nonce}`);
    }
    const mine = this.bySender.get(from);
    const old = mine?.get(tx.nonce);
    if (old) {
      const need = old.tx.fee + (old.tx.fee * this.bump + 99n) / 100n;
      if (tx.fee < need || tx.fee <= old.tx.fee) {
        throw new MempoolError('mempool-rbf-fee-too-low', `replacing ${toDisplayHex(old.id)} needs a fee of at least ${need > old.tx.fee ? need : old.tx.fee + 1n}, got ${tx.fee}`);
      }
    }
    let pendingCost = 0n;
    if (mine) for (const e of mine.values()) if (e !== old) pendingCost += this.cost(e.tx);
    if (pendingCost + this.cost(tx) > account.balance) {
      throw new MempoolError(
        'mempool-insufficient-funds',
        `balance ${account.balance} does not cover ${this.cost(tx)} plus ${pendingCost} already pending from this sender`,
      );
    }
    if (old) this.removeEntry(old);
    const entry: MempoolEntry = { tx, id, key, size: encodeTx(tx).length, from, time: Date.now() };
    this.byId.set(key, entry);
    this.rev++;
    let m = this.bySender.get(from);
    if (!m) this.bySender.set(from, (m = new Map()));
    m.set(tx.nonce, entry);
    this.totalBytes += entry.size;
    const evicted = this.trim();
    if (evicted.some((e) => e === entry)) {
      throw new MempoolError('mempool-full', `the mempool is full (${this.maxBytes} bytes) and this fee rate is the lowest`);
    }
    return { txid: id, replaced: old?.id, evicted: evicted.map((e) => e.id) };
  }

  /**
   * Evicts the lowest fee rate among each sender's last (highest-nonce) transaction, so an
   * eviction never leaves a later nonce without its predecessor.
   */
  private trim(): MempoolEntry[] {
    const evicted: MempoolEntry[] = [];
    while (this.totalBytes > this.maxBytes && this.byId.size) {
      let worst: MempoolEntry | undefined;
      for (const m of this.bySender.values()) {
        let last: MempoolEntry | undefined;
        for (const e of m.values()) if (!last || e.tx.nonce > last.tx.nonce) last = e;
        if (last && (!worst || compareRate(last, worst) < 0)) worst = last;
      }
      this.removeEntry(worst!);
      evicted.push(worst!);
    }
    return evicted;
  }

  private removeEntry(e: MempoolEntry): void {
    if (!this.byId.delete(e.key)) return;
    this.rev++;
    this.totalBytes -= e.size;
    const m = this.bySender.get(e.from);
    if (m) {
      m.delete(e.tx.nonce);
      if (m.size === 0) this.bySender.delete(e.from);
    }
  }

  remove(id: Uint8Array): boolean {
    const e = this.byId.get(toHex(id));
    if (e) this.removeEntry(e);
    return !!e;
  }

  clear(): void {
    this.rev++;
    this.byId.clear();
    this.bySender.clear();
    this.totalBytes = 0;
  }

  /**
   * Picks transactions for a block, best fee rate first, at most `maxBytes` in total. A
   * sender's transactions are taken in nonce order starting at the account's nonce, and
   * never beyond the sender's balance, so the selection always applies cleanly.
   */
  select(maxBytes: number): Transaction[] {
    type Lane = { queue: MempoolEntry[]; pos: number; balance: bigint };
    const lanes: Lane[] = [];
    for (const m of this.bySender.values()) {
      const first = m.values().next().value as MempoolEntry;
      const acct = this.chain.getAccount(first.tx.from);
      const queue: MempoolEntry[] = [];
      for (let n = acct.nonce; m.has(n); n++) queue.push(m.get(n)!);
      if (queue.length) lanes.push({ queue, pos: 0, balance: acct.balance });
    }
    // Binary max-heap of lanes keyed by the fee rate of each lane's next transaction.
    const heap: Lane[] = [];
    const better = (a: Lane, b: Lane) => compareRate(a.queue[a.pos], b.queue[b.pos]) > 0;
    const push = (l: Lane) => {
      heap.push(l);
      for (let i = heap.length - 1; i > 0; ) {
        const p = (i - 1) >> 1;
        if (!better(heap[i], heap[p])) break;
        [heap[i], heap[p]] = [heap[p], heap[i]];
        i = p;
      }
    };
    const pop = (): Lane => {
      const top = heap[0];
      const last = heap.pop()!;
      if (heap.length) {
        heap[0] = last;
        for (let i = 0; ; ) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < heap.length && better(heap[l], heap[m])) m = l;
          if (r < heap.length && better(heap[r], heap[m])) m = r;
          if (m === i) break;
          [heap[i], heap[m]] = [heap[m], heap[i]];
          i = m;
        }
      }
      return top;
    };
    for (const l of lanes) push(l);
    const out: Transaction[] = [];
    let bytes = 0;
    while (heap.length) {
      const lane = pop();
      const e = lane.queue[lane.pos];
      const cost = this.cost(e.tx);
      if (bytes + e.size > maxBytes || cost > lane.balance) continue; // the rest of this lane depends on it
      out.push(e.tx);
      bytes += e.size;
      lane.balance -= cost;
      lane.pos++;
      if (lane.pos < lane.queue.length) push(lane);
    }
    return out;
  }

  /**
   * Follows an active-chain change: drops what the new blocks included or made invalid,
   * and brings back the transactions of disconnected blocks (a reorg) that are still valid.
   * Call it with the `disconnected`/`connected` lists of AddBlockResult or TipChangeEvent.
   */
  update(change: { disconnected: readonly Block[]; connected: readonly Block[] }): void {
    const included = new Set<string>();
    for (const b of change.connected) for (const tx of b.txs) included.add(toHex(txid(tx)));
    const back: Transaction[] = [];
    const reward = this.registry.rewardKind.kind;
    for (const b of change.disconnected) for (const tx of b.txs) if (tx.kind !== reward && !included.has(toHex(txid(tx)))) back.push(tx);
    const keep = [...this.byId.values()].filter((e) => !included.has(e.key)).map((e) => e.tx);
    this.clear();
    // Signatures of both groups were verified before (in a block or at admission).
    const all = [...back, ...keep].sort((a, b) => a.nonce - b.nonce);
    for (const tx of all) {
      try {
        this.precheck(tx);
        this.insert(tx);
      } catch {
        // Now invalid (nonce used, funds spent elsewhere) or under the new policy: dropped.
      }
    }
  }
}
