// Transactions: an account-model transfer signed with Ed25519 over its canonical encoding.
//
// Encoding v1 (all integers little-endian; varint = Bitcoin CompactSize, shortest form):
//   version u8 (=1) | chainId u32 | kind u8 | from 32 | to 32 | amount u64 | fee u64 |
//   nonce varint (<= 2^53-1) | payload varint-length + bytes (<= MAX_PAYLOAD) | signature 64
// The signature covers  TX_SIGN_DOMAIN || encoding-without-signature, so a signature can
// never be replayed as a signature over another kind of message (domain separation), and
// the chain id inside the encoding keeps it from being replayed on another chain.
// txid = sha256d(full encoding, signature included): the merkle root then commits to the
// signatures, and since verification requires S < L (ZIP215) a third party cannot
// re-encode S to change a txid.
import { sha256Batch, sha256d } from '../hash/index.js';
import { ed25519 } from '../sig/index.js';
import { Reader, Writer } from './codec.js';
import { DecodeError } from './errors.js';

export const TX_VERSION = 1;
export const TxKind = { Coinbase: 0, Transfer: 1 } as const;
export type TxKind = (typeof TxKind)[keyof typeof TxKind];

/** Largest payload the encoding admits; chain params may set a lower consensus limit. */
export const MAX_PAYLOAD = 16 * 1024;
/** Size of a transaction with an empty payload. */
export const TX_BASE_SIZE = 1 + 4 + 1 + 32 + 32 + 8 + 8 + 1 + 1 + 64;
export const MAX_TX_SIZE = TX_BASE_SIZE - 2 + 9 + 3 + MAX_PAYLOAD;
export const MAX_TX_NONCE = Number.MAX_SAFE_INTEGER;

/** ASCII "hashlane/tx/v1" + NUL: prefixed to the signed bytes. */
export const TX_SIGN_DOMAIN = new TextEncoder().encode('hashlane/tx/v1\0');

export interface Transaction {
  version: number;
  chainId: number;
  kind: TxKind;
  /** Sender's Ed25519 public key (32 zero bytes for a coinbase). */
  from: Uint8Array;
  /** Recipient's Ed25519 public key. */
  to: Uint8Array;
  amount: bigint;
  fee: bigint;
  /** Sender's account nonce; for a coinbase, the block height (makes each coinbase unique). */
  nonce: number;
  payload: Uint8Array;
  /** 64-byte Ed25519 signature (zeros for a coinbase). */
  signature: Uint8Array;
}

export type UnsignedTransaction = Omit<Transaction, 'signature' | 'version'> & { version?: number };

// Transactions are treated as immutable values: their encoding and txid are cached by
// identity. Build a new object instead of mutating one that was encoded.
const encCache = new WeakMap<Transaction, Uint8Array>();
const idCache = new WeakMap<Transaction, Uint8Array>();

function writeBody(w: Writer, tx: UnsignedTransaction): void {
  w.u8(tx.version ?? TX_VERSION, 'tx.version')
    .u32(tx.chainId, 'tx.chainId')
    .u8(tx.kind, 'tx.kind')
    .fixed(tx.from, 32, 'tx.from')
    .fixed(tx.to, 32, 'tx.to')
    .u64(tx.amount, 'tx.amount')
    .u64(tx.fee, 'tx.fee')
    .varint(tx.nonce, 'tx.nonce')
    .varbytes(tx.payload, MAX_PAYLOAD, 'tx.payload');
}

/** Canonical encoding (cached per object). */
export function encodeTx(tx: Transaction): Uint8Array {
  let enc = encCache.get(tx);
  if (enc) return enc;
  const w = new Writer(TX_BASE_SIZE + tx.payload.length + 8);
  writeBody(w, tx);
  w.fixed(tx.signature, 64, 'tx.signature');
  enc = w.finish();
  encCache.set(tx, enc);
  return enc;
}

/** The bytes an Ed25519 signature covers: domain prefix || encoding without signature. */
export function txSigningMessage(tx: UnsignedTransaction | Transaction): Uint8Array {
  const cached = encCache.get(tx as Transaction);
  if (cached) {
    const msg = new Uint8Array(TX_SIGN_DOMAIN.length + cached.length - 64);
    msg.set(TX_SIGN_DOMAIN);
    msg.set(cached.subarray(0, cached.length - 64), TX_SIGN_DOMAIN.length);
    return msg;
  }
  const w = new Writer(TX_SIGN_DOMAIN.length + TX_BASE_SIZE + tx.payload.length);
  w.raw(TX_SIGN_DOMAIN);
  writeBody(w, tx);
  return w.finish();
}

/** Reads one transaction from `r` (used by block decoding). */
export function readTx(r: Reader): Transaction {
  const start = r.offset;
  const version = r.u8('tx.version');
  if (version !== TX_VERSION) throw new DecodeError('decode-bad-version', `${r.what}: transaction version ${version} at offset ${start}, expected ${TX_VERSION}`);
  const chainId = r.u32('tx.chainId');
  const kind = r.u8('tx.kind');
  if (kind !== TxKind.Coinbase && kind !== TxKind.Transfer) {
    throw new DecodeError('decode-bad-kind', `${r.what}: transaction kind ${kind} at offset ${start + 5}, expected 0 (coinbase) or 1 (transfer)`);
  }
  // Fields are read as offsets, then become views into ONE copy of the transaction's bytes
  // (which is also its cached encoding): one allocation per transaction instead of five.
  const from = r.offset;
  r.view_(64, 'tx.from/to');
  const amount = r.u64('tx.amount');
  const fee = r.u64('tx.fee');
  const nonce = r.varint('tx.nonce', MAX_TX_NONCE);
  const payloadLength = r.varint('tx.payload length', MAX_PAYLOAD);
  const payload = r.offset;
  r.view_(payloadLength + 64, 'tx.payload/signature');
  const raw = r.bytes.slice(start, r.offset);
  const at = (o: number, n: number) => raw.subarray(o - start, o - start + n);
  const tx: Transaction = {
    version,
    chainId,
    kind: kind as TxKind,
    from: at(from, 32),
    to: at(from + 32, 32),
    amount,
    fee,
    nonce,
    payload: at(payload, payloadLength),
    signature: at(payload + payloadLength, 64),
  };
  encCache.set(tx, raw);
  return tx;
}

/** Decodes exactly one transaction; trailing bytes are an error. */
export function decodeTx(bytes: Uint8Array): Transaction {
  if (bytes instanceof Uint8Array && bytes.length > MAX_TX_SIZE) {
    throw new DecodeError('decode-oversize', `transaction is ${bytes.length} bytes, at most ${MAX_TX_SIZE} allowed`);
  }
  const r = new Reader(bytes, 'transaction');
  const tx = readTx(r);
  r.end();
  return tx;
}

/** txid = sha256d(encoding), internal byte order (show with toDisplayHex). */
export function txid(tx: Transaction): Uint8Array {
  let id = idCache.get(tx);
  if (!id) {
    id = sha256d(encodeTx(tx));
    idCache.set(tx, id);
  }
  return id;
}

/**
 * The txids of many transactions, packed (N x 32, internal order), in two batch calls of
 * the hash engine per distinct encoding length (transfers without payload share one
 * length) instead of one call per transaction.
 */
export function txids(txs: readonly Transaction[]): Uint8Array {
  const n = txs.length;
  const out = new Uint8Array(n * 32);
  let cached = 0;
  for (let i = 0; i < n; i++) {
    const id = idCache.get(txs[i]);
    if (!id) break;
    out.set(id, i * 32);
    cached++;
  }
  if (cached === n) return out;
  const groups = new Map<number, number[]>();
  const encs: Uint8Array[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const e = (encs[i] = encodeTx(txs[i]));
    let g = groups.get(e.length);
    if (!g) groups.set(e.length, (g = []));
    g.push(i);
  }
  const first = new Uint8Array(n * 32);
  for (const [len, idx] of groups) {
    const packed = new Uint8Array(idx.length * len);
    for (let k = 0; k < idx.length; k++) packed.set(encs[idx[k]], k * len);
    const digests = sha256Batch(packed, len);
    for (let k = 0; k < idx.length; k++) first.set(digests.subarray(k * 32, k * 32 + 32), idx[k] * 32);
  }
  const ids = sha256Batch(first, 32);
  out.set(ids);
  for (let i = 0; i < n; i++) idCache.set(txs[i], ids.slice(i * 32, i * 32 + 32));
  return out;
}

export function txSize(tx: Transaction): number {
  return encodeTx(tx).length;
}

/** Signs an unsigned transaction with the sender's 32-byte Ed25519 secret key. */
export function signTx(unsigned: UnsignedTransaction, secretKey: Uint8Array): Transaction {
  const signature = ed25519.sign(txSigningMessage(unsigned), secretKey);
  return { ...unsigned, version: unsigned.version ?? TX_VERSION, signature };
}

/** Convenience: a signed transfer from the key holder of `secretKey`. */
export function createTransfer(
  args: { chainId: number; to: Uint8Array; amount: bigint; fee: bigint; nonce: number; payload?: Uint8Array },
  secretKey: Uint8Array,
): Transaction {
  return signTx(
    {
      chainId: args.chainId,
      kind: TxKind.Transfer,
      from: ed25519.getPublicKey(secretKey),
      to: args.to,
      amount: args.amount,
      fee: args.fee,
      nonce: args.nonce,
      payload: args.payload ?? new Uint8Array(0),
    },
    secretKey,
  );
}

/** The coinbase of the block at `height`: pays `amount` (reward + fees) to `to`. */
export function createCoinbase(chainId: number, height: number, to: Uint8Array, amount: bigint, payload: Uint8Array = new Uint8Array(0)): Transaction {
  return {
    version: TX_VERSION,
    chainId,
    kind: TxKind.Coinbase,
    from: new Uint8Array(32),
    to,
    amount,
    fee: 0n,
    nonce: height,
    payload,
    signature: new Uint8Array(64),
  };
}
