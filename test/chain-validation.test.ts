// One test per rejection rule, each asserting the typed error and its reason code.
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../dist/index.js';
import * as C from '../dist/chain/index.js';
import { expectReason, keyOf, makeBlock, openChain, solve, transfer, unsolve, type Harness } from './support/chain.js';
import { bitsToTarget } from '../dist/pow/index.js';

const alice = keyOf(1);
const bob = keyOf(2);
const carol = keyOf(3);
const V = C.ValidationError;
const M = C.MempoolError;

beforeAll(async () => {
  await ready();
});

async function setup(over: Partial<C.ChainParams> = {}): Promise<Harness> {
  return openChain({ premine: [{ publicKey: alice.pk, amount: 1_000_000n }], ...over });
}

/** Re-mines a block whose header or transactions were edited (keeps merkle root in sync). */
function remine(b: C.Block, opts: { keepMerkle?: boolean } = {}): C.Block {
  const header = { ...b.header, merkleRoot: opts.keepMerkle ? b.header.merkleRoot : C.computeMerkleRoot(b.txs), nonce: 0 };
  return { header: solve(header, bitsToTarget(header.bits)), txs: b.txs };
}

describe('happy path', () => {
  it('connects a block with a transfer and moves balances', async () => {
    const h = await setup();
    const tx = transfer(alice, bob.pk, 1000n, 0);
    const r = await h.chain.addBlock(makeBlock(h, [tx]));
    expect(r.status).toBe('connected');
    expect(h.chain.height).toBe(1);
    expect(h.chain.getAccount(alice.pk)).toEqual({ balance: 1_000_000n - 1000n - 200n, nonce: 1 });
    expect(h.chain.getAccount(bob.pk)).toEqual({ balance: 1000n, nonce: 0 });
    expect(h.chain.getAccount(new Uint8Array(32).fill(0xee)).balance).toBe(h.params.blockReward + 200n);
    const found = await h.chain.getTransaction(C.txid(tx));
    expect(found?.height).toBe(1);
    expect(C.txid(found!.tx)).toEqual(C.txid(tx));
    expect((await h.chain.addBlock(C.encodeBlock(makeBlock(h, [])))).status).toBe('connected');
  });
  it('reports a duplicate', async () => {
    const h = await setup();
    const b = makeBlock(h, []);
    await h.chain.addBlock(b);
    expect((await h.chain.addBlock(C.encodeBlock(b))).status).toBe('duplicate');
  });
});

describe('stateless rejections', () => {
  it('bad-blk-length: block above maxBlockSize', async () => {
    const h = await setup({ maxBlockSize: 1000 });
    const txs = [0, 1, 2, 3, 4].map((n) => C.createTransfer({ chainId: h.params.chainId, to: bob.pk, amount: 1n, fee: 400n, nonce: n, payload: new Uint8Array(200) }, alice.sk));
    await expectReason(() => h.chain.addBlock(makeBlock(h, txs)), V, 'bad-blk-length');
  });
  it('bad-blk-length: a decoded block above maxBlockSize is a DecodeError', async () => {
    const h = await setup({ maxBlockSize: 1000 });
    const txs = [0, 1, 2, 3, 4].map((n) => C.createTransfer({ chainId: h.params.chainId, to: bob.pk, amount: 1n, fee: 400n, nonce: n, payload: new Uint8Array(200) }, alice.sk));
    await expectReason(() => h.chain.addBlock(C.encodeBlock(makeBlock(h, txs))), C.DecodeError, 'decode-oversize');
  });
  it('bad-cb-missing: first transaction is not a coinbase', async () => {
    const h = await setup();
    const b = makeBlock(h, [transfer(alice, bob.pk, 5n, 0)]);
    await expectReason(() => h.chain.addBlock(remine({ header: b.header, txs: b.txs.slice(1) })), V, 'bad-cb-missing');
  });
  it('bad-cb-multiple: a second coinbase', async () => {
    const h = await setup();
    const b = makeBlock(h, []);
    const extra = C.createCoinbase(h.params.chainId, 1, bob.pk, 1n, new Uint8Array([1]));
    await expectReason(() => h.chain.addBlock(remine({ header: b.header, txs: [...b.txs, extra] })), V, 'bad-cb-multiple');
  });
  it('high-hash: proof of work above the target', async () => {
    const h = await setup();
    const b = makeBlock(h, []);
    await expectReason(() => h.chain.addBlock({ header: unsolve(b.header), txs: b.txs }), V, 'high-hash');
  });
  it('bad-diffbits: bits above powLimit', async () => {
    const h = await setup();
    const b = makeBlock(h, [], { bits: 0x2100ffff });
    await expectReason(() => h.chain.addBlock(b), V, 'bad-diffbits');
  });
  it('bad-txnmrklroot: merkle root does not match', async () => {
    const h = await setup();
    const b = makeBlock(h, [transfer(alice, bob.pk, 5n, 0)]);
    const other = { ...b, txs: [b.txs[0], transfer(alice, bob.pk, 6n, 0)] };
    await expectReason(() => h.chain.addBlock(remine(other, { keepMerkle: true })), V, 'bad-txnmrklroot');
  });
  it('bad-txns-duplicate: the same transaction twice', async () => {
    const h = await setup();
    const tx = transfer(alice, bob.pk, 5n, 0);
    await expectReason(() => h.chain.addBlock(makeBlock(h, [tx, tx])), V, 'bad-txns-duplicate');
  });
  it('bad-txns-double-spend: two transactions with the same (from, nonce)', async () => {
    const h = await setup();
    await expectReason(() => h.chain.addBlock(makeBlock(h, [transfer(alice, bob.pk, 5n, 0), transfer(alice, carol.pk, 5n, 0)])), V, 'bad-txns-double-spend');
  });
  it('bad-txns-chainid: a transaction for another chain', async () => {
    const h = await setup();
    await expectReason(() => h.chain.addBlock(makeBlock(h, [transfer(alice, bob.pk, 5n, 0, 200n, 12345)])), V, 'bad-txns-chainid');
  });
  it('bad-txns-payload-size: payload above maxPayloadSize', async () => {
    const h = await setup({ maxPayloadSize: 8 });
    const tx = C.createTransfer({ chainId: h.params.chainId, to: bob.pk, amount: 1n, fee: 400n, nonce: 0, payload: new Uint8Array(9) }, alice.sk);
    await expectReason(() => h.chain.addBlock(makeBlock(h, [tx])), V, 'bad-txns-payload-size');
  });
  it('bad-txns-amount-zero: a transfer of nothing', async () => {
    const h = await setup();
    await expectReason(() => h.chain.addBlock(makeBlock(h, [transfer(alice, bob.pk, 0n, 0)])), V, 'bad-txns-amount-zero');
  });
  it('bad-txns-self-transfer: sender = recipient', async () => {
    const h = await setup();
    await expectReason(() => h.chain.addBlock(makeBlock(h, [transfer(alice, alice.pk, 5n, 0)])), V, 'bad-txns-self-transfer');
  });
  it('bad-txns-fee-range: amount + fee above MAX_MONEY', async () => {
    const h = await setup();
    await expectReason(() => h.chain.addBlock(makeBlock(h, [transfer(alice, bob.pk, C.MAX_MONEY, 0, 1n)])), V, 'bad-txns-fee-range');
  });
  it('bad-txns-version: checkTransaction refuses another version', () => {
    const tx = { ...transfer(alice, bob.pk, 5n, 0), version: 1 };
    expect(() => C.checkTransaction(tx, C.regtestParams)).toThrow(expect.objectContaining({ reason: 'bad-txns-version' }));
  });
  it('bad-cb-from / bad-cb-fee / bad-cb-signature: malformed coinbases', async () => {
    const h = await setup();
    const base = makeBlock(h, []);
    const cb = base.txs[0];
    const cases: [Partial<C.Transaction>, string][] = [
      [{ from: alice.pk }, 'bad-cb-from'],
      [{ fee: 1n }, 'bad-cb-fee'],
      [{ signature: new Uint8Array(64).fill(1) }, 'bad-cb-signature'],
    ];
    for (const [patch, reason] of cases) {
      await expectReason(() => h.chain.addBlock(remine({ header: base.header, txs: [{ ...cb, ...patch }] })), V, reason);
    }
  });
  it('bad-txns-signature: one bad signature among several (one batch call)', async () => {
    const h = await setup();
    const good = transfer(alice, bob.pk, 5n, 0);
    const bad = { ...transfer(alice, bob.pk, 5n, 1), signature: transfer(alice, bob.pk, 6n, 1).signature };
    await expectReason(() => h.chain.addBlock(makeBlock(h, [good, bad, transfer(alice, bob.pk, 5n, 2)])), V, 'bad-txns-signature');
    expect(h.chain.height).toBe(0);
  });
});

describe('signatures on the worker pool', () => {
  it('accepts a valid block and rejects one bad signature (bad-txns-signature)', async () => {
    const txs = Array.from({ length: 300 }, (_, i) => transfer(alice, bob.pk, 5n, i));
    await C.checkBlockSignatures(txs, { parallelThreshold: 0, threads: 2 });
    const bad = [...txs];
    bad[211] = { ...txs[211], signature: txs[212].signature };
    await expectReason(() => C.checkBlockSignatures(bad, { parallelThreshold: 0, threads: 2 }), V, 'bad-txns-signature');
    await expectReason(() => C.checkBlockSignatures(bad, { parallelThreshold: 1e9 }), V, 'bad-txns-signature');
  });
});

describe('contextual rejections', () => {
  it('prev-blk-not-found: unknown parent', async () => {
    const h = await setup();
    const b = makeBlock(h, []);
    const orphan = remine({ header: { ...b.header, prevHash: new Uint8Array(32).fill(9) }, txs: b.txs });
    await expectReason(() => h.chain.addBlock(orphan), V, 'prev-blk-not-found');
  });
  it('time-too-old: time not above the median time past', async () => {
    const h = await setup();
    await h.chain.addBlock(makeBlock(h, []));
    await expectReason(() => h.chain.addBlock(makeBlock(h, [], { time: h.chain.medianTimePast() })), V, 'time-too-old');
  });
  it('time-too-new: time beyond the future limit', async () => {
    const h = await setup();
    await expectReason(() => h.chain.addBlock(makeBlock(h, [], { time: h.clock.now + h.params.maxFutureBlockTime + 1 })), V, 'time-too-new');
    expect((await h.chain.addBlock(makeBlock(h, [], { time: h.clock.now + h.params.maxFutureBlockTime }))).status).toBe('connected');
  });
  it('bad-diffbits: bits differ from the retarget rule', async () => {
    const h = await setup();
    await expectReason(() => h.chain.addBlock(makeBlock(h, [], { bits: 0x2000ffff })), V, 'bad-diffbits');
  });
  it('bad-cb-height: coinbase nonce is not the height', async () => {
    const h = await setup();
    const b = makeBlock(h, []);
    const cb = { ...b.txs[0], nonce: 7 };
    await expectReason(() => h.chain.addBlock(remine({ header: b.header, txs: [cb] })), V, 'bad-cb-height');
  });
});

describe('stateful rejections', () => {
  it('bad-txns-nonce: wrong sender nonce', async () => {
    const h = await setup();
    await expectReason(() => h.chain.addBlock(makeBlock(h, [transfer(alice, bob.pk, 5n, 1)])), V, 'bad-txns-nonce');
  });
  it('bad-txns-insufficient-funds: spending more than the balance', async () => {
    const h = await setup();
    await expectReason(() => h.chain.addBlock(makeBlock(h, [transfer(bob, alice.pk, 5n, 0)])), V, 'bad-txns-insufficient-funds');
  });
  it('bad-txns-insufficient-funds: a double spend across two nonces within one block', async () => {
    const h = await setup();
    const a = transfer(alice, bob.pk, 600_000n, 0);
    const b = transfer(alice, carol.pk, 600_000n, 1);
    await expectReason(() => h.chain.addBlock(makeBlock(h, [a, b])), V, 'bad-txns-insufficient-funds');
    expect(h.chain.getAccount(alice.pk)).toEqual({ balance: 1_000_000n, nonce: 0 }); // all-or-nothing
  });
  it('bad-cb-amount: coinbase claims more than reward + fees', async () => {
    const h = await setup();
    const tx = transfer(alice, bob.pk, 5n, 0);
    await expectReason(() => h.chain.addBlock(makeBlock(h, [tx], { coinbaseAmount: h.params.blockReward + 201n })), V, 'bad-cb-amount');
    expect((await h.chain.addBlock(makeBlock(h, [tx], { coinbaseAmount: h.params.blockReward + 200n }))).status).toBe('connected');
  });
  it('bad-txns-balance-overflow: a credit above MAX_MONEY', async () => {
    const h = await openChain({ premine: [{ publicKey: bob.pk, amount: C.MAX_MONEY - 10n }] });
    await expectReason(() => h.chain.addBlock(makeBlock(h, [], { miner: bob.pk })), V, 'bad-txns-balance-overflow');
  });
  it('bad-state-root / bad-receipts-root: the coinbase commits other roots than the block gives', async () => {
    const h = await setup();
    const b = makeBlock(h, [transfer(alice, bob.pk, 5n, 0)]);
    const cb = b.txs[0] as C.Transaction<C.CoinbaseBody>;
    const flip = (r: Uint8Array) => r.map((x, i) => (i === 0 ? x ^ 1 : x));
    const badState = C.withRoots(cb, { stateRoot: flip(cb.body.stateRoot), receiptsRoot: cb.body.receiptsRoot });
    await expectReason(() => h.chain.addBlock(remine({ header: b.header, txs: [badState, ...b.txs.slice(1)] })), V, 'bad-state-root');
    const badReceipts = C.withRoots(cb, { stateRoot: cb.body.stateRoot, receiptsRoot: flip(cb.body.receiptsRoot) });
    await expectReason(() => h.chain.addBlock(remine({ header: b.header, txs: [badReceipts, ...b.txs.slice(1)] })), V, 'bad-receipts-root');
    expect(h.chain.getAccount(alice.pk)).toEqual({ balance: 1_000_000n, nonce: 0 }); // reverted
    const before = C.toHex(h.chain.stateRoot());
    expect((await h.chain.addBlock(b)).status).toBe('connected');
    expect(C.toHex(h.chain.stateRoot())).toBe(C.toHex(cb.body.stateRoot));
    expect(C.toHex(h.chain.stateRoot())).not.toBe(before);
  });
  it('duplicate-invalid and bad-prevblk: a block that failed when connected, and its children', async () => {
    const h = await setup();
    const bad = makeBlock(h, [transfer(alice, bob.pk, 5n, 3)]); // wrong nonce: fails at connect
    await expectReason(() => h.chain.addBlock(bad), V, 'bad-txns-nonce');
    await expectReason(() => h.chain.addBlock(bad), V, 'duplicate-invalid');
    const entry = h.chain.getEntry(C.blockHash(bad.header))!;
    expect(entry.status).toBe('invalid');
    const child = makeBlock(h, [], { parent: entry });
    await expectReason(() => h.chain.addBlock(child), V, 'bad-prevblk');
    expect(h.chain.height).toBe(0);
  });
});

describe('mempool', () => {
  async function pool(opts: C.MempoolOptions = {}) {
    const h = await setup();
    return { h, mp: new C.Mempool(h.chain, opts) };
  }
  it('admits valid transfers and orders by fee rate', async () => {
    const { mp } = await pool();
    mp.add(transfer(alice, bob.pk, 5n, 0, 200n));
    mp.add(C.encodeTx(transfer(alice, bob.pk, 5n, 1, 900n)));
    expect(mp.size).toBe(2);
    expect(mp.nextNonce(alice.pk)).toBe(2);
    expect(mp.entries()[0].tx.fee).toBe(900n);
    // Selection keeps nonce order even though nonce 1 pays more.
    expect(mp.select(1e6).map((t) => t.nonce)).toEqual([0, 1]);
  });
  it('bad-txns-signature: refuses a bad signature', async () => {
    const { mp } = await pool();
    const tx = { ...transfer(alice, bob.pk, 5n, 0), signature: new Uint8Array(64).fill(3) };
    await expectReason(() => mp.add(tx), V, 'bad-txns-signature');
  });
  it('bad-txns-kind: refuses a coinbase', async () => {
    const { mp } = await pool();
    await expectReason(() => mp.add(C.createCoinbase(C.regtestParams.chainId, 1, bob.pk, 1n)), V, 'bad-txns-kind');
  });
  it('min-fee-not-met', async () => {
    const { mp } = await pool({ minFeeRate: 2n });
    await expectReason(() => mp.add(transfer(alice, bob.pk, 5n, 0, 300n)), M, 'min-fee-not-met');
  });
  it('bad-txns-nonce: a stale nonce', async () => {
    const { h, mp } = await pool();
    await h.chain.addBlock(makeBlock(h, [transfer(alice, bob.pk, 5n, 0)]));
    await expectReason(() => mp.add(transfer(alice, bob.pk, 5n, 0, 300n)), V, 'bad-txns-nonce');
  });
  it('mempool-nonce-gap', async () => {
    const { mp } = await pool({ maxNonceGap: 4 });
    mp.add(transfer(alice, bob.pk, 5n, 4));
    await expectReason(() => mp.add(transfer(alice, bob.pk, 5n, 5)), M, 'mempool-nonce-gap');
    expect(mp.select(1e6)).toEqual([]); // nonces 0..3 missing: nothing is ready
  });
  it('mempool-insufficient-funds: pending spends count', async () => {
    const { mp } = await pool();
    mp.add(transfer(alice, bob.pk, 600_000n, 0));
    await expectReason(() => mp.add(transfer(alice, bob.pk, 600_000n, 1)), M, 'mempool-insufficient-funds');
  });
  it('replace-by-fee on (from, nonce), and mempool-rbf-fee-too-low', async () => {
    const { mp } = await pool();
    const a = transfer(alice, bob.pk, 5n, 0, 1000n);
    mp.add(a);
    await expectReason(() => mp.add(transfer(alice, carol.pk, 5n, 0, 1050n)), M, 'mempool-rbf-fee-too-low');
    const r = mp.add(transfer(alice, carol.pk, 5n, 0, 1100n));
    expect(r.replaced).toEqual(C.txid(a));
    expect(mp.size).toBe(1);
    expect(mp.has(C.txid(a))).toBe(false);
  });
  it('txn-already-in-mempool', async () => {
    const { mp } = await pool();
    const a = transfer(alice, bob.pk, 5n, 0);
    mp.add(a);
    await expectReason(() => mp.add(a), M, 'txn-already-in-mempool');
  });
  it('size cap: evicts the lowest fee rate, and mempool-full when the newcomer is lowest', async () => {
    const size = C.encodeTx(transfer(alice, bob.pk, 5n, 0)).length;
    const h = await openChain({ premine: [{ publicKey: alice.pk, amount: 1_000_000n }, { publicKey: carol.pk, amount: 1_000_000n }] });
    const mp = new C.Mempool(h.chain, { maxBytes: size * 2 });
    const cheap = transfer(alice, bob.pk, 5n, 0, 300n);
    mp.add(cheap);
    mp.add(transfer(carol, bob.pk, 5n, 0, 500n));
    await expectReason(() => mp.add(transfer(carol, bob.pk, 5n, 1, 250n)), M, 'mempool-full');
    expect(mp.size).toBe(2);
    const r = mp.add(transfer(carol, bob.pk, 5n, 1, 900n));
    expect(r.evicted).toEqual([C.txid(cheap)]);
    expect(mp.size).toBe(2);
    expect(mp.bytes).toBeLessThanOrEqual(size * 2);
  });
  it('addMany verifies in one batch and reports each result', async () => {
    const { mp } = await pool();
    const res = mp.addMany([transfer(alice, bob.pk, 5n, 1), transfer(alice, bob.pk, 5n, 0), { ...transfer(alice, bob.pk, 5n, 2), signature: new Uint8Array(64) }]);
    expect(res[0]).not.toBeInstanceOf(Error);
    expect(res[1]).not.toBeInstanceOf(Error);
    expect((res[2] as C.ValidationError).reason).toBe('bad-txns-signature');
  });
});

describe('templates', () => {
  it('builds a template from the mempool, mines it and accepts it', async () => {
    const h = await setup();
    const mp = new C.Mempool(h.chain);
    mp.add(transfer(alice, bob.pk, 5n, 0, 500n));
    mp.add(transfer(alice, bob.pk, 7n, 1, 300n));
    const t = C.createBlockTemplate(h.chain, mp, { coinbaseTo: carol.pk });
    expect(t.height).toBe(1);
    expect(t.fees).toBe(800n);
    expect((t.block.txs[0] as C.Transaction<C.CoinbaseBody>).body.amount).toBe(h.params.blockReward + 800n);
    const mined = solve(t.header, t.target);
    const r = await h.chain.addBlock(C.completeBlock(t, { nonce: mined.nonce }));
    expect(r.status).toBe('connected');
    mp.update(r);
    expect(mp.size).toBe(0);
    expect(h.chain.getAccount(carol.pk).balance).toBe(h.params.blockReward + 800n);
  });
  it('template-mismatch: a header for another template', async () => {
    const h = await setup();
    const t = C.createBlockTemplate(h.chain, null, { coinbaseTo: carol.pk });
    await expectReason(() => C.completeBlock(t, { ...t.header, merkleRoot: new Uint8Array(32) }), C.ChainError, 'template-mismatch');
  });
});
