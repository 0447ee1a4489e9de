// Consensus checks as small functions over the params, each failure a ValidationError
// with a reason code (Bitcoin Core consensus/tx_check.cpp and validation.cpp naming).
//   stateless:  checkTransaction (envelope here, body by the kind's module), checkBlock,
//               checkBlockSignatures
//   contextual: checkBlockContext (needs the parent and the local clock)
//   stateful:   applyBlock in state.ts (the modules' apply, then the committed roots)
import { ed25519 } from '../sig/index.js';
import { blockHash, blockSize, computeMerkleRoot, type Block } from './block.js';
import type { Consensus } from './consensus.js';
import { ValidationError } from './errors.js';
import { binKey, bytesEqual, toDisplayHex } from './hex.js';
import { MAX_MONEY, type ChainParams } from './params.js';
import type { HeaderInfo } from './retarget.js';
import { medianTimePast } from './retarget.js';
import type { ModuleRegistry } from './module.js';
import { defaultRegistry } from './modules/index.js';
import { txid, txSigningMessage, TX_VERSION, type Transaction } from './tx.js';

const fail = (reason: string, message: string): never => {
  throw new ValidationError(reason, message);
};

/**
 * Context-free checks of one transaction (not its signature: see checkBlockSignatures):
 * the envelope here, the body by its kind's module.
 */
export function checkTransaction(tx: Transaction, params: ChainParams, registry: ModuleRegistry = defaultRegistry): void {
  if (tx.version !== TX_VERSION) fail('bad-txns-version', `transaction version ${tx.version}, expected ${TX_VERSION}`);
  if (tx.chainId !== params.chainId) fail('bad-txns-chainid', `transaction is for chain id ${tx.chainId}, this chain is ${params.chainId}`);
  if (tx.fee < 0n || tx.fee > MAX_MONEY) fail('bad-txns-fee-range', `fee ${tx.fee} outside [0, MAX_MONEY]`);
  const spec = registry.spec(tx.kind);
  if (!spec) return fail('bad-txns-kind', `unknown transaction kind ${tx.kind}`);
  spec.check(tx as never, params);
}

/**
 * Stateless block checks: size, coinbase placement, per-transaction checks, duplicate
 * txids and (from, nonce) pairs, merkle root, and the consensus seal (PoW). Signatures are
 * checked separately, in one batch (checkBlockSignatures).
 */
export function checkBlock(block: Block, params: ChainParams, consensus: Consensus, registry: ModuleRegistry = defaultRegistry): void {
  const size = blockSize(block);
  if (size > params.maxBlockSize) fail('bad-blk-length', `block is ${size} bytes, at most ${params.maxBlockSize} allowed`);
  if (block.txs.length === 0) fail('bad-blk-length', 'a block must contain at least the coinbase');
  const rewardKind = registry.rewardKind.kind;
  if (block.txs[0].kind !== rewardKind) fail('bad-cb-missing', 'the first transaction must be the coinbase');
  consensus.checkSeal(block.header, blockHash(block.header), block);
  const root = computeMerkleRoot(block.txs); // also fills every txid in two batch calls
  const ids = new Set<string>();
  const spends = new Set<string>();
  for (let i = 0; i < block.txs.length; i++) {
    const tx = block.txs[i];
    if (i > 0 && tx.kind === rewardKind) fail('bad-cb-multiple', `transaction ${i} is a second coinbase`);
    checkTransaction(tx, params, registry);
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

/** Whether `tx` carries a signature (not the block reward, not a system kind). */
function isSigned(tx: Transaction, registry: ModuleRegistry): boolean {
  const spec = registry.spec(tx.kind);
  return !spec || !(spec.reward || spec.system);
}

/** The batch items of every signed (non-reward, non-system) transaction, in block order. */
export function signatureItems(txs: readonly Transaction[], registry: ModuleRegistry = defaultRegistry): { signature: Uint8Array; message: Uint8Array; publicKey: Uint8Array }[] {
  const items = [];
  for (const tx of txs) {
    if (!isSigned(tx, registry)) continue;
    items.push({ signature: tx.signature, message: txSigningMessage(tx), publicKey: tx.from });
  }
  return items;
}

function badSignature(txs: readonly Transaction[], items: ReturnType<typeof signatureItems>, registry: ModuleRegistry, results?: boolean[]): never {
  const ok = results ?? ed25519.verifyBatchDetailed(items);
  const signed = txs.filter((t) => isSigned(t, registry));
  const i = ok.findIndex((v: boolean) => !v);
  const which = i >= 0 ? ` (first bad: ${toDisplayHex(txid(signed[i]))})` : '';
  throw new ValidationError('bad-txns-signature', `a transaction signature does not verify${which}`);
}

/**
 * All signatures of a block in ONE batch call: `verifyBatch` in this thread, or
 * `verifyBatchParallel` on the worker pool from `parallelThreshold` signatures on. On
 * failure the per-item results name the first bad transaction.
 */
export async function checkBlockSignatures(txs: readonly Transaction[], opts: SignatureCheckOptions = {}, registry: ModuleRegistry = defaultRegistry): Promise<void> {
  const items = signatureItems(txs, registry);
  if (items.length === 0) return;
  const threshold = opts.parallelThreshold ?? 4096;
  const parallel = (ed25519 as { verifyBatchParallel?: ParallelVerify }).verifyBatchParallel;
  if (parallel && items.length >= threshold) {
    const r = await parallel(items, opts.threads ? { threads: opts.threads } : {});
    if (Array.isArray(r)) {
      if (r.length !== items.length || !r.every((v) => v === true)) badSignature(txs, items, registry, r.length === items.length ? r : undefined);
    } else if (r !== true) badSignature(txs, items, registry);
    return;
  }
  if (!ed25519.verifyBatch(items)) badSignature(txs, items, registry);
}

/** Synchronous variant (single thread), for callers that cannot await. */
export function checkBlockSignaturesSync(txs: readonly Transaction[], registry: ModuleRegistry = defaultRegistry): void {
  const items = signatureItems(txs, registry);
  if (items.length && !ed25519.verifyBatch(items)) badSignature(txs, items, registry);
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
