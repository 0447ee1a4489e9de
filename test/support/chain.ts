// Shared helpers of the chain tests: a chain on a synthetic clock and a miner that uses
// the real nonce scanner.
import * as C from '../../dist/chain/index.js';
import { bitsToTarget, encodeHeader, hashToBigInt, scanNonces } from '../../dist/pow/index.js';
import { ready } from '../../dist/index.js';
import { ed25519 } from '../../dist/sig/index.js';

// Keys are made at module load by the tests that import this file.
await ready();

export interface Key {
  sk: Uint8Array;
  pk: Uint8Array;
}

export function keyOf(seed: number): Key {
  const sk = new Uint8Array(32).fill(seed);
  return { sk, pk: ed25519.getPublicKey(sk) };
}

export interface Harness {
  chain: C.Chain;
  params: C.ChainParams;
  clock: { now: number };
}

/** A regtest-like chain (trivial PoW) whose clock the test moves. */
export async function openChain(overrides: Partial<C.ChainParams> = {}, store?: C.ChainStore): Promise<Harness> {
  const params = C.defineParams(C.regtestParams, overrides);
  const clock = { now: params.genesisTime + 1_000_000 };
  const chain = await C.Chain.open({ params, store, now: () => clock.now });
  return { chain, params, clock };
}

/** Finds a nonce for `header` with the real scanner (throws if the 2^32 space is empty). */
export function solve(header: C.BlockHeader, target: bigint): C.BlockHeader {
  const r = scanNonces(encodeHeader(header), target, 0, 0xffffffff);
  if (r.nonce === null) throw new Error('no nonce found');
  return { ...header, nonce: r.nonce };
}

// Every block made here, so that a block on a side branch can get its committed roots
// from a replay of its branch (the chain's own state is at its tip).
const made = new Map<string, C.Block>();

/** The coinbase `txs[0]` with the roots a block of `txs` on `parent` commits. */
export function withCommittedRoots(h: Harness, parent: C.BlockIndexEntry, txs: C.Transaction[]): C.Transaction {
  if (parent === h.chain.tip) return h.chain.commitRoots(txs);
  const branch: C.Block[] = [];
  for (let e: C.BlockIndexEntry | null = parent; e && e.height > 0; e = e.parent) {
    const b = made.get(C.toHex(e.hash));
    if (!b) throw new Error(`block ${C.toDisplayHex(e.hash)} was not made by makeBlock: cannot replay its branch`);
    branch.unshift(b);
  }
  const state = new C.ChainState(h.chain.params, h.chain.registry);
  C.applyBlock(state, C.genesisBlock(h.chain.params), 0, h.chain.consensus, { genesis: true });
  branch.forEach((b, i) => C.applyBlock(state, b, i + 1, h.chain.consensus));
  const roots = C.previewRoots(state, { header: parent.header, txs }, parent.height + 1, h.chain.consensus);
  return C.withRoots(txs[0] as C.Transaction<C.CoinbaseBody>, roots);
}

/** A mined block on top of `parent` (default tip) with the given transactions. */
export function makeBlock(
  h: Harness,
  txs: C.Transaction[],
  opts: { parent?: C.BlockIndexEntry; miner?: Uint8Array; time?: number; coinbaseAmount?: bigint; bits?: number; payload?: Uint8Array; roots?: 'commit' | 'zero' } = {},
): C.Block {
  const parent = opts.parent ?? h.chain.tip;
  const height = parent.height + 1;
  let fees = 0n;
  for (const tx of txs) fees += tx.fee;
  const amount = opts.coinbaseAmount ?? h.chain.consensus.blockReward(height) + fees;
  const cb = C.createCoinbase(h.params.chainId, height, opts.miner ?? new Uint8Array(32).fill(0xee), amount, opts.payload);
  let all: C.Transaction[] = [cb, ...txs];
  // A block whose rules fail is given zero roots (there is no state after it to commit).
  if (opts.roots !== 'zero') {
    try {
      all = [withCommittedRoots(h, parent, all), ...txs];
    } catch (e) {
      if (!(e instanceof C.ValidationError)) throw e;
    }
  }
  const bits = opts.bits ?? h.chain.nextBits(parent);
  const header = {
    version: 1,
    prevHash: parent.hash,
    merkleRoot: C.computeMerkleRoot(all),
    time: opts.time ?? parent.time + h.params.targetBlockTime,
    bits,
    nonce: 0,
  };
  const block = { header: solve(header, bitsToTarget(bits)), txs: all };
  made.set(C.toHex(C.blockHash(block.header)), block);
  return block;
}

export function transfer(from: Key, to: Uint8Array, amount: bigint, nonce: number, fee = 200n, chainId = C.regtestParams.chainId): C.Transaction {
  return C.createTransfer({ chainId, to, amount, fee, nonce }, from.sk);
}

/** The same header with a nonce whose hash misses the target. */
export function unsolve(header: C.BlockHeader): C.BlockHeader {
  const target = bitsToTarget(header.bits);
  for (let n = 0; ; n++) {
    const h = { ...header, nonce: n };
    if (hashToBigInt(C.blockHash(h)) > target) return h;
  }
}

/** Asserts that `fn` throws (or rejects with) `cls` carrying `reason`. */
export async function expectReason(fn: () => unknown, cls: abstract new (...a: never[]) => C.ChainError, reason: string): Promise<void> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  if (!(err instanceof cls)) throw new Error(`expected ${cls.name}(${reason}), got ${err === undefined ? 'no error' : String(err)}`);
  if ((err as C.ChainError).reason !== reason) throw new Error(`expected reason ${reason}, got ${(err as C.ChainError).reason}: ${(err as Error).message}`);
}
