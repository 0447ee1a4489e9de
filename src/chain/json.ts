// JSON views for RPC and logs: hashes in display order (reversed, as explorers show them),
// keys/signatures/payloads as hex, amounts as decimal strings (never JSON numbers).
import { blockHash, type Block } from './block.js';
import { DecodeError } from './errors.js';
import { fromHex, toDisplayHex, toHex } from './hex.js';
import type { ModuleRegistry } from './module.js';
import { defaultRegistry } from './modules/index.js';
import { encodeTx, txid, TX_VERSION, type Transaction } from './tx.js';

/** Envelope fields plus the body's fields (the kind's module decides those). */
export interface TransactionJson {
  txid: string;
  version: number;
  chainId: number;
  /** The kind's name (coinbase, transfer, ...). */
  kind: string;
  from: string;
  fee: string;
  nonce: number;
  signature: string;
  /** Body fields, e.g. to / amount / payload of a transfer. */
  [field: string]: unknown;
}

export interface BlockJson {
  hash: string;
  version: number;
  prevHash: string;
  merkleRoot: string;
  time: number;
  bits: string;
  nonce: number;
  txs: TransactionJson[];
}

export function txToJson(tx: Transaction, registry: ModuleRegistry = defaultRegistry): TransactionJson {
  const spec = registry.spec(tx.kind);
  if (!spec) throw new DecodeError('decode-bad-kind', `transaction kind ${tx.kind} is not registered by any module`);
  encodeTx(tx, registry); // caches the encoding, so txid() needs no registry (kinds outside the default one)
  return {
    txid: toDisplayHex(txid(tx)),
    version: tx.version,
    chainId: tx.chainId,
    kind: spec.name,
    from: toHex(tx.from),
    ...spec.toJson(tx.body as never),
    fee: tx.fee.toString(),
    nonce: tx.nonce,
    signature: toHex(tx.signature),
  };
}

function bigintField(v: unknown, name: string): bigint {
  if (typeof v !== 'string' || !/^(0|[1-9][0-9]*)$/.test(v)) throw new DecodeError('decode-bad-json', `${name} must be a decimal string, got ${JSON.stringify(v)}`);
  return BigInt(v);
}

function hexField(v: unknown, length: number, name: string): Uint8Array {
  if (typeof v !== 'string' || v.length !== length * 2) throw new DecodeError('decode-bad-json', `${name} must be ${length} bytes of hex, got ${JSON.stringify(v)?.slice(0, 80)}`);
  return fromHex(v);
}

function intField(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new DecodeError('decode-bad-json', `${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v;
}

/** Parses a TransactionJson (the txid field, if present, must match). */
export function txFromJson(j: TransactionJson, registry: ModuleRegistry = defaultRegistry): Transaction {
  if (typeof j !== 'object' || j === null) throw new DecodeError('decode-bad-json', 'a transaction must be a JSON object');
  const spec = typeof j.kind === 'string' ? registry.kindByName(j.kind) : undefined;
  if (!spec) throw new DecodeError('decode-bad-json', `kind must be one of ${registry.kinds.map((k) => JSON.stringify(k.name)).join(', ')}, got ${JSON.stringify(j.kind)}`);
  const tx: Transaction = {
    version: j.version === undefined ? TX_VERSION : intField(j.version, 'version'),
    chainId: intField(j.chainId, 'chainId'),
    kind: spec.kind,
    from: hexField(j.from, 32, 'from'),
    nonce: intField(j.nonce, 'nonce'),
    fee: bigintField(j.fee, 'fee'),
    body: spec.fromJson(j),
    signature: hexField(j.signature, 64, 'signature'),
  };
  encodeTx(tx, registry);
  if (j.txid !== undefined && toDisplayHex(txid(tx)) !== j.txid) throw new DecodeError('decode-bad-json', `txid ${j.txid} does not match the transaction's fields`);
  return tx;
}

export function blockToJson(block: Block): BlockJson {
  const h = block.header;
  return {
    hash: toDisplayHex(blockHash(h)),
    version: h.version,
    prevHash: toDisplayHex(h.prevHash),
    merkleRoot: toDisplayHex(h.merkleRoot),
    time: h.time,
    bits: (h.bits >>> 0).toString(16).padStart(8, '0'),
    nonce: h.nonce,
    txs: block.txs.map((t) => txToJson(t)),
  };
}

export function blockFromJson(j: BlockJson): Block {
  if (typeof j !== 'object' || j === null || !Array.isArray(j.txs)) throw new DecodeError('decode-bad-json', 'a block must be a JSON object with a txs array');
  if (typeof j.bits !== 'string' || !/^[0-9a-fA-F]{8}$/.test(j.bits)) throw new DecodeError('decode-bad-json', `bits must be 8 hex digits, got ${JSON.stringify(j.bits)}`);
  const block: Block = {
    header: {
      version: typeof j.version === 'number' && Number.isInteger(j.version) ? j.version : 1,
      prevHash: hexField(j.prevHash, 32, 'prevHash').reverse(),
      merkleRoot: hexField(j.merkleRoot, 32, 'merkleRoot').reverse(),
      time: intField(j.time, 'time'),
      bits: parseInt(j.bits, 16),
      nonce: intField(j.nonce, 'nonce'),
    },
    txs: j.txs.map((t) => txFromJson(t)),
  };
  if (j.hash !== undefined && toDisplayHex(blockHash(block.header)) !== j.hash) throw new DecodeError('decode-bad-json', `hash ${j.hash} does not match the header`);
  return block;
}
