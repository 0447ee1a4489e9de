// The bank module: native-coin accounts (balance and nonce per Ed25519 public key), the
// envelope's nonce and fee (the ante step every signed transaction goes through), the
// transfer kind and the block-reward kind (coinbase). Other modules move coins only
// through its keeper: `transfer`, `mint`, `burn`.
//
// State (namespace "bank"): a/<pubkey 32> -> balance u64 | nonce varint. An account with
// balance 0 and nonce 0 is absent, so every state has exactly one representation.
import { Reader, U64_MAX, Writer } from '../../codec.js';
import { DecodeError, EncodeError, ValidationError } from '../../errors.js';
import { binKey, bytesEqual, fromHex, toHex } from '../../hex.js';
import type { ChainModule, KindSpec, ModuleContext, ModuleStore, RewardContext, StateQuery } from '../../module.js';
import type { ChainParams } from '../../params.js';
import type { Transaction } from '../../tx.js';

/** Kind bytes of the built-in kinds (the envelope's `kind`). */
export const TxKind = { Coinbase: 0, Transfer: 1 } as const;

/** Largest transfer payload the encoding admits (mirrors tx.ts MAX_PAYLOAD; params set the consensus limit). */
const MAX_PAYLOAD = 16 * 1024;
/** Upper bound of any balance or amount (u64 in the encoding). */
const MAX_MONEY = U64_MAX;

export interface Account {
  balance: bigint;
  nonce: number;
}

export interface TransferBody {
  /** Recipient's Ed25519 public key. */
  to: Uint8Array;
  amount: bigint;
  payload: Uint8Array;
}

export interface CoinbaseBody {
  /** Public key the block reward and fees are paid to. */
  to: Uint8Array;
  amount: bigint;
  /** State root after this block (state-root.ts). */
  stateRoot: Uint8Array;
  /** Merkle root over the receipts of the block's other transactions. */
  receiptsRoot: Uint8Array;
  payload: Uint8Array;
}

/** The calls other modules may make. */
export interface BankKeeper {
  account(publicKey: Uint8Array): Account;
  /** Moves `amount` (bad-txns-insufficient-funds / bad-txns-balance-overflow). */
  transfer(from: Uint8Array, to: Uint8Array, amount: bigint): void;
  /** Creates coins (rewards, engine payouts through a module). */
  mint(to: Uint8Array, amount: bigint): void;
  /** Destroys coins. */
  burn(from: Uint8Array, amount: bigint): void;
}

const fail = (reason: string, message: string): never => {
  throw new ValidationError(reason, message);
};

const EMPTY: Readonly<Account> = Object.freeze({ balance: 0n, nonce: 0 });

// "a" + the public key, in the binKey form ModuleStore takes. Cached per key object: a
// transfer's sender is looked up twice (envelope, then body) through the same string,
// whose hash the engine then computes once.
const keyCache = new WeakMap<Uint8Array, string>();
function accountKey(pk: Uint8Array): string {
  let k = keyCache.get(pk);
  if (k === undefined) keyCache.set(pk, (k = 'a' + binKey(pk)));
  return k;
}

// Accounts are read and written three times per transfer: a fixed 8-byte balance and a
// CompactSize nonce through one scratch view instead of a Writer/Reader each time.
const scratch = new DataView(new ArrayBuffer(8));

export function encodeAccount(a: Account): Uint8Array {
  if (a.balance < 0n || a.balance > MAX_MONEY) throw new EncodeError('encode-range', `account.balance must be in [0, 2^64), got ${a.balance}`);
  if (a.nonce < 0xfd) {
    const out = new Uint8Array(9);
    scratch.setBigUint64(0, a.balance, true);
    for (let i = 0; i < 8; i++) out[i] = scratch.getUint8(i);
    out[8] = a.nonce;
    return out;
  }
  return new Writer(17).u64(a.balance, 'account.balance').varint(a.nonce, 'account.nonce').finish();
}

export function decodeAccount(bytes: Uint8Array): Account {
  if (bytes.length === 9 && bytes[8] < 0xfd) {
    for (let i = 0; i < 8; i++) scratch.setUint8(i, bytes[i]);
    return { balance: scratch.getBigUint64(0, true), nonce: bytes[8] };
  }
  const r = new Reader(bytes, 'account');
  const a = { balance: r.u64('account.balance'), nonce: r.varint('account.nonce', Number.MAX_SAFE_INTEGER) };
  r.end();
  return a;
}

function readAccount(store: Pick<ModuleStore, 'get'>, pk: Uint8Array): Account {
  const v = store.get(accountKey(pk));
  return v ? decodeAccount(v) : { ...EMPTY };
}

function writeAccount(store: ModuleStore, pk: Uint8Array, a: Account): void {
  store.set(accountKey(pk), a.balance === 0n && a.nonce === 0 ? undefined : encodeAccount(a));
}

function credit(store: ModuleStore, to: Uint8Array, amount: bigint, what: string): void {
  const a = readAccount(store, to);
  if (a.balance + amount > MAX_MONEY) fail('bad-txns-balance-overflow', `${what} would take the recipient above MAX_MONEY`);
  a.balance += amount;
  writeAccount(store, to, a);
}

function move(store: ModuleStore, from: Uint8Array, to: Uint8Array, amount: bigint): void {
  const a = readAccount(store, from);
  if (a.balance < amount) fail('bad-txns-insufficient-funds', `moving ${amount} needs that much; the sender has ${a.balance}`);
  a.balance -= amount;
  writeAccount(store, from, a);
  credit(store, to, amount, `crediting ${amount}`);
}

function keeper(store: ModuleStore): BankKeeper {
  return {
    account: (pk) => readAccount(store, pk),
    transfer: (from, to, amount) => move(store, from, to, amount),
    mint: (to, amount) => credit(store, to, amount, `minting ${amount}`),
    burn(from, amount) {
      const a = readAccount(store, from);
      if (a.balance < amount) fail('bad-txns-insufficient-funds', `burning ${amount}; the account has ${a.balance}`);
      a.balance -= amount;
      writeAccount(store, from, a);
    },
  };
}

function isZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

function hexField(v: unknown, length: number, name: string): Uint8Array {
  if (typeof v !== 'string' || v.length !== length * 2) throw new DecodeError('decode-bad-json', `${name} must be ${length} bytes of hex, got ${JSON.stringify(v)?.slice(0, 80)}`);
  return fromHex(v);
}

function amountField(v: unknown, name: string): bigint {
  if (typeof v !== 'string' || !/^(0|[1-9][0-9]*)$/.test(v)) throw new DecodeError('decode-bad-json', `${name} must be a decimal string, got ${JSON.stringify(v)}`);
  const n = BigInt(v);
  if (n > MAX_MONEY) throw new DecodeError('decode-bad-json', `${name} is above 2^64 - 1`);
  return n;
}

function checkPayload(tx: Transaction<{ payload: Uint8Array }>, params: ChainParams): void {
  if (tx.body.payload.length > params.maxPayloadSize) fail('bad-txns-payload-size', `payload is ${tx.body.payload.length} bytes, at most ${params.maxPayloadSize} allowed`);
}

const transfer: KindSpec<TransferBody> = {
  kind: TxKind.Transfer,
  name: 'transfer',
  codec: {
    write(w, b) {
      w.fixed(b.to, 32, 'transfer.to').u64(b.amount, 'transfer.amount').varbytes(b.payload, MAX_PAYLOAD, 'transfer.payload');
    },
    read(r) {
      return { to: r.view_(32, 'transfer.to'), amount: r.u64('transfer.amount'), payload: r.view_(r.varint('transfer.payload length', MAX_PAYLOAD), 'transfer.payload') };
    },
  },
  check(tx, params) {
    checkPayload(tx, params);
    const { amount } = tx.body;
    if (amount > MAX_MONEY || tx.fee + amount > MAX_MONEY) fail('bad-txns-fee-range', `fee ${tx.fee} plus amount ${amount} outside [0, MAX_MONEY]`);
    if (amount === 0n) fail('bad-txns-amount-zero', 'a transfer must move a positive amount');
    if (bytesEqual(tx.from, tx.body.to)) fail('bad-txns-self-transfer', 'sender and recipient are the same account');
  },
  // The envelope step already took amount + fee from the sender.
  apply(ctx, tx) {
    credit(ctx.store, tx.body.to, tx.body.amount, `crediting ${tx.body.amount}`);
  },
  spend: (tx) => tx.body.amount,
  prepaid: true,
  toJson: (b) => ({ to: toHex(b.to), amount: b.amount.toString(), payload: toHex(b.payload) }),
  fromJson: (j) => ({ to: hexField(j.to, 32, 'to'), amount: amountField(j.amount, 'amount'), payload: fromHex(typeof j.payload === 'string' ? j.payload : '') }),
};

const coinbase: KindSpec<CoinbaseBody> = {
  kind: TxKind.Coinbase,
  name: 'coinbase',
  reward: true,
  relay: false,
  codec: {
    write(w, b) {
      w.fixed(b.to, 32, 'coinbase.to')
        .u64(b.amount, 'coinbase.amount')
        .fixed(b.stateRoot, 32, 'coinbase.stateRoot')
        .fixed(b.receiptsRoot, 32, 'coinbase.receiptsRoot')
        .varbytes(b.payload, MAX_PAYLOAD, 'coinbase.payload');
    },
    read(r) {
      return {
        to: r.view_(32, 'coinbase.to'),
        amount: r.u64('coinbase.amount'),
        stateRoot: r.view_(32, 'coinbase.stateRoot'),
        receiptsRoot: r.view_(32, 'coinbase.receiptsRoot'),
        payload: r.view_(r.varint('coinbase.payload length', MAX_PAYLOAD), 'coinbase.payload'),
      };
    },
  },
  check(tx, params) {
    checkPayload(tx, params);
    if (!isZero(tx.from)) fail('bad-cb-from', 'a coinbase must have an all-zero sender');
    if (tx.fee !== 0n) fail('bad-cb-fee', `a coinbase pays no fee, got ${tx.fee}`);
    if (!isZero(tx.signature)) fail('bad-cb-signature', 'a coinbase carries an all-zero signature');
  },
  apply(ctx, tx) {
    const { reward, fees } = ctx as RewardContext;
    const allowed = reward + fees;
    if (tx.body.amount > allowed) fail('bad-cb-amount', `coinbase pays ${tx.body.amount}, at most reward + fees = ${allowed} allowed`);
    credit(ctx.store, tx.body.to, tx.body.amount, 'the coinbase');
  },
  toJson: (b) => ({
    to: toHex(b.to),
    amount: b.amount.toString(),
    payload: toHex(b.payload),
    stateRoot: toHex(b.stateRoot),
    receiptsRoot: toHex(b.receiptsRoot),
  }),
  fromJson: (j) => ({
    to: hexField(j.to, 32, 'to'),
    amount: amountField(j.amount, 'amount'),
    payload: fromHex(typeof j.payload === 'string' ? j.payload : ''),
    stateRoot: j.stateRoot === undefined ? new Uint8Array(32) : hexField(j.stateRoot, 32, 'stateRoot'),
    receiptsRoot: j.receiptsRoot === undefined ? new Uint8Array(32) : hexField(j.receiptsRoot, 32, 'receiptsRoot'),
  }),
};

/** An account through any state query (RPC, mempool). */
export function queryAccount(q: Pick<StateQuery, 'read'>, publicKey: Uint8Array): Account {
  return readAccount({ get: (k) => q.read(bank.namespace, k) }, publicKey);
}

function addressParam(v: unknown): Uint8Array {
  if (v instanceof Uint8Array && v.length === 32) return v;
  if (typeof v === 'string' && /^[0-9a-fA-F]{64}$/.test(v)) return fromHex(v);
  throw new DecodeError('decode-bad-json', `address must be a 32-byte Ed25519 public key (64 hex digits), got ${v instanceof Uint8Array ? `${v.length} bytes` : JSON.stringify(v)?.slice(0, 80)}`);
}

export const bank: ChainModule<BankKeeper> = {
  name: 'bank',
  namespace: 'bank',
  kinds: [coinbase, transfer] as unknown as readonly KindSpec<never>[],
  // Genesis section: the premine of the params (the genesis block lists it as coinbase-kind
  // transactions for its merkle root; the balances come from here).
  genesis(ctx: ModuleContext) {
    for (const a of ctx.params.premine) credit(ctx.store, a.publicKey, a.amount, 'the premine');
  },
  keeper: (ctx) => keeper(ctx.store),
  ante(ctx, tx, spend, prepaid) {
    const a = readAccount(ctx.store, tx.from);
    if (tx.nonce !== a.nonce) fail('bad-txns-nonce', `transaction from ${toHex(tx.from).slice(0, 16)}... has nonce ${tx.nonce}, the sender's next nonce is ${a.nonce}`);
    // The fee and what the body will spend are checked together, so a transaction that
    // cannot pay for both fails here with one message, as before the module seam.
    const cost = tx.fee + spend;
    if (a.balance < cost) fail('bad-txns-insufficient-funds', `transaction spends ${cost}, the sender has ${a.balance}`);
    a.balance -= prepaid ? cost : tx.fee;
    a.nonce += 1;
    writeAccount(ctx.store, tx.from, a);
  },
  rpc: {
    getbankaccount: {
      description: "getbankaccount address — the bank module's record of an account: balance (decimal string), nonce, and its state key (hex)",
      params: [{ name: 'address', type: 'hex', maxBytes: 32 }],
      handler(q, [addr]) {
        const pk = addressParam(addr);
        const a = queryAccount(q, pk);
        return { balance: a.balance.toString(), nonce: a.nonce, key: toHex(new TextEncoder().encode('bank/a')) + toHex(pk) };
      },
    },
  },
  cli: [
    {
      verb: 'send',
      kind: TxKind.Transfer,
      summary: 'send <address> <amount>: a signed transfer from the wallet key',
      args: [
        { name: 'to', description: "recipient's public key (64 hex digits)", type: 'address' },
        { name: 'amount', description: 'amount in the smallest unit', type: 'amount' },
        { name: 'payload', description: 'optional hex payload', type: 'hex' },
      ],
    },
  ],
};
