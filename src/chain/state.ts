// Account state (balance and nonce per Ed25519 public key) with per-block apply and undo.
// `applyBlock` is all-or-nothing: on the first failing transaction it restores every
// account it touched and throws, so the state never holds half a block.
import { Reader, Writer } from './codec.js';
import type { Block } from './block.js';
import type { Consensus } from './consensus.js';
import { ValidationError } from './errors.js';
import { binKey, fromBinKey, toDisplayHex } from './hex.js';
import { MAX_MONEY } from './params.js';
import { txid } from './tx.js';

export interface Account {
  balance: bigint;
  nonce: number;
}

/** A touched account and its value before the block (null: did not exist). */
export interface UndoEntry {
  /** binKey(publicKey) */
  key: string;
  prev: Account | null;
}

export interface BlockUndo {
  entries: UndoEntry[];
}

/** Read access to accounts, as the mempool and template builder need it. */
export interface AccountView {
  getAccount(publicKey: Uint8Array): Account;
}

const EMPTY: Readonly<Account> = Object.freeze({ balance: 0n, nonce: 0 });

/** In-memory account map keyed by binKey(publicKey). */
export class AccountState implements AccountView {
  readonly accounts = new Map<string, Account>();

  getAccount(publicKey: Uint8Array): Account {
    const a = this.accounts.get(binKey(publicKey));
    return a ? { ...a } : { ...EMPTY };
  }

  getByKey(key: string): Account | undefined {
    return this.accounts.get(key);
  }

  get size(): number {
    return this.accounts.size;
  }
}

export interface ApplyResult {
  undo: BlockUndo;
  fees: bigint;
  /** Keys (binKey) of the accounts whose value changed. */
  changed: string[];
}

/**
 * Applies a block's transactions at `height`: transfer nonces must equal the sender's
 * nonce (bad-txns-nonce), balances must cover amount + fee (bad-txns-insufficient-funds),
 * no balance may exceed MAX_MONEY (bad-txns-balance-overflow), and the coinbase may claim
 * at most reward + fees (bad-cb-amount). With `genesis`, coinbase-kind transactions just
 * credit (premine) and nothing is checked.
 */
export function applyBlock(state: AccountState, block: Block, height: number, consensus: Consensus, genesis = false): ApplyResult {
  const map = state.accounts;
  const undo: UndoEntry[] = [];
  const touched = new Set<string>();
  const touch = (key: string): Account => {
    let a = map.get(key);
    if (!touched.has(key)) {
      touched.add(key);
      undo.push({ key, prev: a ? { ...a } : null });
    }
    if (!a) {
      a = { balance: 0n, nonce: 0 };
      map.set(key, a);
    }
    return a;
  };
  const rollback = () => undoBlock(state, { entries: undo });
  let fees = 0n;
  try {
    const txs = block.txs;
    for (let i = genesis ? 0 : 1; i < txs.length; i++) {
      const tx = txs[i];
      if (genesis) {
        if (tx.amount === 0n) continue;
        const to = touch(binKey(tx.to));
        to.balance += tx.amount;
        continue;
      }
      const from = touch(binKey(tx.from));
      if (tx.nonce !== from.nonce) {
        throw new ValidationError('bad-txns-nonce', `transaction ${toDisplayHex(txid(tx))} has nonce ${tx.nonce}, the sender's next nonce is ${from.nonce}`);
      }
      const cost = tx.amount + tx.fee;
      if (from.balance < cost) {
        throw new ValidationError('bad-txns-insufficient-funds', `transaction ${toDisplayHex(txid(tx))} spends ${cost}, the sender has ${from.balance}`);
      }
      from.balance -= cost;
      from.nonce += 1;
      const to = touch(binKey(tx.to));
      if (to.balance + tx.amount > MAX_MONEY) {
        throw new ValidationError('bad-txns-balance-overflow', `crediting ${tx.amount} would take the recipient above MAX_MONEY`);
      }
      to.balance += tx.amount;
      fees += tx.fee;
    }
    if (!genesis) {
      const cb = txs[0];
      const allowed = consensus.blockReward(height) + fees;
      if (cb.amount > allowed) throw new ValidationError('bad-cb-amount', `coinbase pays ${cb.amount}, at most reward + fees = ${allowed} allowed`);
      const miner = touch(binKey(cb.to));
      if (miner.balance + cb.amount > MAX_MONEY) throw new ValidationError('bad-txns-balance-overflow', 'the coinbase would take the miner above MAX_MONEY');
      miner.balance += cb.amount;
    }
  } catch (e) {
    rollback();
    throw e;
  }
  return { undo: { entries: undo }, fees, changed: [...touched] };
}

/** Restores the accounts a block touched, in reverse order. */
export function undoBlock(state: AccountState, undo: BlockUndo): void {
  for (let i = undo.entries.length - 1; i >= 0; i--) {
    const { key, prev } = undo.entries[i];
    if (prev) state.accounts.set(key, { ...prev });
    else state.accounts.delete(key);
  }
}

// Storage encodings of accounts and undo records.
export function encodeAccount(a: Account): Uint8Array {
  return new Writer(20).u64(a.balance, 'account.balance').varint(a.nonce, 'account.nonce').finish();
}

export function decodeAccount(bytes: Uint8Array): Account {
  const r = new Reader(bytes, 'account');
  const a = { balance: r.u64('account.balance'), nonce: r.varint('account.nonce', Number.MAX_SAFE_INTEGER) };
  r.end();
  return a;
}

export function encodeUndo(undo: BlockUndo): Uint8Array {
  const w = new Writer(64 + undo.entries.length * 50);
  w.varint(undo.entries.length, 'undo.count');
  for (const e of undo.entries) {
    w.fixed(fromBinKey(e.key), 32, 'undo.key');
    if (e.prev) w.u8(1, 'undo.exists').u64(e.prev.balance, 'undo.balance').varint(e.prev.nonce, 'undo.nonce');
    else w.u8(0, 'undo.exists');
  }
  return w.finish();
}

export function decodeUndo(bytes: Uint8Array): BlockUndo {
  const r = new Reader(bytes, 'undo');
  const n = r.varint('undo.count', Math.floor(bytes.length / 33));
  const entries: UndoEntry[] = [];
  for (let i = 0; i < n; i++) {
    const key = binKey(r.view_(32, 'undo.key'));
    const exists = r.u8('undo.exists');
    entries.push({ key, prev: exists ? { balance: r.u64('undo.balance'), nonce: r.varint('undo.nonce', Number.MAX_SAFE_INTEGER) } : null });
  }
  r.end();
  return { entries };
}

