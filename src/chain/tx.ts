// Transactions: one envelope for every kind, with a typed body whose codec the kind's
// module registers (src/chain/modules/<name>/).
//
// Envelope v2 (integers little-endian; varint = Bitcoin CompactSize, shortest form):
//   version u8 (=2) | chainId u32 | kind u8 | from 32 | nonce varint (<= 2^53-1) |
//   fee u64 | body varint-length + bytes (<= MAX_BODY, the kind's codec) | signature 64
// The signature covers  TX_SIGN_DOMAIN || encoding-without-signature, so it can never be
// replayed as a signature over another kind of message (domain separation; the kind byte
// is inside), and the chain id keeps it from being replayed on another chain.
// txid = sha256d(full encoding, signature included): the merkle root then commits to the
// signatures, and since verification requires S < L (ZIP215) a third party cannot
// re-encode S to change a txid. Version 1 (the fixed transfer record) is refused with
// decode-bad-version.
import { sha256Batch, sha256d } from '../hash/index.js';
import { ed25519 } from '../sig/index.js';
import { Reader, Writer } from './codec.js';
import { DecodeError } from './errors.js';
import type { ModuleRegistry } from './module.js';
import { defaultRegistry, TxKind, type CoinbaseBody, type TransferBody } from './modules/index.js';

export { TxKind };
export type { CoinbaseBody, TransferBody };
export type TxKindId = number;

export const TX_VERSION = 2;
/** Largest transaction payload a transfer body admits; chain params may set a lower consensus limit. */
export const MAX_PAYLOAD = 16 * 1024;
/** Largest body any kind may encode. */
export const MAX_BODY = 64 * 1024;
/** Envelope bytes around the body: version, chain id, kind, from, 1-byte nonce, fee, 1-byte body length, signature. */
export const TX_ENVELOPE_SIZE = 1 + 4 + 1 + 32 + 1 + 8 + 1 + 64;
/** Size of a transfer with an empty payload (the smallest transaction of the built-in kinds). */
export const TX_BASE_SIZE = TX_ENVELOPE_SIZE + 32 + 8 + 1;
export const MAX_TX_SIZE = TX_ENVELOPE_SIZE - 2 + 9 + 5 + MAX_BODY;
export const MAX_TX_NONCE = Number.MAX_SAFE_INTEGER;

/** ASCII "hashlane/tx/v2" + NUL: prefixed to the signed bytes. */
export const TX_SIGN_DOMAIN = new TextEncoder().encode('hashlane/tx/v2\0');

export interface Transaction<B = unknown> {
  version: number;
  chainId: number;
  kind: number;
  /** Sender's Ed25519 public key (32 zero bytes for the block-reward kind). */
  from: Uint8Array;
  /** Sender's account nonce; for a coinbase, the block height (makes each coinbase unique). */
  nonce: number;
  fee: bigint;
  /** The kind's typed body (its module's codec). */
  body: B;
  /** 64-byte Ed25519 signature (zeros for a coinbase). */
  signature: Uint8Array;
}

export type UnsignedTransaction<B = unknown> = Omit<Transaction<B>, 'signature' | 'version'> & { version?: number };

// Transactions are treated as immutable values: their encoding and txid are cached by
// identity. Build a new object instead of mutating one that was encoded.
const encCache = new WeakMap<object, Uint8Array>();
const idCache = new WeakMap<object, Uint8Array>();

function writeEnvelope(w: Writer, tx: UnsignedTransaction, registry: ModuleRegistry): void {
  const spec = registry.spec(tx.kind);
  if (!spec) throw new DecodeError('decode-bad-kind', `transaction kind ${tx.kind} is not registered by any module`);
  const body = new Writer(64);
  spec.codec.write(body, tx.body as never);
  w.u8(tx.version ?? TX_VERSION, 'tx.version')
    .u32(tx.chainId, 'tx.chainId')
    .u8(tx.kind, 'tx.kind')
    .fixed(tx.from, 32, 'tx.from')
    .varint(tx.nonce, 'tx.nonce')
    .u64(tx.fee, 'tx.fee')
    .varbytes(body.finish(), MAX_BODY, 'tx.body');
}

/** Canonical encoding (cached per object). */
export function encodeTx(tx: Transaction, registry: ModuleRegistry = defaultRegistry): Uint8Array {
  let enc = encCache.get(tx);
  if (enc) return enc;
  const w = new Writer(TX_BASE_SIZE + 64);
  writeEnvelope(w, tx, registry);
  w.fixed(tx.signature, 64, 'tx.signature');
  enc = w.finish();
  encCache.set(tx, enc);
  return enc;
}

/** The bytes an Ed25519 signature covers: domain prefix || encoding without signature. */
export function txSigningMessage(tx: UnsignedTransaction | Transaction, registry: ModuleRegistry = defaultRegistry): Uint8Array {
  const cached = encCache.get(tx);
  if (cached) {
    const msg = new Uint8Array(TX_SIGN_DOMAIN.length + cached.length - 64);
    msg.set(TX_SIGN_DOMAIN);
    msg.set(cached.subarray(0, cached.length - 64), TX_SIGN_DOMAIN.length);
    return msg;
  }
  const w = new Writer(TX_SIGN_DOMAIN.length + TX_BASE_SIZE + 64);
  w.raw(TX_SIGN_DOMAIN);
  writeEnvelope(w, tx, registry);
  return w.finish();
}

/** Reads one transaction from `r` (used by block decoding); the body by its kind's codec. */
export function readTx(r: Reader, registry: ModuleRegistry = defaultRegistry): Transaction {
  const start = r.offset;
  const version = r.u8('tx.version');
  if (version !== TX_VERSION) throw new DecodeError('decode-bad-version', `${r.what}: transaction version ${version} at offset ${start}, expected ${TX_VERSION}`);
  const chainId = r.u32('tx.chainId');
  const kind = r.u8('tx.kind');
  const spec = registry.spec(kind);
  if (!spec) {
    const known = registry.kinds.map((k) => `${k.kind} (${k.name})`).join(', ');
    throw new DecodeError('decode-bad-kind', `${r.what}: transaction kind ${kind} at offset ${start + 5} is not registered; known kinds: ${known}`);
  }
  const fromAt = r.offset;
  r.view_(32, 'tx.from');
  const nonce = r.varint('tx.nonce', MAX_TX_NONCE);
  const fee = r.u64('tx.fee');
  const bodyLength = r.varint('tx.body length', MAX_BODY);
  const bodyAt = r.offset;
  r.view_(bodyLength + 64, 'tx.body/signature');
  // One copy of the transaction's bytes (also its cached encoding); fields are views into it.
  const raw = r.bytes.slice(start, r.offset);
  const at = (o: number, n: number) => raw.subarray(o - start, o - start + n);
  const br = new Reader(at(bodyAt, bodyLength), `${r.what} ${spec.name} body`);
  const body = spec.codec.read(br);
  br.end();
  const tx: Transaction = { version, chainId, kind, from: at(fromAt, 32), nonce, fee, body, signature: at(bodyAt + bodyLength, 64) };
  encCache.set(tx, raw);
  return tx;
}

/** Decodes exactly one transaction; trailing bytes are an error. */
export function decodeTx(bytes: Uint8Array, registry: ModuleRegistry = defaultRegistry): Transaction {
  if (bytes instanceof Uint8Array && bytes.length > MAX_TX_SIZE) {
    throw new DecodeError('decode-oversize', `transaction is ${bytes.length} bytes, at most ${MAX_TX_SIZE} allowed`);
  }
  const r = new Reader(bytes, 'transaction');
  const tx = readTx(r, registry);
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
export function signTx<B>(unsigned: UnsignedTransaction<B>, secretKey: Uint8Array, registry: ModuleRegistry = defaultRegistry): Transaction<B> {
  const signature = ed25519.sign(txSigningMessage(unsigned as UnsignedTransaction, registry), secretKey);
  const tx = { ...unsigned, version: unsigned.version ?? TX_VERSION, signature };
  encodeTx(tx as Transaction, registry); // cached: later calls need no registry
  return tx;
}

/** Convenience: a signed transfer from the key holder of `secretKey`. */
export function createTransfer(
  args: { chainId: number; to: Uint8Array; amount: bigint; fee: bigint; nonce: number; payload?: Uint8Array },
  secretKey: Uint8Array,
): Transaction<TransferBody> {
  return signTx<TransferBody>(
    {
      chainId: args.chainId,
      kind: TxKind.Transfer,
      from: ed25519.getPublicKey(secretKey),
      nonce: args.nonce,
      fee: args.fee,
      body: { to: args.to, amount: args.amount, payload: args.payload ?? new Uint8Array(0) },
    },
    secretKey,
  );
}

const ZERO32 = new Uint8Array(32);

/**
 * The coinbase of the block at `height`: pays `amount` (reward + fees) to `to`, and commits
 * the state and receipts roots after the block (zeros until the template fills them in).
 */
export function createCoinbase(
  chainId: number,
  height: number,
  to: Uint8Array,
  amount: bigint,
  payload: Uint8Array = new Uint8Array(0),
  roots: { stateRoot: Uint8Array; receiptsRoot: Uint8Array } = { stateRoot: ZERO32, receiptsRoot: ZERO32 },
): Transaction<CoinbaseBody> {
  return {
    version: TX_VERSION,
    chainId,
    kind: TxKind.Coinbase,
    from: new Uint8Array(32),
    nonce: height,
    fee: 0n,
    body: { to, amount, stateRoot: roots.stateRoot, receiptsRoot: roots.receiptsRoot, payload },
    signature: new Uint8Array(64),
  };
}

/** The same coinbase with the given roots committed (a new object: encodings are cached). */
export function withRoots(cb: Transaction<CoinbaseBody>, roots: { stateRoot: Uint8Array; receiptsRoot: Uint8Array }): Transaction<CoinbaseBody> {
  return { ...cb, body: { ...cb.body, stateRoot: roots.stateRoot, receiptsRoot: roots.receiptsRoot } };
}
