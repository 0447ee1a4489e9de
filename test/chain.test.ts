// End to end: a devnet mined with the real nonce scanner, reorgs with conflicting
// transactions, and a store that survives reopening.
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../dist/index.js';
import * as C from '../dist/chain/index.js';
import { bitsToTarget, encodeHeader, scanNonces, targetToBits } from '../dist/pow/index.js';
import { MemoryLevel } from 'memory-level';
import { keyOf, makeBlock, openChain, transfer, type Harness } from './support/chain.js';

/** An abstract-level database behind the store interface, as the node plugs in classic-level. */
const levelStore = () => new C.LevelStore(new MemoryLevel<Uint8Array, Uint8Array>({ keyEncoding: 'view', valueEncoding: 'view' }) as unknown as C.LevelLike);

beforeAll(async () => {
  await ready();
});

const alice = keyOf(1);
const bob = keyOf(2);
const carol = keyOf(3);
const dave = keyOf(4);
const miner = keyOf(7);

describe('devnet', () => {
  it('mines 200 blocks with transfers through mempool, templates and the real miner', async () => {
    // The devnet preset with an easy genesis target (~256 hashes a block) and 2 s spacing
    // (twice the target time): every retarget window eases the target until powLimit.
    const params = C.defineParams(C.devnetParams, { genesisBits: 0x2000ffff, premine: [{ publicKey: alice.pk, amount: 10_000_000n }] });
    let now = params.genesisTime;
    const chain = await C.Chain.open({ params, now: () => now, store: levelStore() });
    const mp = new C.Mempool(chain);
    chain.subscribe((ev) => mp.update(ev));
    const keys = [alice, bob, carol, dave];
    let hashes = 0;
    const bitsSeen = new Set<number>();
    for (let height = 1; height <= 200; height++) {
      // Whoever has money pays a neighbour.
      for (let k = 0; k < keys.length; k++) {
        const from = keys[k];
        const acct = chain.getAccount(from.pk);
        if (acct.balance > 10_000n) mp.add(transfer(from, keys[(k + 1) % keys.length].pk, 1000n + BigInt(height), mp.nextNonce(from.pk), 200n + BigInt(k), params.chainId));
      }
      now += 2;
      const t = C.createBlockTemplate(chain, mp, { coinbaseTo: miner.pk, time: now });
      const r = scanNonces(encodeHeader(t.header), t.target, 0, 0xffffffff);
      expect(r.nonce).not.toBeNull();
      hashes += r.hashes;
      const res = await chain.addBlock(C.encodeBlock(C.completeBlock(t, { nonce: r.nonce! })));
      expect(res.status).toBe('connected');
      bitsSeen.add(t.header.bits);
    }
    expect(chain.height).toBe(200);
    expect(mp.size).toBe(0);
    // Retarget: window 1 (29 spacings of 2 s vs 1 s) doubles the target, and so does every
    // later window (30 spacings of 2 s): six doublings by height 180.
    expect(chain.getEntryAtHeight(29)!.bits).toBe(0x2000ffff);
    expect(chain.getEntryAtHeight(30)!.bits).toBe(targetToBits(bitsToTarget(0x2000ffff) * 2n));
    expect(chain.getEntryAtHeight(200)!.bits).toBe(targetToBits(bitsToTarget(0x2000ffff) * 64n));
    expect(chain.nextBits()).toBe(0x203fffc0);
    expect(bitsSeen.size).toBe(7);
    // Money is conserved: premine + subsidies = sum of balances (fees recycle to the miner).
    let total = 0n;
    for (const k of [...keys, miner]) total += chain.getAccount(k.pk).balance;
    expect(total).toBe(10_000_000n + params.blockReward * 200n);
    expect(chain.getAccount(alice.pk).nonce).toBe(200);
    expect(hashes).toBeGreaterThan(200);
    // Every stored block decodes and re-encodes identically.
    const b150 = await chain.getBlockAtHeight(150);
    expect(C.blockHash(b150!.header)).toEqual(chain.getHashAtHeight(150));
  });
});

describe('fork choice and reorgs', () => {
  async function setup(): Promise<Harness> {
    return openChain({ premine: [{ publicKey: alice.pk, amount: 1_000_000n }, { publicKey: dave.pk, amount: 1_000_000n }] });
  }

  it('reorgs to the branch with more work, undoing conflicting transactions', async () => {
    const h = await setup();
    const { chain } = h;
    const mp = new C.Mempool(chain);
    const base = await chain.addBlock(makeBlock(h, []));
    const fork = chain.tip;
    expect(base.status).toBe('connected');

    // Branch A: alice pays bob (nonce 0), dave pays carol.
    const toBob = transfer(alice, bob.pk, 1000n, 0);
    const daveTx = transfer(dave, carol.pk, 77n, 0);
    const a1 = makeBlock(h, [toBob, daveTx], { miner: bob.pk });
    mp.add(toBob);
    mp.add(daveTx);
    const r1 = await chain.addBlock(a1);
    expect(r1.status).toBe('connected');
    mp.update(r1);
    expect(mp.size).toBe(0);
    expect(chain.getAccount(bob.pk).balance).toBe(1000n + h.params.blockReward + 400n);

    // Branch B from the fork: the same alice nonce pays carol instead (conflict).
    const toCarol = transfer(alice, carol.pk, 5000n, 0);
    const b1 = makeBlock(h, [toCarol], { parent: fork, time: fork.time + 3 });
    const rb1 = await chain.addBlock(b1);
    expect(rb1.status).toBe('side-chain'); // equal work: first seen stays
    expect(chain.tip.hash).toEqual(C.blockHash(a1.header));
    const b2 = makeBlock(h, [], { parent: chain.getEntry(C.blockHash(b1.header))! });
    const rb2 = await chain.addBlock(b2);
    expect(rb2.status).toBe('reorg');
    expect(rb2.disconnected.map((b) => C.blockHash(b.header))).toEqual([C.blockHash(a1.header)]);
    expect(rb2.connected.map((b) => C.blockHash(b.header))).toEqual([C.blockHash(b1.header), C.blockHash(b2.header)]);
    expect(chain.height).toBe(3);
    expect(chain.getAccount(bob.pk).balance).toBe(0n);
    expect(chain.getAccount(carol.pk).balance).toBe(5000n);
    expect(chain.getAccount(alice.pk)).toEqual({ balance: 1_000_000n - 5200n, nonce: 1 });
    expect(await chain.getTransaction(C.txid(toBob))).toBeUndefined();

    // The mempool takes back the reorg'd transactions that are still valid: dave's, not
    // alice's (her nonce 0 is spent on branch B).
    mp.update(rb2);
    expect(mp.has(C.txid(daveTx))).toBe(true);
    expect(mp.has(C.txid(toBob))).toBe(false);

    // Branch A grows back past B: reorg of depth 2, state is A's again.
    const a2 = makeBlock(h, [], { parent: chain.getEntry(C.blockHash(a1.header))! });
    expect((await chain.addBlock(a2)).status).toBe('side-chain');
    const a3 = makeBlock(h, [], { parent: chain.getEntry(C.blockHash(a2.header))! });
    const ra3 = await chain.addBlock(a3);
    expect(ra3.status).toBe('reorg');
    expect(ra3.disconnected.length).toBe(2);
    expect(chain.getAccount(bob.pk).balance).toBe(1000n + h.params.blockReward + 400n);
    expect(chain.getAccount(carol.pk).balance).toBe(77n);
    mp.update(ra3);
    expect(mp.has(C.txid(daveTx))).toBe(false); // included again on A
  });

  it('a deep reorg matches a fresh replay of the winning branch', async () => {
    const h = await setup();
    const { chain } = h;
    const fork = chain.tip;
    const mainBlocks: C.Block[] = [];
    for (let i = 0; i < 12; i++) {
      const b = makeBlock(h, [transfer(alice, bob.pk, 10n + BigInt(i), i)]);
      mainBlocks.push(b);
      await chain.addBlock(b);
    }
    // A competing branch of 13 blocks from genesis with other transactions.
    const side: C.Block[] = [];
    let parent = fork;
    for (let i = 0; i < 13; i++) {
      const b = makeBlock(h, i < 5 ? [transfer(dave, carol.pk, 100n, i)] : [], { parent, miner: carol.pk, time: parent.time + 11 });
      side.push(b);
      const r = await chain.addBlock(b);
      expect(r.status).toBe(i < 12 ? 'side-chain' : 'reorg');
      if (i === 12) expect(r.disconnected.length).toBe(12);
      parent = chain.getEntry(C.blockHash(b.header))!;
    }
    const fresh = await setup();
    for (const b of side) await fresh.chain.addBlock(b);
    for (const k of [alice, bob, carol, dave]) expect(chain.getAccount(k.pk)).toEqual(fresh.chain.getAccount(k.pk));
    expect(chain.tip.hash).toEqual(fresh.chain.tip.hash);
    expect(chain.tip.chainWork).toBe(fresh.chain.tip.chainWork);
  });

  it('a branch that fails when connected leaves the old chain in place', async () => {
    const h = await setup();
    const { chain } = h;
    const fork = chain.tip;
    await chain.addBlock(makeBlock(h, [transfer(alice, bob.pk, 10n, 0)]));
    const tip = chain.tip;
    const s1 = makeBlock(h, [], { parent: fork, time: fork.time + 5 });
    await chain.addBlock(s1);
    // s2 double-spends alice's balance: stateless-valid, fails only when connected.
    const s2 = makeBlock(h, [transfer(alice, bob.pk, 2_000_000n, 0)], { parent: chain.getEntry(C.blockHash(s1.header))! });
    await expect(chain.addBlock(s2)).rejects.toMatchObject({ reason: 'bad-txns-insufficient-funds' });
    expect(chain.tip).toBe(tip);
    expect(chain.getAccount(bob.pk).balance).toBe(10n);
    expect(chain.getEntry(C.blockHash(s2.header))!.status).toBe('invalid');
  });
});

describe('store', () => {
  it.each([
    ['MemoryStore (default)', () => C.memoryStore()],
    ['LevelStore over memory-level', levelStore],
  ])('%s: reopens with the same tip, index and balances', async (_name, makeStore) => {
    const store = makeStore();
    const h = await openChain({ premine: [{ publicKey: alice.pk, amount: 1_000_000n }] }, store);
    for (let i = 0; i < 5; i++) await h.chain.addBlock(makeBlock(h, [transfer(alice, bob.pk, 100n, i)]));
    const side = makeBlock(h, [], { parent: h.chain.getEntryAtHeight(3)!, time: h.chain.getEntryAtHeight(3)!.time + 7 });
    expect((await h.chain.addBlock(side)).status).toBe('side-chain');
    const tip = h.chain.tip;
    await h.chain.close();

    const again = await C.Chain.open({ params: h.params, store, now: () => h.clock.now });
    expect(again.tip.hash).toEqual(tip.hash);
    expect(again.tip.chainWork).toBe(tip.chainWork);
    expect(again.getAccount(bob.pk)).toEqual({ balance: 500n, nonce: 0 });
    expect(again.getEntry(C.blockHash(side.header))?.height).toBe(4);
    // It keeps working: extend, and reorg onto the stored side branch.
    const h2 = { ...h, chain: again };
    expect((await again.addBlock(makeBlock(h2, [transfer(alice, bob.pk, 100n, 5)]))).status).toBe('connected');
    expect(again.getAccount(bob.pk).balance).toBe(600n);
    await again.close();
  });

  it('refuses a store written for another genesis (genesis-mismatch)', async () => {
    const store = C.memoryStore();
    const h = await openChain({}, store);
    await h.chain.close();
    await expect(C.Chain.open({ params: C.defineParams(C.regtestParams, { genesisMessage: 'other' }), store })).rejects.toMatchObject({ reason: 'genesis-mismatch' });
  });

  it('a crash between storing a block and connecting it: reopening connects the stored most-work branch', async () => {
    const base = C.memoryStore();
    let crashOnConnect = false;
    const store: C.ChainStore = {
      open: () => base.open(),
      close: () => base.close(),
      get: (k) => base.get(k),
      entries: (p) => base.entries(p),
      // The connect batch is the one that moves the tip ('T'); the first batch only stores the block.
      commit: (ops) => (crashOnConnect && ops.some((o) => o.key.length === 1 && o.key[0] === 0x54) ? Promise.reject(new Error('killed')) : base.commit(ops)),
    };
    const h = await openChain({ premine: [{ publicKey: alice.pk, amount: 1_000_000n }] }, store);
    await h.chain.addBlock(makeBlock(h, [transfer(alice, bob.pk, 100n, 0)]));
    const b2 = makeBlock(h, [transfer(alice, bob.pk, 50n, 1)]);
    crashOnConnect = true;
    await expect(h.chain.addBlock(b2)).rejects.toThrow('killed');
    crashOnConnect = false;

    const again = await C.Chain.open({ params: h.params, store: base, now: () => h.clock.now });
    expect(again.height).toBe(2);
    expect(again.tip.hash).toEqual(C.blockHash(b2.header));
    expect(again.getAccount(bob.pk)).toEqual({ balance: 150n, nonce: 0 });
    expect(again.getAccount(alice.pk).nonce).toBe(2);
    await again.close();
  });

  it('connects atomically: a failing store batch leaves state and tip unchanged', async () => {
    const base = C.memoryStore();
    let fail = false;
    const store: C.ChainStore = {
      open: () => base.open(),
      close: () => base.close(),
      get: (k) => base.get(k),
      entries: (p) => base.entries(p),
      commit: (ops) => (fail ? Promise.reject(new Error('disk full')) : base.commit(ops)),
    };
    const h = await openChain({ premine: [{ publicKey: alice.pk, amount: 1_000_000n }] }, store);
    const b = makeBlock(h, [transfer(alice, bob.pk, 100n, 0)]);
    fail = true;
    await expect(h.chain.addBlock(b)).rejects.toThrow('disk full');
    expect(h.chain.height).toBe(0);
    expect(h.chain.getAccount(alice.pk).balance).toBe(1_000_000n);
    fail = false;
    expect((await h.chain.addBlock(b)).status).toBe('connected');
  });
});
