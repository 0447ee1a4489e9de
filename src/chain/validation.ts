// Consensus checks as small functions over the params, each failure a ValidationError
// with a reason code (Bitcoin Core consensus/tx_check.cpp and validation.cpp naming).
//   stateless:  checkTransaction, checkBlock, checkBlockSignatures
//   contextual: checkBlockContext (needs the parent and the local clock)
//   stateful:   applyBlock in state.ts (balances and nonces)
import { ed25519 } from '../sig/index.js';
import { blockHash, blockSize, computeMerkleRoot, type Block } from './block.js';
import type { Consensus } from './consensus.js';
import { ValidationError } from './errors.js';
import { binKey, bytesEqual, toDisplayHex } from './hex.js';
import { MAX_MONEY, type ChainParams } from './params.js';
import type { HeaderInfo } from './retarget.js';
import { medianTimePast } from './retarget.js';
import { txid, txSigningMessage, TxKind, TX_VERSION, type Transaction } from './tx.js';

const fail = (reason: string, message: string): never => {
  throw new ValidationError(reason, message);
};

function isZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** Context-free checks of one transaction (not its signature: see checkBlockSignatures). */
export function checkTransaction(tx: Transaction, params: ChainParams): void {
  if (tx.version !== TX_VERSION) fail('bad-txns-version', `transaction version ${tx.version}, expected ${TX_VERSION}`);
  if (tx.chainId !== params.chainId) fail('bad-txns-chainid', `transaction is for chain id ${tx.chainId}, this chain is ${params.chainId}`);
  if (tx.payload.length > params.maxPayloadSize) fail('bad-txns-payload-size', `payload is ${tx.payload.length} bytes, at most ${params.maxPayloadSize} allowed`);
  if (tx.amount < 0n || tx.amount > MAX_MONEY) fail('bad-txns-amount-range', `amount ${tx.amount} outside [0, MAX_MONEY]`);
  if (tx.fee < 0n || tx.fee > MAX_MONEY || tx.amount + tx.fee > MAX_MONEY) fail('bad-txns-fee-range', `fee ${tx.fee} (plus amount) outside [0, MAX_MONEY]`);
  if (tx.kind === TxKind.Coinbase) {
    if (!isZero(tx.from)) fail('bad-cb-from', 'a coinbase must have an all-zero sender');
    if (tx.fee !== 0n) fail('bad-cb-fee', `a coinbase pays no fee, got ${tx.fee}`);
    if (!isZero(tx.signature)) fail('bad-cb-signature', 'a coinbase carries an all-zero signature');
  } else if (tx.kind === TxKind.Transfer) {
    if (tx.amount === 0n) fail('bad-txns-amount-zero', 'a transfer must move a positive amount');
    if (bytesEqual(tx.from, tx.to)) fail('bad-txns-self-transfer', 'sender and recipient are the same account');
  } else {
    fail('bad-txns-kind', `unknown transaction kind ${tx.kind}`);
  }
}

/**
 * Stateless block checks: size, coinbase placement, per-transaction checks, duplicate
 * txids and (from, nonce) pairs, merkle root, and the consensus seal (PoW). Signatures are
 * checked separately, in one batch (checkBlockSignatures).
 */
export function checkBlock(block: Block, params: ChainParams, consensus: Consensus): void {
  const size = blockSize(block);
  if (size > params.maxBlockSize) fail('bad-blk-length', `block is ${size} bytes, at most ${params.maxBlockSize} allowed`);
  if (block.txs.length === 0) fail('bad-blk-length', 'a block must contain at least the coinbase');
  if (block.txs[0].kind !== TxKind.Coinbase) fail('bad-cb-missing', 'the first transaction must be the coinbase');
  consensus.checkSeal(block.header, blockHash(block.header));
  const root = computeMerkleRoot(block.txs); // also fills every txid in two batch calls
  const ids = new Set<string>();
  const spends = new Set<string>();
  for (let i = 0; i < block.txs.length; i++) {
    const tx = block.txs[i];
    if (i > 0 && tx.kind === TxKind.Coinbase) fail('bad-cb-multiple', `transaction ${i} is a second coinbase`);
    checkTransaction(tx, params);
    const id = binKey(txid(tx));
    if (ids.has(id)) fail('bad-txns-duplicate', `transaction ${toDisplayHex(txid(tx))} appears twice`);
    ids.add(id);
    if (i > 0) {
      const spend = binKey(tx.from) + tx.nonce;
      if (spends.has(spend)) fail('bad-txns-double-spend', `two transactions spend nonce ${tx.nonce} of the same sender`);
      spends.add(spend);
    }
  }
  if (!bytesEqual(root, block.header.merkleRoot)) fail('bad-txnmrklroot', 'the header merkle root does not match the transactions');
}

export interface SignatureCheckOptions {
  /** Worker threads for big blocks (default: let the sig module decide). */
  threads?: number;
  /** From this many signatures on, verify on the worker pool (default 4096). */
  parallelThreshold?: number;
}

// The worker-pool call of the sig API: per-item results (boolean[]); a plain boolean is
// accepted too. Optional: without it, one batch on this thread.
type ParallelVerify = (items: ReturnType<typeof signatureItems>, opts: { threads?: number }) => Promise<boolean[] | boolean>;

/** The batch items of every non-coinbase transaction, in block order. */
export function signatureItems(txs: readonly Transaction[]): { signature: Uint8Array; message: Uint8Array; publicKey: Uint8Array }[] {
  const items = [];
  for (const tx of txs) {
    if (tx.kind === TxKind.Coinbase) continue;
    items.push({ signature: tx.signature, message: txSigningMessage(tx), publicKey: tx.from });
  }
  return items;
}

function badSignature(txs: readonly Transaction[], items: ReturnType<typeof signatureItems>, results?: boolean[]): never {
  const ok = results ?? ed25519.verifyBatchDetailed(items);
  const signed = txs.filter((t) => t.kind !== TxKind.Coinbase);
  const i = ok.findIndex((v: boolean) => !v);
  const which = i >= 0 ? ` (first bad: ${toDisplayHex(txid(signed[i]))})` : '';
  throw new ValidationError('bad-txns-signature', `a transaction signature does not verify${which}`);
}

/**
 * All signatures of a block in ONE batch call: `verifyBatch` in this thread, or
 * `verifyBatchParallel` on the worker pool from `parallelThreshold` signatures on. On
 * failure the per-item results name the first bad transaction.
 */
export async function checkBlockSignatures(txs: readonly Transaction[], opts: SignatureCheckOptions = {}): Promise<void> {
  const items = signatureItems(txs);
  if (items.length === 0) return;
  const threshold = opts.parallelThreshold ?? 4096;
  const parallel = (ed25519 as { verifyBatchParallel?: ParallelVerify }).verifyBatchParallel;
  if (parallel && items.length >= threshold) {
    const r = await parallel(items, opts.threads ? { threads: opts.threads } : {});
    if (Array.isArray(r)) {
      if (r.length !== items.length || !r.every((v) => v === true)) badSignature(txs, items, r.length === items.length ? r : undefined);
    } else if (r !== true) badSignature(txs, items);
    return;
  }
  if (!ed25519.verifyBatch(items)) badSignature(txs, items);
}

/** Synchronous variant (single thread), for callers that cannot await. */
export function checkBlockSignaturesSync(txs: readonly Transaction[]): void {
  const items = signatureItems(txs);
  if (items.length && !ed25519.verifyBatch(items)) badSignature(txs, items);
}

/**
 * Contextual checks of a block against its parent: linkage, timestamp above the
 * median-time-past and not too far in the future, bits from the retarget rule, and the
 * coinbase nonce = height (BIP34-like; makes every coinbase txid unique).
 */
export function checkBlockContext(
  block: Block,
  parent: HeaderInfo & { hash: Uint8Array },
  ancestor: (height: number) => HeaderInfo,
  params: ChainParams,
  consensus: Consensus,
  now: number,
): void {
  const h = block.header;
  if (!bytesEqual(h.prevHash, parent.hash)) fail('bad-prevblk', 'the header does not point at the given parent');
  const height = parent.height + 1;
  const mtp = medianTimePast(parent, ancestor, params);
  if (h.time <= mtp) fail('time-too-old', `block time ${h.time} is not above the median time past ${mtp}`);
  if (h.time > now + params.maxFutureBlockTime) fail('time-too-new', `block time ${h.time} is more than ${params.maxFutureBlockTime} s ahead of the local clock ${now}`);
  const bits = consensus.expectedBits(parent, ancestor);
  if (h.bits >>> 0 !== bits >>> 0) fail('bad-diffbits', `bits 0x${(h.bits >>> 0).toString(16)}, the retarget rule requires 0x${(bits >>> 0).toString(16)}`);
  if (block.txs[0].nonce !== height) fail('bad-cb-height', `coinbase nonce ${block.txs[0].nonce} must equal the block height ${height}`);
}
