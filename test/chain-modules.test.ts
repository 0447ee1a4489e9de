// The module seam: journaled state with a root, undo and reorgs that restore the root
// exactly, an example module added as one folder, the PoW engine on the engine interface,
// and the store format check.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../dist/index.js';
import * as C from '../dist/chain/index.js';
import { expectReason, keyOf, makeBlock, openChain, solve, transfer } from './support/chain.js';
import { createNote, NOTE_KIND, notes } from './support/modules/notes/index.js';

beforeAll(async () => {
  await ready();
});

const keys = [1, 2, 3, 4, 5].map(keyOf);
const params = C.defineParams(C.regtestParams, { premine: keys.slice(0, 3).map((k) => ({ publicKey: k.pk, amount: 100_000n })) });
const engine = new C.ProofOfWork(params);
const header = C.genesisBlock(params).header;

/** A block of transfers (from, to, amount) at `height` on `state`, with the roots it commits. */
function blockOn(state: C.ChainState, height: number, moves: [number, number, number][]): C.Block {
  const nonces = new Map<number, number>();
  const txs: C.Transaction[] = moves.map(([f, t, a]) => {
    const n = nonces.get(f) ?? state.getAccount(keys[f].pk).nonce;
    nonces.set(f, n + 1);
    return transfer(keys[f], keys[t].pk, BigInt(a), n, 10n, params.chainId);
  });
  const cb = C.createCoinbase(params.chainId, height, keys[height % keys.length].pk, engine.blockReward(height) + 10n * BigInt(txs.length));
  const draft = { header, txs: [cb, ...txs] };
  let roots = { stateRoot: new Uint8Array(32), receiptsRoot: new Uint8Array(32) };
  try {
    roots = C.previewRoots(state, draft, height, engine);
  } catch (e) {
    if (!(e instanceof C.ValidationError)) throw e;
  }
  return { header, txs: [C.withRoots(cb, roots), ...txs] };
}

function freshState(): C.ChainState {
  const s = new C.ChainState(params);
  C.applyBlock(s, C.genesisBlock(params), 0, engine, { genesis: true });
  return s;
}

/** The root of the same entries in a brand-new tree (no incremental history). */
function rootFromScratch(s: C.ChainState): string {
  const t = new C.ChainState(params);
  for (const [k, v] of s.entries()) t.load(k, v);
  return C.toHex(t.root());
}

const arbMove = fc.tuple(fc.nat({ max: 4 }), fc.nat({ max: 4 }), fc.integer({ min: 1, max: 60_000 })).filter(([f, t]) => f !== t);
const arbStep = fc.oneof(
  fc.record({ op: fc.constant('apply' as const), moves: fc.array(arbMove, { maxLength: 6 }) }),
  fc.record({ op: fc.constant('undo' as const), n: fc.integer({ min: 1, max: 4 }) }),
);

describe('journaled state and the state root', () => {
  it('random block sequences with random undos: every undo returns the root exactly (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(arbStep, { minLength: 1, maxLength: 25 }), (steps) => {
        const s = freshState();
        const roots = [C.toHex(s.root())];
        const undos: C.BlockUndo[] = [];
        for (const step of steps) {
          if (step.op === 'apply') {
            const height = undos.length + 1;
            const block = blockOn(s, height, step.moves);
            const before = C.toHex(s.root());
            try {
              const r = C.applyBlock(s, block, height, engine);
              undos.push(r.undo);
              roots.push(C.toHex(s.root()));
              expect(C.toHex(r.stateRoot)).toBe(roots[roots.length - 1]);
            } catch (e) {
              if (!(e instanceof C.ValidationError)) throw e;
              expect(C.toHex(s.root())).toBe(before); // all-or-nothing
            }
          } else {
            for (let i = 0; i < step.n && undos.length; i++) {
              C.undoBlock(s, undos.pop()!);
              roots.pop();
              expect(C.toHex(s.root())).toBe(roots[roots.length - 1]);
            }
          }
        }
        expect(rootFromScratch(s)).toBe(C.toHex(s.root()));
      }),
      { numRuns: 60 },
    );
  });

  it('nested frames revert exactly their own writes', () => {
    const s = new C.JournaledState();
    s.begin();
    s.set('a/1', new Uint8Array([1]));
    const r1 = C.toHex(s.root());
    s.begin();
    s.set('a/1', new Uint8Array([2]));
    s.set('a/2', new Uint8Array([3]));
    s.begin();
    s.set('a/3', new Uint8Array([4]));
    s.commit(); // joins the middle frame
    s.revert(); // the middle frame, with what the inner one committed into it
    expect(s.get('a/1')).toEqual(new Uint8Array([1]));
    expect(s.get('a/2')).toBeUndefined();
    expect(s.get('a/3')).toBeUndefined();
    expect(C.toHex(s.root())).toBe(r1);
    const undo = s.commitBlock();
    expect(undo.entries).toHaveLength(1);
    s.undo(undo);
    expect(s.size).toBe(0);
    expect(C.toHex(s.root())).toBe('00'.repeat(32));
  });

  it('the root changes with any value and does not depend on write order', () => {
    const a = new C.JournaledState();
    const b = new C.JournaledState();
    for (let i = 0; i < 300; i++) a.set(`x/${i}`, new Uint8Array([i & 255, 1]));
    for (let i = 299; i >= 0; i--) b.set(`x/${i}`, new Uint8Array([i & 255, 1]));
    expect(C.toHex(a.root())).toBe(C.toHex(b.root()));
    b.set('x/17', new Uint8Array([17, 2]));
    expect(C.toHex(a.root())).not.toBe(C.toHex(b.root()));
    b.set('x/17', new Uint8Array([17, 1]));
    expect(C.toHex(a.root())).toBe(C.toHex(b.root()));
  });
});

describe('reorgs on the chain', () => {
  it('random forks and reorgs: the tip root always equals a replay from genesis, and reopening the store keeps it (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat({ max: 3 }), fc.array(arbMove, { maxLength: 3 })), { minLength: 2, maxLength: 8 }), async (plan) => {
        const store = C.memoryStore();
        const h = await openChain({ premine: params.premine }, store);
        const rootAt = new Map<string, string>();
        let t = 0;
        for (const [depth, moves] of plan) {
          // Fork `depth` blocks below the tip and build depth + 1 blocks: a reorg when depth > 0.
          let parent = h.chain.tip;
          for (let i = 0; i < depth && parent.parent; i++) parent = parent.parent;
          for (let i = 0; i <= depth; i++) {
            const shadow = freshState();
            const branch: C.BlockIndexEntry[] = [];
            for (let e: C.BlockIndexEntry | null = parent; e && e.height > 0; e = e.parent) branch.unshift(e);
            for (const e of branch) C.applyBlock(shadow, (await h.chain.getBlock(e.hash))!, e.height, engine);
            const left = new Map<number, bigint>();
            const valid = moves.filter(([f, , a]) => {
              const have = left.get(f) ?? shadow.getAccount(keys[f].pk).balance;
              if (have < BigInt(a) + 10n) return false;
              left.set(f, have - BigInt(a) - 10n);
              return true;
            });
            const txs = i === 0 ? blockOn(shadow, parent.height + 1, valid).txs.slice(1) : [];
            const b = makeBlock(h, txs, { parent, time: parent.time + 1 + (t++ % 3) });
            await h.chain.addBlock(b);
            parent = h.chain.getEntry(C.blockHash(b.header))!;
          }
          expect(h.chain.tip).toBe(parent);
          const replay = freshState();
          for (let hh = 1; hh <= h.chain.height; hh++) C.applyBlock(replay, (await h.chain.getBlockAtHeight(hh))!, hh, engine);
          expect(C.toHex(h.chain.stateRoot())).toBe(C.toHex(replay.root()));
          // Every block's coinbase committed the root after it; the tip's is the live root.
          for (let e: C.BlockIndexEntry | null = h.chain.tip; e && e.height > 0; e = e.parent) {
            const cb = (await h.chain.getBlock(e.hash))!.txs[0] as C.Transaction<C.CoinbaseBody>;
            rootAt.set(C.toHex(e.hash), C.toHex(cb.body.stateRoot));
          }
          expect(C.toHex(h.chain.stateRoot())).toBe(rootAt.get(C.toHex(h.chain.tip.hash)));
        }
        const again = await C.Chain.open({ params: h.chain.params, store, now: () => h.clock.now });
        expect(C.toHex(again.stateRoot())).toBe(C.toHex(h.chain.stateRoot()));
      }),
      { numRuns: 12 },
    );
  });

  it('a reorg back to an earlier branch restores the root that branch had', async () => {
    const h = await openChain({ premine: params.premine });
    const a1 = makeBlock(h, [transfer(keys[0], keys[3].pk, 500n, 0, 10n, params.chainId)]);
    await h.chain.addBlock(a1);
    const rootA1 = C.toHex(h.chain.stateRoot());
    const fork = h.chain.getEntryAtHeight(0)!;
    const b1 = makeBlock(h, [transfer(keys[1], keys[4].pk, 700n, 0, 10n, params.chainId)], { parent: fork, time: fork.time + 2 });
    await h.chain.addBlock(b1);
    const b2 = makeBlock(h, [], { parent: h.chain.getEntry(C.blockHash(b1.header))! });
    expect((await h.chain.addBlock(b2)).status).toBe('reorg');
    expect(C.toHex(h.chain.stateRoot())).not.toBe(rootA1);
    const a2 = makeBlock(h, [], { parent: h.chain.getEntry(C.blockHash(a1.header))! });
    await h.chain.addBlock(a2);
    const a3 = makeBlock(h, [], { parent: h.chain.getEntry(C.blockHash(a2.header))! });
    expect((await h.chain.addBlock(a3)).status).toBe('reorg');
    // a2 and a3 are empty blocks: only the miners' credits differ from rootA1's state
    const replay = freshState();
    C.applyBlock(replay, a1, 1, engine);
    expect(C.toHex(replay.root())).toBe(rootA1);
  });
});

describe('an example module added as one folder (test/support/modules/notes)', () => {
  const registry = C.defaultRegistry.with(notes);
  const alice = keys[0];

  it('registers its kind, decodes, checks, applies through the bank keeper and undoes on a reorg', async () => {
    const h = await openChain({ premine: params.premine });
    const chain = await C.Chain.open({ params: h.chain.params, registry, now: () => h.clock.now });
    const mp = new C.Mempool(chain);
    const tx = createNote(chain.params.chainId, 0, 2000n, { key: new TextEncoder().encode('hi'), value: new Uint8Array([1, 2, 3]) }, alice.sk, registry);
    // The default registry does not know the kind: a typed DecodeError, not a crash.
    expect(() => C.decodeTx(C.encodeTx(tx))).toThrow(C.DecodeError);
    const back = C.decodeTx(C.encodeTx(tx), registry);
    expect(back.kind).toBe(NOTE_KIND);
    mp.add(C.encodeTx(tx));
    const before = C.toHex(chain.stateRoot());
    const t = C.createBlockTemplate(chain, mp, { coinbaseTo: keys[4].pk, time: chain.tip.time + 1 });
    expect(t.block.txs).toHaveLength(2);
    const mined = C.completeBlock(t, solve(t.header, t.target));
    const r = await chain.addBlock(C.encodeBlock(mined));
    expect(r.status).toBe('connected');
    expect(chain.getAccount(alice.pk).balance).toBe(100_000n - 2000n - 5n); // fee + burned deposit
    const view = registry.rpcViews().get('getnote')!;
    expect(view.handler(chain.state, [C.toHex(alice.pk), C.toHex(new TextEncoder().encode('hi'))])).toBe('010203');
    expect(C.txToJson(back, registry)).toMatchObject({ kind: 'note', key: '6869', value: '010203' });
    // A longer branch without the note: the reorg undoes it and the root returns.
    const fork = chain.getEntryAtHeight(0)!;
    const h2 = { chain, params: chain.params, clock: h.clock };
    const b1 = makeBlock(h2, [], { parent: fork, time: fork.time + 3, miner: keys[4].pk });
    await chain.addBlock(b1);
    await chain.addBlock(makeBlock(h2, [], { parent: chain.getEntry(C.blockHash(b1.header))!, miner: keys[4].pk }));
    expect(chain.height).toBe(2);
    expect(view.handler(chain.state, [C.toHex(alice.pk), C.toHex(new TextEncoder().encode('hi'))])).toBeNull();
    expect(chain.getAccount(alice.pk).balance).toBe(100_000n);
    expect(C.toHex(chain.stateRoot())).not.toBe(before); // two miner credits
    expect(mp.size).toBe(1); // the note came back to the mempool
  });

  it('the registry refuses clashing kinds and namespaces', () => {
    expect(() => C.defaultRegistry.with(notes, notes)).toThrow(C.ChainError);
    expect(() => C.defaultRegistry.with({ ...notes, name: 'other', namespace: 'bank' })).toThrow(/namespace bank is taken/);
    expect(() => C.defaultRegistry.with({ ...notes, name: 'other', namespace: 'other', kinds: [{ ...C.defaultRegistry.spec(1)!, kind: 1 }] as never })).toThrow(/kind 1 is claimed/);
  });
});

describe('the consensus engine seam', () => {
  it('proof of work fills it: no finality, no validator set, no modules, rewards by the halving rule', () => {
    const pow = new C.ProofOfWork(params);
    expect(pow.finalizedHeight({ height: 100, time: 0, bits: 0 })).toBe(0);
    expect(pow.validatorSet()).toBeNull();
    expect(pow.modules).toHaveLength(0);
    expect(pow.blockReward(params.halvingInterval)).toBe(params.blockReward / 2n);
  });

  it('a finality rule from the engine stops reorgs below the finalized height', async () => {
    class Finalizing extends C.ProofOfWork {
      override finalizedHeight(tip: { height: number }): number {
        return tip.height; // every connected block is final
      }
    }
    const p = C.defineParams(C.regtestParams, {});
    const clock = { now: p.genesisTime + 1_000_000 };
    const chain = await C.Chain.open({ params: p, consensus: new Finalizing(p), now: () => clock.now });
    const h = { chain, params: p, clock };
    await chain.addBlock(makeBlock(h, []));
    const fork = chain.getEntryAtHeight(0)!;
    const s1 = makeBlock(h, [], { parent: fork, time: fork.time + 5 });
    await chain.addBlock(s1);
    const s2 = makeBlock(h, [], { parent: chain.getEntry(C.blockHash(s1.header))! });
    await expectReason(() => chain.addBlock(s2), C.ValidationError, 'bad-fork-finalized');
    expect(chain.height).toBe(1);
  });

  it('engine modules join the registry', async () => {
    class WithNotes extends C.ProofOfWork {
      override readonly modules = [notes];
    }
    const chain = await C.Chain.open({ params, consensus: new WithNotes(params) });
    expect(chain.registry.spec(NOTE_KIND)?.name).toBe('note');
  });
});

describe('store format', () => {
  it('an old-format store gets a clear store-format error, not a crash', async () => {
    const store = C.memoryStore();
    const h = await openChain({}, store);
    await h.chain.addBlock(makeBlock(h, []));
    await store.commit([{ type: 'del', key: new Uint8Array([0x56]) }]); // as a format-1 store
    let err: unknown;
    try {
      await C.Chain.open({ params: h.chain.params, store });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(C.ChainError);
    expect((err as C.ChainError).reason).toBe('store-format');
    expect((err as Error).message).toMatch(/delete the data dir .* re-sync/);
    await store.commit([{ type: 'put', key: new Uint8Array([0x56]), value: new Uint8Array([C.STORE_FORMAT]) }]);
    expect((await C.Chain.open({ params: h.chain.params, store })).height).toBe(1);
  });
});
