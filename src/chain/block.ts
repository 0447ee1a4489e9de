// Blocks: the 80-byte Bitcoin-layout header (so one miner mines Bitcoin and us unchanged)
// followed by CompactSize(tx count) and the transactions. The first transaction (the
// coinbase) commits the state root and receipts root after the block, as Bitcoin's
// coinbase carries the witness commitment: the header's merkle root covers them, and the
// header stays the 80 bytes every SHA-256d miner knows. The header's merkle root is the
// Bitcoin merkle root over the txids (internal order, last node duplicated on odd levels);
// the block hash is sha256d(header), internal order.
import { merkleRoot, sha256d } from '../hash/index.js';
import { decodeHeader, encodeHeader, type BlockHeader } from '../pow/index.js';

export type { BlockHeader };
import { Reader, Writer, varintSize } from './codec.js';
import { DecodeError } from './errors.js';
import type { ModuleRegistry } from './module.js';
import { defaultRegistry } from './modules/index.js';
import { encodeTx, readTx, txids, TX_ENVELOPE_SIZE, type Transaction } from './tx.js';

export const HEADER_SIZE = 80;
/** Hard ceiling of the decoder; the consensus limit is `params.maxBlockSize`. */
export const MAX_BLOCK_SIZE_LIMIT = 32 * 1024 * 1024;

export interface Block {
  header: BlockHeader;
  txs: Transaction[];
}

const hashCache = new WeakMap<BlockHeader, Uint8Array>();

/** sha256d(header), internal order (cached per header object; treat headers as immutable). */
export function blockHash(header: BlockHeader): Uint8Array {
  let h = hashCache.get(header);
  if (!h) {
    h = sha256d(encodeHeader(header));
    hashCache.set(header, h);
  }
  return h;
}

/** Merkle root over the txids (internal order). */
export function computeMerkleRoot(txs: readonly Transaction[]): Uint8Array {
  return merkleRoot(txids(txs));
}

export function blockSize(block: Block): number {
  let n = HEADER_SIZE + varintSize(block.txs.length);
  for (const tx of block.txs) n += encodeTx(tx).length;
  return n;
}

export function encodeBlock(block: Block): Uint8Array {
  const w = new Writer(blockSize(block));
  w.raw(encodeHeader(block.header));
  w.varint(block.txs.length, 'block.txCount');
  for (const tx of block.txs) w.raw(encodeTx(tx));
  return w.finish();
}

/**
 * Decodes a block of at most `maxSize` bytes. Throws DecodeError for anything that is not
 * exactly one canonical block.
 */
export function decodeBlock(bytes: Uint8Array, maxSize = MAX_BLOCK_SIZE_LIMIT, registry: ModuleRegistry = defaultRegistry): Block {
  const r = new Reader(bytes, 'block');
  if (bytes.length > maxSize) throw new DecodeError('decode-oversize', `block is ${bytes.length} bytes, at most ${maxSize} allowed`);
  const header = decodeHeader(r.view_(HEADER_SIZE, 'block.header'));
  const count = r.varint('block.txCount', Math.floor(r.remaining / TX_ENVELOPE_SIZE));
  const txs: Transaction[] = new Array(count);
  for (let i = 0; i < count; i++) txs[i] = readTx(r, registry);
  r.end();
  return { header, txs };
}

/** Decodes a bare 80-byte header (typed error instead of the header codec's RangeError). */
export function decodeBlockHeader(bytes: Uint8Array): BlockHeader {
  const r = new Reader(bytes, 'header');
  const h = decodeHeader(r.view_(HEADER_SIZE, 'header'));
  r.end();
  return h;
}

