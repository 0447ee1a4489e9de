// The BFT engine on the chain: blocks carry the LastCommit of their parent (verified in
// one batch against the set of the state), four in-process validators each with their own
// chain produce real blocks and agree, and every malformed seal is refused with its reason.
import { describe, expect, it } from 'vitest';
import * as B from '../dist/bft/index.js';
import * as C from '../dist/chain/index.js';
import { ed25519 } from '../dist/sig/index.js';
import { ChainNet, consortiumParams, GENESIS_TIME, keyOf, Producer, signCommit, withTx, type Key } from './support/bft-chain.js';

const keys = [0, 1, 2, 3].map((i) => keyOf(`v${i}`));

async function rejects(p: Promise<unknown> | (() => unknown), reason: string): Promise<C.ValidationError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(C.ChainError);
    expect((e as C.ChainError).reason).toBe(reason);
    return e as C.ValidationError;
  }
  throw new Error(`expected a rejection with reason ${reason}`);
}

async function producer(ks: Key[] = keys, extra: Partial<C.ChainParams> = {}, opts: Partial<C.ChainOptions> = {}): Promise<Producer> {
  const params = consortiumParams(ks, extra);
  const chain = await C.Chain.open({ params, now: () => GENESIS_TIME + 1_000_000, ...opts });
  return new Producer(chain, ks);
}

const setBytes = (s: B.ValidatorSet) => {
  const w = new C.Writer(256);
  s.write(w);
  return C.toHex(w.finish());
};

describe('four validators, each with a chain', () => {
  it('produce 20 blocks carrying LastCommits, and all chains agree (blocks, state roots, proposer priorities)', async () => {
    const net = await ChainNet.create(consortiumParams(keys), keys);
    expect(await net.runToHeight(20)).toBe(true);
    expect(net.agree()).toBe(true);
    const chain = net.nodes[0].chain;
    for (let h = 2; h <= 20; h++) {
      const b = (await chain.getBlockAtHeight(h))!;
      expect(b.txs[1].kind).toBe(C.BftKind.LastCommit);
      const c = b.txs[1].body as B.Commit;
      expect(c.height).toBe(h - 1);
      expect(C.toHex(c.blockId)).toBe(C.toHex(chain.getHashAtHeight(h - 1)!));
      expect(c.signatures.length).toBeGreaterThanOrEqual(3);
    }
    const h = Math.min(...net.nodes.map((n) => n.chain.height));
    const roots = new Set<string>();
    const sets = new Set<string>();
    // Nodes may stand one block apart when the run stops: compare those at the lowest tip.
    for (const n of net.nodes) {
      if (n.chain.height === h) {
        roots.add(C.toHex(n.chain.stateRoot()));
        sets.add(setBytes((n.chain.consensus as B.BftEngine).validatorSetAt(n.chain.state)));
      }
    }
    expect(roots.size).toBe(1);
    expect(sets.size).toBe(1);
    expect(chain.consensus.finalizedHeight(chain.tip)).toBe(chain.height - 1);
    // Proposers rotate: with equal power, every validator proposed some of the blocks.
    const proposers = new Set<string>();
    for (let k = 1; k <= 20; k++) proposers.add(C.toHex(((await chain.getBlockAtHeight(k))!.txs[0].body as C.CoinbaseBody).to));
    expect(proposers.size).toBe(4);
    for (const n of net.nodes) expect(n.errors).toEqual([]);
    await net.close();
  }, 60_000);

  it('keeps finalizing with one validator down, and no chain forks', async () => {
    const net = await ChainNet.create(consortiumParams(keys), keys);
    expect(await net.runToHeight(3)).toBe(true);
    net.crash(3);
    expect(await net.runToHeight(10)).toBe(true);
    expect(net.agree()).toBe(true);
    await net.close();
  }, 60_000);
});

describe('the seal: a LastCommit at transaction 1', () => {
  it('is required from height 2 and refused at height 1', async () => {
    const p = await producer();
    const first = p.block();
    expect(first.txs.some((t) => t.kind === C.BftKind.LastCommit)).toBe(false);
    // A commit at height 1 has no parent decision to name.
    const fake = C.createLastCommitTx(p.params.chainId, 1, { height: 0, round: 0, blockId: new Uint8Array(32), signatures: [] });
    const withFake = { header: first.header, txs: [first.txs[0], fake, ...first.txs.slice(1)] };
    await rejects(p.chain.addBlock(withTx(withFake, 1, fake)), 'bad-last-commit-unexpected');
    await p.extend(1);
    const good = p.block();
    const e = await rejects(p.chain.addBlock(withTx(good, 1, null)), 'bad-last-commit-missing');
    expect(e.message).toMatch(/commit of block 1/);
    await rejects(() => p.chain.checkCandidate(withTx(good, 1, null)), 'bad-last-commit-missing');
    expect(() => p.block({ lastCommit: null })).toThrow(/template-no-last-commit/);
    p.chain.checkCandidate(good);
    await p.chain.addBlock(good);
    expect(p.chain.height).toBe(2);
    await p.chain.close();
  });

  it('refuses a wrong-height, wrong-block, short, tampered, other-round or other-chain commit with its reason', async () => {
    const p = await producer();
    await p.extend(3);
    const tip = p.chain.tip;
    const set = C.lastSet(p.chain.state)!;
    const good = p.block();
    const id = p.params.chainId;
    const lc = (c: B.Commit) => C.createLastCommitTx(id, tip.height + 1, c);

    // Stateless (checkSeal): the commit must be of height h-1 and name the parent.
    const wrongHeight = signCommit(id, set, p.keys, tip.height - 1, p.chain.getHashAtHeight(tip.height - 1)!, 4);
    await rejects(p.chain.addBlock(withTx(good, 1, lc(wrongHeight))), 'bad-commit-height');
    const wrongBlock = signCommit(id, set, p.keys, tip.height, new Uint8Array(32).fill(9), 4);
    const eb = await rejects(p.chain.addBlock(withTx(good, 1, lc(wrongBlock))), 'bad-commit-block');
    expect(eb.message).toMatch(/expected its parent/);

    // Stateful (apply, against the set that sealed the tip): power, then signatures.
    const short = p.tipCommit({ signers: 2 });
    const es = await rejects(p.chain.addBlock(withTx(good, 1, lc(short))), 'bad-commit-power');
    expect(es.message).toMatch(/power 2 of 4; more than 2\/3/);
    const c = p.tipCommit();
    const tampered = { ...c, signatures: c.signatures.map((s, i) => (i === 2 ? { index: s.index, signature: s.signature.map((b, j) => (j === 5 ? b ^ 1 : b)) } : s)) };
    await rejects(p.chain.addBlock(withTx(good, 1, lc(tampered))), 'bad-commit-signature');
    const otherRound = { ...p.tipCommit({ round: 0 }), round: 1 };
    await rejects(p.chain.addBlock(withTx(good, 1, lc(otherRound))), 'bad-commit-signature');
    const otherChain = signCommit(id ^ 1, set, p.keys, tip.height, tip.hash, 4);
    await rejects(p.chain.addBlock(withTx(good, 1, lc(otherChain))), 'bad-commit-signature');
    const outsider = keyOf('outsider');
    const forged = { ...c, signatures: [...c.signatures.slice(0, 3), { index: 3, signature: ed25519.sign(B.voteSignBytes(id, B.PRECOMMIT, tip.height, 0, tip.hash), outsider.sk) }] };
    await rejects(p.chain.addBlock(withTx(good, 1, lc(forged))), 'bad-commit-signature');
    await rejects(() => p.chain.checkCandidate(withTx(good, 1, lc(tampered))), 'bad-commit-signature');

    // Placement and bits.
    const twice = { header: good.header, txs: [...good.txs, good.txs[1]] };
    await rejects(p.chain.addBlock(withTx(twice, 1, good.txs[1])), 'bad-last-commit-position');
    await rejects(p.chain.addBlock({ header: { ...good.header, bits: 0x1f00ffff }, txs: good.txs }), 'bad-diffbits');

    // None of that moved the tip; 3 of 4 signatures (> 2/3) is a valid commit.
    expect(p.chain.height).toBe(3);
    const three = withTx(good, 1, lc(p.tipCommit({ signers: 3 })));
    // The signer list is state (downtime accounting), so the roots are recommitted.
    await p.chain.addBlock(withTx(three, 0, p.chain.commitRoots(three.txs, three.header.time)));
    expect(p.chain.height).toBe(4);
    await p.chain.close();
  });

  it('refuses a reorg below the finalized height', async () => {
    const a = await producer();
    await a.extend(2);
    const b = await producer();
    for (let h = 1; h <= 2; h++) await b.chain.addBlock((await a.chain.getBlockAtHeight(h))!);
    await a.extend(3); // a: heights 3..5, finalized 4
    const side = await b.extend(4, { coinbaseTo: new Uint8Array(32).fill(0x55) }); // b: 3..6 from the fork at 2
    for (const blk of side.slice(0, 3)) expect((await a.chain.addBlock(blk)).status).toBe('side-chain');
    const e = await rejects(a.chain.addBlock(side[3]), 'bad-fork-finalized');
    expect(e.message).toMatch(/forks at height 2, below the finalized height 4/);
    expect(a.chain.height).toBe(5);
    await a.chain.close();
    await b.chain.close();
  });
});

describe('what the engine and the modules answer', () => {
  it('validatorSet by height, the tip commit signers (downtime), member details, the rotation', async () => {
    const p = await producer();
    const engine = p.chain.consensus as B.BftEngine;
    expect(engine.validatorSet(p.chain.state, 1)!.length).toBe(4);
    expect(engine.validatorSet(p.chain.state, 0)).toBeNull();
    await p.extend(1);
    const b = p.block({ signers: 3 });
    await p.chain.addBlock(b);
    const tip = p.chain.height;
    expect(engine.validatorSet(p.chain.state, tip + 1)!.map((v) => v.power)).toEqual([1n, 1n, 1n, 1n]);
    expect(engine.validatorSet(p.chain.state, tip)!.length).toBe(4);
    expect(engine.validatorSet(p.chain.state, tip - 1)).toBeNull();
    expect(engine.validatorSet(p.chain.state, tip + 2)).toBeNull();
    const bftKeeper = p.chain.state.call<C.BftKeeper>('bft');
    const set = C.lastSet(p.chain.state)!;
    expect(bftKeeper.lastSigners().map(C.toHex)).toEqual([0, 1, 2].map((i) => C.toHex(set.at(i).publicKey)));
    const auth = p.chain.state.call<C.AuthorityKeeper>('authority');
    expect(auth.details!(keys[2].pk)).toEqual({ name: 'org-2' });
    expect(auth.details!(keyOf('nobody').pk)).toEqual({});
    // Each height increments the priorities once (CometBFT): the next proposer follows the stored set.
    const before = engine.validatorSetAt(p.chain.state);
    await p.extend(1);
    const after = engine.validatorSetAt(p.chain.state);
    expect(after.priorities()).toEqual(before.next().priorities());
    expect(C.toHex(after.proposer.publicKey)).toBe(C.toHex(before.next().proposer.publicKey));
    expect(engine.claimsReward).toBe(true);
    expect((b.txs[0].body as C.CoinbaseBody).amount).toBe(engine.blockReward(2));
    const zero = C.createBlockTemplate(p.chain, null, { coinbaseTo: keys[0].pk, lastCommit: p.tipCommit(), claimReward: false });
    expect((zero.block.txs[0].body as C.CoinbaseBody).amount).toBe(0n);
    await p.chain.close();
  });
});

describe('checkCandidate', () => {
  it('refuses a candidate while a block is being connected (the state is ahead of the tip then), and a non-child', async () => {
    const base = C.memoryStore();
    let commits = 0;
    let hold = -1;
    let release = () => {};
    const gate = new Promise<void>((ok) => (release = ok));
    const store: C.ChainStore = {
      open: () => base.open(),
      close: () => base.close(),
      get: (k) => base.get(k),
      entries: (p) => base.entries(p),
      async commit(ops) {
        if (commits++ === hold) await gate;
        return base.commit(ops);
      },
    };
    const p = await producer(keys, {}, { store });
    await p.extend(2);
    const next = p.block();
    const other = p.block({ coinbaseTo: new Uint8Array(32).fill(0x42) });
    // The block's first commit (index and block) goes through; the connect's is held.
    hold = commits + 1;
    const adding = p.chain.addBlock(next);
    while (commits <= hold) await new Promise((ok) => setImmediate(ok));
    await rejects(() => p.chain.checkCandidate(other), 'chain-busy');
    release();
    await adding;
    expect(p.chain.height).toBe(3);
    await rejects(() => p.chain.checkCandidate(other), 'bad-prevblk');
    p.chain.checkCandidate(p.block());
    await p.chain.close();
  });
});

describe('reorgs and restarts', () => {
  it('an unproven tip may be replaced by a branch that proves another (fork at tip - 1); the bft state follows exactly', async () => {
    const a = await producer();
    await a.extend(2);
    const b = await producer();
    for (let h = 1; h <= 2; h++) await b.chain.addBlock((await a.chain.getBlockAtHeight(h))!);
    await a.extend(1); // a's tip 3, finalized 2
    const side = await b.extend(2, { coinbaseTo: new Uint8Array(32).fill(0x66) });
    expect((await a.chain.addBlock(side[0])).status).toBe('side-chain');
    const r = await a.chain.addBlock(side[1]);
    expect(r.status).toBe('reorg');
    expect(r.disconnected).toHaveLength(1);
    expect(C.toHex(a.chain.stateRoot())).toBe(C.toHex(b.chain.stateRoot()));
    expect(setBytes((a.chain.consensus as B.BftEngine).validatorSetAt(a.chain.state))).toBe(setBytes((b.chain.consensus as B.BftEngine).validatorSetAt(b.chain.state)));
    await a.extend(1);
    await a.chain.close();
    await b.chain.close();
  });

  it('a chain reopened from its store goes on from the stored set', async () => {
    const store = C.memoryStore();
    const p = await producer(keys, {}, { store });
    await p.extend(3);
    const set = setBytes(C.currentSet(p.chain.state));
    await p.chain.close();
    const again = await producer(keys, {}, { store });
    expect(again.chain.height).toBe(3);
    expect(setBytes(C.currentSet(again.chain.state))).toBe(set);
    await again.extend(2);
    expect(again.chain.height).toBe(5);
    await again.chain.close();
  });
});

describe('genesis and params', () => {
  it('the genesis commits the validator set and the allowlist', async () => {
    const hash = (p: C.ChainParams) => C.toHex(C.blockHash(C.genesisBlock(p).header));
    const four = consortiumParams(keys);
    const three = consortiumParams(keys.slice(0, 3));
    const renamed = C.withValidators(four, keys.map((k, i) => ({ publicKey: k.pk, power: 1n, name: `other-${i}` })));
    const reordered = C.withValidators(four, [...four.validators!].reverse());
    const listed = C.defineParams(four, { sendAllowlist: [] });
    const hashes = new Set([hash(four), hash(three), hash(renamed), hash(listed)]);
    expect(hashes.size).toBe(4);
    expect(hash(reordered)).toBe(hash(four));
    // Proof-of-work genesis stays the bare message.
    expect(new TextDecoder().decode(C.genesisPayload(C.devnetParams))).toBe('hashlane genesis');
    const payload = C.genesisPayload(four);
    expect(payload.length).toBe('hashlane genesis'.length + 33);
    // A store made for one set refuses params of another.
    const store = C.memoryStore();
    await (await C.Chain.open({ params: four, store })).close();
    await rejects(C.Chain.open({ params: three, store }), 'genesis-mismatch');
  });

  it('defineParams checks the bft settings', () => {
    const bad = (o: Partial<C.ChainParams>, re: RegExp) => {
      try {
        C.defineParams(C.consortiumDevnetParams, o);
      } catch (e) {
        expect((e as C.ChainError).reason).toBe('bad-params');
        expect((e as Error).message).toMatch(re);
        return;
      }
      throw new Error('expected bad-params');
    };
    bad({}, /at least one genesis validator/);
    bad({ validators: [{ publicKey: keys[0].pk, power: 2n }] }, /power 1/);
    bad({ validators: [{ publicKey: keys[0].pk, power: 1n }, { publicKey: keys[0].pk, power: 1n }] }, /appears twice/);
    bad({ validators: [{ publicKey: new Uint8Array(31), power: 1n }] }, /32 bytes/);
    bad({ validators: [{ publicKey: keys[0].pk, power: 1n }], sendAllowlist: [keys[1].pk, keys[1].pk] }, /twice/);
    bad({ validators: [{ publicKey: keys[0].pk, power: 1n }], bftTimeouts: { ...C.consortiumDevnetParams.bftTimeouts!, commit: -1 } }, /bftTimeouts.commit/);
    bad({ validators: [{ publicKey: keys[0].pk, power: 1n }], consensus: 'pos' as never }, /consensus must be/);
    expect(() => C.defineParams(C.devnetParams, { sendAllowlist: [] })).toThrow(/setting of consensus 'bft'/);
    const unknown = C.withValidators(C.consortiumDevnetParams, [{ publicKey: keys[0].pk, power: 1n }], { validatorSetModule: 'constructor' });
    expect(() => C.engineFor(unknown)).toThrow(/not a known validator-set module/);
    expect(C.engineFor(C.devnetParams).name).toBe('pow');
    expect(C.engineFor(C.withValidators(C.bftDevnetParams, [{ publicKey: keys[0].pk, power: 1n }])).name).toBe('bft');
  });

  it('a genesis file round-trips and hostile ones are refused with the field named', () => {
    const params = consortiumParams(keys.slice(0, 2), { sendAllowlist: [keys[3].pk] });
    const file = C.genesisJson(params);
    expect(file).toMatchObject({ chain: 'consortium-devnet', chainId: params.chainId, genesisTime: GENESIS_TIME, validators: [{ name: 'org-0', power: '1' }, { name: 'org-1', power: '1' }] });
    const back = C.paramsFromGenesisJson(JSON.stringify(file));
    // The premine travels in the file (base units as decimal strings): the same genesis block.
    expect(file.premine).toEqual(params.premine.map((a) => ({ publicKey: C.toHex(a.publicKey), amount: a.amount.toString() })));
    expect(C.toHex(C.blockHash(C.genesisBlock(back).header))).toBe(C.toHex(C.blockHash(C.genesisBlock(params).header)));
    const cases: [unknown, string, RegExp][] = [
      ['{', 'decode-bad-genesis', /not JSON/],
      ['x'.repeat(C.MAX_GENESIS_JSON + 1), 'decode-bad-genesis', /at most/],
      [[], 'decode-bad-genesis', /top level must be an object/],
      [{ ...file, extra: 1 }, 'decode-bad-genesis', /unknown field "extra"/],
      [{ ...file, chain: 'devnet' }, 'decode-bad-genesis', /chain must name a preset/],
      [{ ...file, chain: '__proto__' }, 'decode-bad-genesis', /chain must name a preset/],
      [{ ...file, chainId: -1 }, 'decode-bad-genesis', /chainId/],
      [{ ...file, genesisTime: 1.5 }, 'decode-bad-genesis', /genesisTime/],
      [{ ...file, validators: [] }, 'decode-bad-genesis', /validators must be an array of 1/],
      [{ ...file, validators: [{ ...file.validators[0], publicKey: 'zz' }] }, 'decode-bad-genesis', /validators\[0\].publicKey/],
      [{ ...file, validators: [{ ...file.validators[0], power: '0' }] }, 'decode-bad-genesis', /power must be a positive decimal/],
      [{ ...file, validators: [{ ...file.validators[0], power: 1 }] }, 'decode-bad-genesis', /power must be a positive decimal/],
      [{ ...file, validators: [{ ...file.validators[0], weight: '1' }] }, 'decode-bad-genesis', /unknown field "weight"/],
      [{ ...file, validators: [{ ...file.validators[0], power: '2' }] }, 'bad-params', /power 1/],
      [{ ...file, validators: [file.validators[0], file.validators[0]] }, 'bad-params', /appears twice/],
      [{ ...file, sendAllowlist: 'all' }, 'decode-bad-genesis', /sendAllowlist must be an array/],
      [{ ...file, premine: {} }, 'decode-bad-genesis', /premine must be an array/],
      [{ ...file, premine: [{ publicKey: file.validators[0].publicKey, amount: '0' }] }, 'decode-bad-genesis', /premine\[0\].amount must be a positive decimal/],
      [{ ...file, premine: [{ publicKey: file.validators[0].publicKey, amount: (1n << 64n).toString() }] }, 'decode-bad-genesis', /premine\[0\].amount .*below 2\^64/],
      [{ ...file, premine: [{ publicKey: 'x', amount: '1' }] }, 'decode-bad-genesis', /premine\[0\].publicKey/],
      [{ ...file, premine: [{ publicKey: file.validators[0].publicKey, amount: '1', memo: 'x' }] }, 'decode-bad-genesis', /unknown field "memo"/],
      [{ ...file, premine: [0, 1].map(() => ({ publicKey: file.validators[0].publicKey, amount: (1n << 63n).toString() })) }, 'bad-params', /premine total exceeds/],
    ];
    for (const [input, reason, re] of cases) {
      try {
        C.paramsFromGenesisJson(input);
        throw new Error(`accepted ${JSON.stringify(input).slice(0, 80)}`);
      } catch (e) {
        expect(e, String(e)).toBeInstanceOf(C.ChainError);
        expect((e as C.ChainError).reason).toBe(reason);
        expect((e as Error).message).toMatch(re);
      }
    }
    expect(() => C.genesisJson(C.devnetParams)).toThrow(/not a preset/);
  });
});

describe('preverify: a range of commits in one call', () => {
  async function source(n: number): Promise<{ p: Producer; blocks: C.Block[] }> {
    const p = await producer();
    return { p, blocks: await p.extend(n) };
  }

  async function follower(): Promise<{ chain: C.Chain; engine: B.BftEngine; calls: () => number }> {
    let calls = 0;
    const params = consortiumParams(keys);
    const engine = new B.BftEngine(params, {
      setModule: C.authority,
      verify: (items) => {
        calls++;
        return ed25519.verifyBatch(items);
      },
    });
    const chain = await C.Chain.open({ params, consensus: engine, now: () => GENESIS_TIME + 1_000_000 });
    return { chain, engine, calls: () => calls };
  }

  it('verifies 12 blocks of commits in ONE call, and connecting them needs no other', async () => {
    const { p, blocks } = await source(12);
    const f = await follower();
    await f.chain.addBlock(blocks[0]);
    expect(f.engine.preverify(blocks.slice(1), f.chain.state)).toBe(true);
    expect(f.calls()).toBe(1);
    for (const b of blocks.slice(1)) await f.chain.addBlock(b);
    expect(f.calls()).toBe(1);
    expect(C.toHex(f.chain.tip.hash)).toBe(C.toHex(p.chain.tip.hash));
    await p.chain.close();
    await f.chain.close();
  });

  it('a bad signature anywhere in the range fails the range and is still refused when applied', async () => {
    const { p, blocks } = await source(8);
    const f = await follower();
    await f.chain.addBlock(blocks[0]);
    // Block 8's commit (of block 7) with one signature flipped; block 8 is the last, so no later block names it.
    const last = blocks[7];
    const c = last.txs[1].body as B.Commit;
    const bad = { ...c, signatures: c.signatures.map((s, i) => (i === 1 ? { index: s.index, signature: s.signature.map((b, j) => (j === 0 ? b ^ 0x80 : b)) } : s)) };
    const tampered = withTx(last, 1, C.createLastCommitTx(p.params.chainId, 8, bad));
    const range = [...blocks.slice(1, 7), tampered];
    expect(f.engine.preverify(range, f.chain.state)).toBe(false);
    expect(f.calls()).toBe(1);
    for (const b of range.slice(0, -1)) await f.chain.addBlock(b);
    await rejects(f.chain.addBlock(tampered), 'bad-commit-signature');
    expect(f.chain.height).toBe(7);
    await f.chain.addBlock(blocks[7]);
    expect(f.chain.height).toBe(8);
    await p.chain.close();
    await f.chain.close();
  });

  it('a verified commit does not vouch for another commit, chain or set (the cache key binds all inputs)', async () => {
    const set4 = B.ValidatorSet.create(keys.map((k) => ({ publicKey: k.pk, power: 1n })));
    const set4b = B.ValidatorSet.create(keys.map((k, i) => ({ publicKey: k.pk, power: i === 0 ? 2n : 1n })));
    const byKey = new Map(keys.map((k) => [C.toHex(k.pk), k]));
    const c = signCommit(7, set4, byKey, 5, new Uint8Array(32).fill(1), 3);
    const k = C.VerifiedCommits.key(7, c, set4);
    expect(C.VerifiedCommits.key(7, c, set4)).toBe(k);
    expect(C.VerifiedCommits.key(8, c, set4)).not.toBe(k);
    expect(C.VerifiedCommits.key(7, c, set4b)).not.toBe(k);
    expect(C.VerifiedCommits.key(7, { ...c, round: 1 }, set4)).not.toBe(k);
    expect(C.VerifiedCommits.key(7, { ...c, signatures: c.signatures.map((s, i) => (i ? s : { index: s.index, signature: s.signature.map((b, j) => (j === 63 ? b ^ 1 : b)) })) }, set4)).not.toBe(k);
    expect(C.VerifiedCommits.key(7, { ...c, signatures: c.signatures.slice(0, 2) }, set4)).not.toBe(k);
    const cache = new C.VerifiedCommits(2);
    cache.add('a');
    cache.add('b');
    cache.add('c');
    expect(cache.size).toBe(2);
    expect(cache.has('a')).toBe(false);
  });
});
