import { blockHash, decodeBlock, encodeBlock, type Block } from '../chain/block.js';
import type { BlockTemplate } from '../chain/template.js';
import { decodeTx, encodeTx, txid } from '../chain/tx.js';
import { sha256d } from '../hash/index.js';
import { decodeHeader } from '../pow/index.js';
import type { StratumJob } from './stratum-server.js';

/** Extranonce bytes at the very end of the coinbase payload: 4 per Stratum connection + 4 per roll. */
export const EXTRANONCE_SIZE = 8;
const TAG = new TextEncoder().encode('hashlane');

/** A coinbase payload: a tag, then the extranonce (zeros here; miners vary it). */
export function coinbasePayload(extranonce: Uint8Array = new Uint8Array(EXTRANONCE_SIZE)): Uint8Array {
  const out = new Uint8Array(TAG.length + EXTRANONCE_SIZE);
  out.set(TAG);
  out.set(extranonce.subarray(0, EXTRANONCE_SIZE), TAG.length);
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Sibling hashes on the coinbase's path to the merkle root (Bitcoin rules: odd levels duplicate the last). */
export function coinbaseBranch(txids: Uint8Array[]): Uint8Array[] {
  const branch: Uint8Array[] = [];
  let level: (Uint8Array | null)[] = [null, ...txids.slice(1)];
  while (level.length > 1) {
    branch.push(level[1]!);
    const next: (Uint8Array | null)[] = [null];
    for (let i = 2; i < level.length; i += 2) next.push(sha256d(concat(level[i]!, level[i + 1] ?? level[i]!)));
    level = next;
  }
  return branch;
}

/**
 * A template as Stratum work. The coinbase encoding ends with payload || 64-byte zero
 * signature and the payload ends with the extranonce, so coinb1 is everything before the
 * extranonce and coinb2 is the signature.
 */
export function templateToStratum(t: BlockTemplate): StratumJob {
  const cb = encodeTx(t.block.txs[0]!);
  const cut = cb.length - 64 - EXTRANONCE_SIZE;
  return {
    prevHash: t.header.prevHash,
    coinb1: cb.slice(0, cut),
    coinb2: cb.slice(cut + EXTRANONCE_SIZE),
    merkleBranch: coinbaseBranch(t.block.txs.map((x) => txid(x))),
    version: t.header.version,
    bits: t.header.bits,
    time: t.header.time,
    target: t.target,
    context: t,
  };
}

/** The block a solved share stands for: its coinbase (with the miner's extranonce) and header. */
export function blockFromShare(t: BlockTemplate, coinbase: Uint8Array, header: Uint8Array): Block {
  return { header: decodeHeader(header), txs: [decodeTx(coinbase), ...t.block.txs.slice(1)] };
}

export { blockHash, decodeBlock, encodeBlock };
