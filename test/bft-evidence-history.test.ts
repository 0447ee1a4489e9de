// Evidence is judged against the validator set of its own vote height: a validator that
// equivocated and then left the set (a remove vote, unbonding out of the active set, any
// rotation) is still caught while the evidence is within evidenceMaxAge; a key that was not
// in the set of that height is refused even if it is a validator now; and the history of
// past sets the bft module keeps for this stays within evidenceMaxAge entries.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as B from '../dist/bft/index.js';
import * as C from '../dist/chain/index.js';
import { prune, retire, retiredAt, retiredCount } from '../dist/chain/modules/bft/set-history.js';
import { sha256 } from '../dist/hash/index.js';
import { ed25519 } from '../dist/sig/index.js';
import { consortiumParams, GENESIS_TIME, keyOf, Producer, TIMEOUTS, type Key } from './support/bft-chain.js';

const keys = [0, 1, 2, 3, 4, 5].map((i) => keyOf(`hist ${i}`));
const reporter = keyOf('hist reporter');
const FEE = 10_000n;
const COIN = 100_000_000n;

function vote(chainId: number, k: Key, type: number, height: number, id: number): B.Vote {
  const blockId = sha256(new Uint8Array([id]));
  const v: B.Vote = { type, height, round: 0, blockId, validator: k.pk, signature: new Uint8Array(64) };
  v.signature = ed25519.sign(B.voteSignBytesOf(chainId, v), k.sk);
  return v;
}

function evidenceTx(chain: C.Chain, mempool: C.Mempool, offender: Key, height: number, type = B.PREVOTE): C.Transaction {
  const id = chain.params.chainId;
  return C.createEvidenceTx({ chainId: id, nonce: mempool.nextNonce(reporter.pk), fee: FEE, evidence: { a: vote(id, offender, type, height, 1), b: vote(id, offender, type, height, 2) } }, reporter.sk);
}

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(C.ChainError);
    return (e as C.ChainError).reason;
  }
  return 'accepted';
}

async function reasonAsync(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(C.ChainError);
    return (e as C.ChainError).reason;
  }
  return 'accepted';
}

/** Adds a block made by `p` with `tx` appended (bypassing the mempool's admission). */
function blockWith(p: Producer, tx: C.Transaction): Promise<C.AddBlockResult> {
  const block = p.block();
  const txs = [...block.txs, tx];
  return p.chain.addBlock({ header: { ...block.header, merkleRoot: C.computeMerkleRoot(txs) }, txs });
}

async function consortium(n: number, extra: Partial<C.ChainParams> = {}): Promise<Producer> {
  const premine = [...keys, reporter].map((k) => ({ publicKey: k.pk, amount: 1_000_000_000n }));
  const chain = await C.Chain.open({ params: consortiumParams(keys.slice(0, n), { premine, ...extra }), now: () => GENESIS_TIME + 1_000_000 });
  const p = new Producer(chain, [...keys, reporter]);
  await p.extend(1);
  return p;
}

function memberVote(p: Producer, from: Key, action: 'add' | 'remove', subject: Key): C.Transaction {
  return C.createValidatorVoteTx({ chainId: p.params.chainId, nonce: p.mempool.nextNonce(from.pk), fee: FEE, action, subject: subject.pk }, from.sk);
}

const hexes = (vs: readonly { publicKey: Uint8Array }[] | null) => (vs ?? []).map((v) => C.toHex(v.publicKey)).sort();
const keyHexes = (ks: Key[]) => ks.map((k) => C.toHex(k.pk)).sort();
const members = (p: Producer) => C.queryMembers(p.chain.state).map((m) => C.toHex(m.publicKey)).sort();

describe('evidence against the set of its height (consortium)', () => {
  it('a validator that equivocated at h and was removed at h+1 is still caught by evidence submitted later', async () => {
    const p = await consortium(4);
    await p.extend(1); // height 2: keys[3] signs two prevotes at height 2
    for (const k of keys.slice(0, 3)) p.mempool.add(memberVote(p, k, 'remove', keys[3]));
    await p.extend(1); // height 3 removes it: the set of height 4 on is keys 0..2
    await p.extend(3); // height 6: neither the tip's set nor the next one holds keys[3]
    expect(hexes(C.lastSet(p.chain.state)!.validators)).toEqual(keyHexes(keys.slice(0, 3)));
    expect(hexes(C.validatorsAtHeight(p.chain.state, 2))).toEqual(keyHexes(keys.slice(0, 4)));
    expect(hexes(C.validatorsAtHeight(p.chain.state, 4))).toEqual(keyHexes(keys.slice(0, 3)));
    const ev = evidenceTx(p.chain, p.mempool, keys[3], 2);
    p.mempool.add(ev);
    const [b] = await p.extend(1);
    expect(b.txs.map((t) => C.toHex(C.txid(t)))).toContain(C.toHex(C.txid(ev)));
    // Punishing a validator that already left is a no-op for the consortium rule.
    expect(members(p)).toEqual(keyHexes(keys.slice(0, 3)));
    // The offence counts once.
    expect(reason(() => p.mempool.add(evidenceTx(p.chain, p.mempool, keys[3], 2)))).toBe('bft-evidence-duplicate');
    await p.extend(2);
    expect(p.chain.height).toBe(9);
    await p.chain.close();
  });

  it('refuses evidence naming a key outside the set of its height, even when the key is a validator now', async () => {
    const p = await consortium(4);
    for (const k of keys.slice(0, 3)) p.mempool.add(memberVote(p, k, 'add', keys[4]));
    await p.extend(1); // height 2 adds keys[4]: it votes from height 3 on
    await p.extend(1);
    expect(hexes(C.currentSet(p.chain.state).validators)).toContain(C.toHex(keys[4].pk));
    const early = evidenceTx(p.chain, p.mempool, keys[4], 2);
    expect(reason(() => p.mempool.add(early))).toBe('bft-evidence-not-validator');
    const e = await reasonAsync(blockWith(p, early));
    expect(e).toBe('bft-evidence-not-validator');
    expect(reason(() => p.mempool.add(evidenceTx(p.chain, p.mempool, keys[5], 3)))).toBe('bft-evidence-not-validator');
    // The same key's offence at a height it voted on is taken, and removes it.
    p.mempool.add(evidenceTx(p.chain, p.mempool, keys[4], 3));
    await p.extend(1);
    expect(members(p)).toEqual(keyHexes(keys.slice(0, 4)));
    await p.chain.close();
  });

  it('still refuses evidence older than evidenceMaxAge; the edge of the window is taken', async () => {
    const p = await consortium(4, { evidenceMaxAge: 3 });
    await p.extend(1); // height 2
    for (const k of keys.slice(0, 3)) p.mempool.add(memberVote(p, k, 'remove', keys[3]));
    await p.extend(3); // height 3 removes keys[3]; tip 5, the next block accepts heights >= 3
    expect(reason(() => p.mempool.add(evidenceTx(p.chain, p.mempool, keys[3], 2)))).toBe('bft-evidence-too-old');
    expect(await reasonAsync(blockWith(p, evidenceTx(p.chain, p.mempool, keys[3], 2)))).toBe('bft-evidence-too-old');
    const edge = evidenceTx(p.chain, p.mempool, keys[3], 3);
    p.mempool.add(edge);
    const [b] = await p.extend(1);
    expect(b.txs.map((t) => C.toHex(C.txid(t)))).toContain(C.toHex(C.txid(edge)));
    // Once no block may take height 3 any more, the set it was judged by is gone too.
    await p.extend(2);
    expect(C.retiredSetCount(p.chain.state)).toBe(0);
    expect(C.validatorsAtHeight(p.chain.state, 3)).toBeNull();
    await p.chain.close();
  });
});

describe('evidence against a validator that left a stake-based set', () => {
  const posKeys = keys.slice(0, 4);
  const premine = [...posKeys, reporter].map((k) => ({ publicKey: k.pk, amount: 1_000_000n * COIN }));
  const signed = <T>(chain: C.Chain, key: Key, kind: number, body: T): C.Transaction =>
    C.signTx({ chainId: chain.params.chainId, kind, from: key.pk, nonce: chain.getAccount(key.pk).nonce, fee: 1000n, body }, key.sk, chain.registry) as C.Transaction;

  it('pos: a validator that equivocated and then unbonded out of the set is still slashed (its unbonding stake) and stays jailed', async () => {
    const params = C.withValidators(C.posDevnetParams, posKeys.map((k, i) => ({ publicKey: k.pk, power: 1n, name: `v${i}` })), { genesisTime: GENESIS_TIME, bftTimeouts: TIMEOUTS, premine });
    const chain = await C.Chain.open({ params, now: () => GENESIS_TIME + 10_000 });
    const p = new Producer(chain, [...posKeys, reporter]);
    await p.extend(2); // keys[3] signs two precommits at height 2
    const self = C.stakingOfAccount(chain.state, posKeys[3].pk).delegations[0].amount;
    p.mempool.add(signed(chain, posKeys[3], C.StakingKind.Undelegate, { validator: posKeys[3].pk, amount: BigInt(self) }));
    await p.extend(3); // height 3 unbonds all of it: out of the set from height 4
    const set = (chain.consensus as B.BftEngine).validatorSetAt(chain.state);
    expect(set.indexOf(posKeys[3].pk)).toBe(-1);
    expect(C.lastSet(chain.state)!.indexOf(posKeys[3].pk)).toBe(-1);
    const unbonding = () => BigInt(C.stakingOfAccount(chain.state, posKeys[3].pk).unbonding[0].amount);
    const before = unbonding();
    expect(before).toBe(BigInt(self));
    const escrow = chain.getAccount(C.STAKING_ESCROW).balance;
    const ev = evidenceTx(chain, p.mempool, posKeys[3], 2, B.PRECOMMIT);
    p.mempool.add(ev);
    const [b] = await p.extend(1);
    expect(b.txs.map((t) => C.toHex(C.txid(t)))).toContain(C.toHex(C.txid(ev)));
    const slash = (before * BigInt(C.stakingOf(params).doubleSignSlash)) / 10_000n;
    expect(slash).toBeGreaterThan(0n);
    expect(unbonding()).toBe(before - slash);
    expect(chain.getAccount(C.STAKING_ESCROW).balance).toBe(escrow - slash);
    const v = C.stakingOfAccount(chain.state, posKeys[3].pk).validator!;
    expect(v.jailed).toBe(true);
    await p.extend(2);
    expect((chain.consensus as B.BftEngine).validatorSetAt(chain.state).size).toBe(3);
    await chain.close();
  });

  it('dpos: a delegate that equivocated and then lost its votes is still jailed, and its votes back do not re-elect it', async () => {
    const params = C.withValidators(C.dposDevnetParams, posKeys.map((k, i) => ({ publicKey: k.pk, power: 1n, name: `d${i}` })), { genesisTime: GENESIS_TIME, bftTimeouts: TIMEOUTS, premine, dpos: { epochLength: 5 } });
    const chain = await C.Chain.open({ params, now: () => GENESIS_TIME + 10_000 });
    const p = new Producer(chain, [...posKeys, reporter]);
    const inSet = () => (chain.consensus as B.BftEngine).validatorSetAt(chain.state).indexOf(posKeys[3].pk) >= 0;
    await p.extend(2); // keys[3] signs two prevotes at height 2
    p.mempool.add(signed(chain, posKeys[3], C.DposKind.Vote, { delegates: [] }));
    while (chain.height < 7) await p.extend(1); // the election at height 5 leaves it out
    expect(inSet()).toBe(false);
    expect(C.voterOf(chain.state, posKeys[3].pk).delegate!.jailed).toBe(false);
    const ev = evidenceTx(chain, p.mempool, posKeys[3], 2);
    p.mempool.add(ev);
    const [b] = await p.extend(1);
    expect(b.txs.map((t) => C.toHex(C.txid(t)))).toContain(C.toHex(C.txid(ev)));
    expect(C.voterOf(chain.state, posKeys[3].pk).delegate!.jailed).toBe(true);
    p.mempool.add(signed(chain, posKeys[3], C.DposKind.Vote, { delegates: [posKeys[3].pk] }));
    while (chain.height < 11) await p.extend(1); // past the election at height 10
    expect(inSet()).toBe(false);
    expect((chain.consensus as B.BftEngine).validatorSetAt(chain.state).size).toBe(3);
    await chain.close();
  });
});

// A set module whose members follow a script by height: the state holds only the height,
// so every apply (dry runs included) sees the same members. punish records who was named.
function scriptedModule(sets: B.BftValidator[][]): C.ChainModule {
  const heightOf = (get: (k: string) => Uint8Array | undefined) => {
    const v = get('h');
    return v ? new DataView(v.buffer, v.byteOffset).getUint32(0) : 0;
  };
  return {
    name: 'scripted',
    namespace: 'scripted',
    kinds: [],
    endBlock(ctx) {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, ctx.height);
      ctx.store.set('h', b);
    },
    keeper(k) {
      return {
        // members() gives the set of the next height.
        members: () => sets[Math.min(heightOf((x) => k.store.get(x)) + 1, sets.length - 1)],
        punish: (pk: Uint8Array) => k.store.set(`p${C.toHex(pk)}`, new Uint8Array([1])),
      };
    },
  };
}

describe('the history of past sets', () => {
  const pool = keys.map((k, i) => ({ k, power: BigInt(1 + (i % 3)) }));
  // A script of sets by height (index = height, 1..n): runs of one set, then a change.
  const arbScript = fc
    .array(fc.record({ run: fc.integer({ min: 1, max: 4 }), pick: fc.uniqueArray(fc.integer({ min: 0, max: pool.length - 1 }), { minLength: 1, maxLength: pool.length }) }), { minLength: 4, maxLength: 14 })
    .map((runs) => {
      const sets: B.BftValidator[][] = [[]];
      for (const r of runs) for (let i = 0; i < r.run; i++) sets.push(r.pick.map((j) => ({ publicKey: pool[j].k.pk, power: pool[j].power })));
      return sets;
    });

  it('property: at every height the module gives the set that voted on each height of the window, judges evidence by it, and keeps at most evidenceMaxAge past sets', async () => {
    await fc.assert(
      fc.asyncProperty(arbScript, fc.integer({ min: 1, max: 5 }), fc.nat(), async (sets, maxAge, seed) => {
        const base = C.withValidators(C.bftDevnetParams, sets[1].map((v) => ({ publicKey: v.publicKey, power: v.power })), {
          validatorSetModule: 'scripted', genesisTime: GENESIS_TIME, bftTimeouts: TIMEOUTS, evidenceMaxAge: maxAge,
          premine: [{ publicKey: reporter.pk, amount: 1_000_000_000n }],
        });
        const module = scriptedModule(sets);
        const chain = await C.Chain.open({ params: base, consensus: new B.BftEngine(base, { setModule: module, claimsReward: true }), now: () => GENESIS_TIME + 1_000_000 });
        const p = new Producer(chain, [...keys, reporter]);
        const bft = chain.registry.module('bft')!;
        const same = (a: readonly B.BftValidator[] | null, b: readonly B.BftValidator[]) =>
          JSON.stringify((a ?? []).map((v) => [C.toHex(v.publicKey), String(v.power)]).sort()) === JSON.stringify(b.map((v) => [C.toHex(v.publicKey), String(v.power)]).sort());
        const reported = new Set<string>();
        for (;;) {
          const tip = chain.height;
          expect(C.retiredSetCount(chain.state)).toBeLessThanOrEqual(maxAge);
          const next = tip + 1;
          for (let x = Math.max(1, next - maxAge); x <= next; x++) {
            expect(same(C.validatorsAtHeight(chain.state, x), sets[x])).toBe(true);
            // Judged by the set of height x: a pool key picked by the seed, in that set or not.
            const who = pool[(seed + x * 7 + tip) % pool.length].k;
            const inSet = sets[x].some((v) => C.bytesEqual(v.publicKey, who.pk));
            const expected = !inSet ? 'bft-evidence-not-validator' : reported.has(`${C.toHex(who.pk)}@${x}`) ? 'bft-evidence-duplicate' : 'accepted';
            expect(reason(() => bft.admit!(chain.state, evidenceTx(chain, p.mempool, who, x)))).toBe(expected);
          }
          if (next - maxAge - 1 >= 1) expect(reason(() => bft.admit!(chain.state, evidenceTx(chain, p.mempool, pool[0].k, next - maxAge - 1)))).toBe('bft-evidence-too-old');
          if (next >= sets.length - 1) break;
          // Every third block takes evidence of the oldest height it may: the set module is told.
          const old = Math.max(1, next - maxAge);
          const named = sets[old][0].publicKey;
          const flag = () => chain.state.read('scripted', `p${C.toHex(named)}`);
          const report = tip % 3 === 1 && !flag();
          if (report) {
            p.mempool.add(evidenceTx(chain, p.mempool, keys.find((k) => C.bytesEqual(k.pk, named))!, old));
            reported.add(`${C.toHex(named)}@${old}`);
          }
          await p.extend(1);
          if (report) expect(flag()).toBeDefined();
        }
        await chain.close();
      }),
      { numRuns: 20 },
    );
  });

  it('each block writes O(1) history keys: none while the set stays, a bounded few when it changes or an entry expires; at most evidenceMaxAge entries', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 400 }), fc.integer({ min: 1, max: 12 }), (changes, maxAge) => {
        const store = new Map<string, Uint8Array>();
        let writes = 0;
        const get = (k: string) => store.get(k);
        const put = (k: string, v: Uint8Array | undefined) => {
          writes++;
          if (v) store.set(k, v);
          else store.delete(k);
        };
        const setOf = (i: number) => B.ValidatorSet.create([{ publicKey: keys[i % keys.length].pk, power: BigInt(1 + i) }]);
        let cur = 0;
        let quietWrites = 0;
        let retires = 0;
        const lastOfSet: number[] = []; // height of the last block each retired set voted on
        changes.forEach((change, i) => {
          const height = i + 1;
          writes = 0;
          if (change) {
            retire(get, put, setOf(cur), height);
            lastOfSet.push(height);
            cur++;
            retires++;
            expect(writes).toBe(3);
          }
          const before = writes;
          prune(get, put, height + 1 - maxAge);
          const pruneWrites = writes - before;
          // At most one entry expires per block (their last heights differ): delete + range.
          expect(pruneWrites).toBeLessThanOrEqual(2);
          if (!change) quietWrites += pruneWrites;
          const live = lastOfSet.filter((h) => h >= height + 1 - maxAge).length;
          expect(retiredCount(get)).toBe(live);
          expect(retiredCount(get)).toBeLessThanOrEqual(maxAge);
          // Every height the next block may take evidence of maps to the set that voted on it.
          for (let x = Math.max(1, height + 1 - maxAge); x <= height; x++) {
            const r = retiredAt(get, x);
            const idx = lastOfSet.findIndex((h) => h >= x);
            if (idx < 0) expect(r).toBeNull(); // the current set still covers x
            else expect(C.bytesEqual(r!.validators[0].publicKey, setOf(idx).validators[0].publicKey) && r!.validators[0].power === BigInt(1 + idx)).toBe(true);
          }
        });
        // Blocks without a change only ever write to let an entry expire, once per entry.
        expect(quietWrites).toBeLessThanOrEqual(2 * retires);
      }),
      { numRuns: 60 },
    );
  });
});
