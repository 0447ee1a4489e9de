// The consortium rule: validators added and removed by > 2/3 of the current members (and
// not by exactly 2/3), evidence removing an equivocator once, the send allowlist in blocks
// and in the mempool, access votes, and the same with the state machine driving real chains.
import { describe, expect, it } from 'vitest';
import * as B from '../dist/bft/index.js';
import * as C from '../dist/chain/index.js';
import { sha256 } from '../dist/hash/index.js';
import { ed25519 } from '../dist/sig/index.js';
import { ChainNet, consortiumParams, GENESIS_TIME, keyOf, Producer, type Key } from './support/bft-chain.js';

const keys = [0, 1, 2, 3, 4, 5].map((i) => keyOf(`a${i}`));
const outsider = keyOf('outsider');
const FEE = 10_000n;

function rejectsSync(fn: () => unknown, reason: string): C.ChainError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(C.ChainError);
    expect((e as C.ChainError).reason).toBe(reason);
    return e as C.ChainError;
  }
  throw new Error(`expected a rejection with reason ${reason}`);
}

async function rejects(p: Promise<unknown>, reason: string): Promise<C.ChainError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(C.ChainError);
    expect((e as C.ChainError).reason).toBe(reason);
    return e as C.ChainError;
  }
  throw new Error(`expected a rejection with reason ${reason}`);
}

async function producer(members: Key[], extra: Partial<C.ChainParams> = {}): Promise<Producer> {
  const params = consortiumParams(members, { premine: [...keys, outsider].map((k) => ({ publicKey: k.pk, amount: 1_000_000_000n })), ...extra });
  const chain = await C.Chain.open({ params, now: () => GENESIS_TIME + 1_000_000 });
  await chain.addBlock(new Producer(chain, keys).block());
  return new Producer(chain, [...keys, outsider]);
}

const members = (p: Producer) => C.queryMembers(p.chain.state).map((m) => C.toHex(m.publicKey)).sort();
const setKeys = (p: Producer) => (p.chain.consensus as B.BftEngine).validatorSetAt(p.chain.state).validators.map((v) => C.toHex(v.publicKey)).sort();
const hexes = (ks: Key[]) => ks.map((k) => C.toHex(k.pk)).sort();

function vote(p: Producer, from: Key, action: 'add' | 'remove', subject: Key): C.Transaction {
  return C.createValidatorVoteTx({ chainId: p.params.chainId, nonce: p.mempool.nextNonce(from.pk), fee: FEE, action, subject: subject.pk }, from.sk);
}

function access(p: Producer, from: Key, action: 'allow' | 'revoke', subject: Key): C.Transaction {
  return C.createAccessVoteTx({ chainId: p.params.chainId, nonce: p.mempool.nextNonce(from.pk), fee: FEE, action, subject: subject.pk }, from.sk);
}

function transfer(p: Producer, from: Key, to: Key, amount = 1000n): C.Transaction {
  return C.createTransfer({ chainId: p.params.chainId, to: to.pk, amount, fee: FEE, nonce: p.mempool.nextNonce(from.pk) }, from.sk);
}

function prevote(chainId: number, k: Key, height: number, round: number, blockId: Uint8Array | null): B.Vote {
  const v: B.Vote = { type: B.PREVOTE, height, round, blockId, validator: k.pk, signature: new Uint8Array(64) };
  v.signature = ed25519.sign(B.voteSignBytesOf(chainId, v), k.sk);
  return v;
}

describe('validator votes (consortium)', () => {
  it('adds a validator at the end of the block where > 2/3 of the members voted, not before', async () => {
    const p = await producer(keys.slice(0, 4));
    p.mempool.add(vote(p, keys[0], 'add', keys[4]));
    p.mempool.add(vote(p, keys[1], 'add', keys[4]));
    await p.extend(1);
    // 2 of 4 is not more than 2/3.
    expect(members(p)).toEqual(hexes(keys.slice(0, 4)));
    const open = p.chain.registry.rpcViews().get('getproposals')!.handler(p.chain.state, []) as { votes: number; needed: number; subject: string; action: string }[];
    expect(open).toMatchObject([{ type: 'validator', action: 'add', subject: C.toHex(keys[4].pk), votes: 2, needed: 3 }]);
    p.mempool.add(vote(p, keys[2], 'add', keys[4]));
    await p.extend(1);
    expect(members(p)).toEqual(hexes(keys.slice(0, 5)));
    // The next height's set has the newcomer; it signs the next commit with the others.
    expect(setKeys(p)).toEqual(hexes(keys.slice(0, 5)));
    await p.extend(1);
    expect(C.lastSet(p.chain.state)!.size).toBe(5);
    await p.extend(1);
    const b = (await p.chain.getBlockAtHeight(p.chain.height))!;
    expect((b.txs[1].body as B.Commit).signatures.length).toBe(5);
    expect(p.chain.registry.rpcViews().get('getproposals')!.handler(p.chain.state, [])).toEqual([]);
    await p.chain.close();
  });

  it('exactly 2/3 is not enough: 2 of 3 members do not add, the third vote does', async () => {
    const p = await producer(keys.slice(0, 3));
    p.mempool.add(vote(p, keys[0], 'add', keys[3]));
    p.mempool.add(vote(p, keys[1], 'add', keys[3]));
    await p.extend(2);
    expect(members(p)).toEqual(hexes(keys.slice(0, 3)));
    p.mempool.add(vote(p, keys[2], 'add', keys[3]));
    await p.extend(1);
    expect(members(p)).toEqual(hexes(keys.slice(0, 4)));
    await p.chain.close();
  });

  it('removes a validator by vote; votes of members that left stop counting; the last member stays', async () => {
    const p = await producer(keys.slice(0, 4));
    // keys[3] backs adding keys[5]; then keys[3] is removed by 3 of 4.
    p.mempool.add(vote(p, keys[3], 'add', keys[5]));
    for (const k of keys.slice(0, 3)) p.mempool.add(vote(p, k, 'remove', keys[3]));
    await p.extend(1);
    expect(members(p)).toEqual(hexes(keys.slice(0, 3)));
    expect(setKeys(p)).toEqual(hexes(keys.slice(0, 3)));
    const [prop] = p.chain.registry.rpcViews().get('getproposals')!.handler(p.chain.state, []) as { votes: number; voters: string[] }[];
    expect(prop.voters).toEqual([]);
    // Two of the three remaining back keys[5]: 2 of 3 is not enough (the leaver's vote is gone).
    p.mempool.add(vote(p, keys[0], 'add', keys[5]));
    p.mempool.add(vote(p, keys[1], 'add', keys[5]));
    await p.extend(1);
    expect(members(p)).toEqual(hexes(keys.slice(0, 3)));
    // A former member may not vote any more: refused at admission and in a block.
    rejectsSync(() => p.mempool.add(vote(p, keys[3], 'add', keys[4])), 'bft-not-member');
    const block = p.block();
    const txs = [...block.txs, vote(p, keys[3], 'add', keys[4])];
    await rejects(p.chain.addBlock({ header: { ...block.header, merkleRoot: C.computeMerkleRoot(txs) }, txs }), 'bft-not-member');
    await p.chain.close();

    const solo = await producer(keys.slice(0, 1));
    const sb = solo.block();
    const all = [...sb.txs, vote(solo, keys[0], 'remove', keys[0])];
    const e = rejectsSync(() => solo.chain.checkCandidate({ header: { ...sb.header, merkleRoot: C.computeMerkleRoot(all) }, txs: all }), 'authority-last-member');
    expect(e.message).toMatch(/never be empty/);
    await solo.chain.close();
  });

  it('a vote refused by the state is refused at admission; one that stops applying is dropped from the template and the mempool', async () => {
    const p = await producer(keys.slice(0, 4));
    // Both are admitted against the tip (neither is applied yet); in the block the second
    // is a second vote of the same member for the same proposal.
    const first = vote(p, keys[0], 'add', keys[4]);
    p.mempool.add(first);
    const second = vote(p, keys[0], 'add', keys[4]);
    p.mempool.add(second);
    const ok = transfer(p, keys[1], keys[2]);
    p.mempool.add(ok);
    const [b] = await p.extend(1);
    const ids = b.txs.map((t) => C.toHex(C.txid(t)));
    expect(ids).toContain(C.toHex(C.txid(first)));
    expect(ids).toContain(C.toHex(C.txid(ok)));
    expect(ids).not.toContain(C.toHex(C.txid(second)));
    expect(p.mempool.size).toBe(0);
    rejectsSync(() => p.mempool.add(vote(p, keys[0], 'add', keys[4])), 'authority-duplicate-vote');
    rejectsSync(() => p.mempool.add(vote(p, keys[1], 'add', keys[0])), 'authority-already-member');
    rejectsSync(() => p.mempool.add(vote(p, keys[1], 'remove', keys[5])), 'authority-not-a-member');
    await p.chain.close();
  });

  it('bounds the open proposals per member', async () => {
    const p = await producer(keys.slice(0, 4));
    const subjects = Array.from({ length: C.MAX_VOTES_PER_MEMBER + 1 }, (_, i) => keyOf(`subject ${i}`));
    for (const s of subjects.slice(0, -1)) p.mempool.add(vote(p, keys[0], 'add', s));
    await p.extend(1);
    expect((p.chain.registry.rpcViews().get('getproposals')!.handler(p.chain.state, []) as unknown[]).length).toBe(C.MAX_VOTES_PER_MEMBER);
    rejectsSync(() => p.mempool.add(vote(p, keys[0], 'add', subjects[subjects.length - 1])), 'authority-too-many-votes');
    await p.chain.close();
  });
});

describe('evidence', () => {
  it('removes an equivocating validator once; a replay of the same offence is refused', async () => {
    const p = await producer(keys.slice(0, 4));
    const id = p.params.chainId;
    const a = prevote(id, keys[3], 1, 0, sha256(new Uint8Array([1])));
    const b = prevote(id, keys[3], 1, 0, sha256(new Uint8Array([2])));
    const ev = C.createEvidenceTx({ chainId: id, nonce: p.mempool.nextNonce(keys[0].pk), fee: FEE, evidence: { a, b } }, keys[0].sk);
    p.mempool.add(ev);
    await p.extend(1);
    expect(members(p)).toEqual(hexes(keys.slice(0, 3)));
    expect(setKeys(p)).toEqual(hexes(keys.slice(0, 3)));
    // The same offence again (another sender, the votes in the other order) is refused in a block.
    const replay = C.createEvidenceTx({ chainId: id, nonce: p.mempool.nextNonce(keys[1].pk), fee: FEE, evidence: { a: b, b: a } }, keys[1].sk);
    rejectsSync(() => p.mempool.add(replay), 'bft-evidence-duplicate');
    const block = p.block();
    const txs = [...block.txs, replay];
    // keys[3] is no longer a validator of the current set, but it sealed the tip's parent; the offence key is what refuses it.
    await rejects(p.chain.addBlock({ header: { ...block.header, merkleRoot: C.computeMerkleRoot(txs) }, txs }), 'bft-evidence-duplicate');
    await p.extend(3);
    expect(p.chain.height).toBe(5);
    await p.chain.close();
  });

  it('refuses junk evidence statelessly and stale or outsider evidence in blocks', async () => {
    const p = await producer(keys.slice(0, 4), { evidenceMaxAge: 2 });
    const id = p.params.chainId;
    const x = sha256(new Uint8Array([1]));
    const y = sha256(new Uint8Array([2]));
    const tx = (a: B.Vote, b: B.Vote, from = keys[0]) => C.createEvidenceTx({ chainId: id, nonce: p.mempool.nextNonce(from.pk), fee: FEE, evidence: { a, b } }, from.sk);
    rejectsSync(() => p.mempool.add(tx(prevote(id, keys[3], 1, 0, x), prevote(id, keys[3], 1, 0, x))), 'bad-evidence');
    rejectsSync(() => p.mempool.add(tx(prevote(id, keys[3], 1, 0, x), prevote(id, keys[2], 1, 0, y))), 'bad-evidence');
    rejectsSync(() => p.mempool.add(tx(prevote(id, keys[3], 1, 0, x), prevote(id, keys[3], 1, 1, y))), 'bad-evidence');
    const forged = { ...prevote(id, keys[3], 1, 0, y), signature: new Uint8Array(64).fill(3) };
    rejectsSync(() => p.mempool.add(tx(prevote(id, keys[3], 1, 0, x), forged)), 'bad-evidence-signature');
    rejectsSync(() => p.mempool.add(tx(prevote(id ^ 1, keys[3], 1, 0, x), prevote(id ^ 1, keys[3], 1, 0, y))), 'bad-evidence-signature');
    const blockWith = (t: C.Transaction) => {
      const block = p.block();
      const txs = [...block.txs, t];
      return p.chain.addBlock({ header: { ...block.header, merkleRoot: C.computeMerkleRoot(txs) }, txs });
    };
    await rejects(blockWith(tx(prevote(id, outsider, 1, 0, x), prevote(id, outsider, 1, 0, y))), 'bft-evidence-not-validator');
    await rejects(blockWith(tx(prevote(id, keys[3], 9, 0, x), prevote(id, keys[3], 9, 0, y))), 'bft-evidence-future');
    await p.extend(3); // height 4: votes of height 1 are 3 > evidenceMaxAge 2 blocks old
    const e = await rejects(blockWith(tx(prevote(id, keys[3], 1, 0, x), prevote(id, keys[3], 1, 0, y))), 'bft-evidence-too-old');
    expect(e.message).toMatch(/only heights >= 3/);
    // Any account (not on any list) may report, and evidence is always admitted.
    p.mempool.add(tx(prevote(id, keys[3], 3, 0, x), prevote(id, keys[3], 3, 0, y), outsider));
    await p.extend(1);
    expect(members(p)).toEqual(hexes(keys.slice(0, 3)));
    await p.chain.close();
  });
});

describe('the send allowlist', () => {
  it('refuses a non-listed sender in the mempool and in blocks; validators send; an access vote grants and revokes', async () => {
    const p = await producer(keys.slice(0, 3), { sendAllowlist: [keys[5].pk] });
    const view = () => p.chain.registry.rpcViews().get('getallowlist')!.handler(p.chain.state, []);
    expect(view()).toEqual({ enabled: true, accounts: [C.toHex(keys[5].pk)] });
    p.mempool.add(transfer(p, keys[0], outsider)); // a validator
    p.mempool.add(transfer(p, keys[5], outsider)); // listed
    const e = rejectsSync(() => p.mempool.add(transfer(p, keys[4], outsider)), 'bft-not-allowed');
    expect(e.message).toMatch(/neither a validator nor on the send allowlist/);
    await p.extend(1);
    const blocked = transfer(p, keys[4], outsider);
    const block = p.block();
    const txs = [...block.txs, blocked];
    await rejects(p.chain.addBlock({ header: { ...block.header, merkleRoot: C.computeMerkleRoot(txs) }, txs }), 'bft-not-allowed');
    // Access votes: 2 of 3 are not enough, 3 are.
    p.mempool.add(access(p, keys[0], 'allow', keys[4]));
    p.mempool.add(access(p, keys[1], 'allow', keys[4]));
    await p.extend(1);
    rejectsSync(() => p.mempool.add(transfer(p, keys[4], outsider)), 'bft-not-allowed');
    p.mempool.add(access(p, keys[2], 'allow', keys[4]));
    await p.extend(1);
    expect((view() as { accounts: string[] }).accounts).toEqual(hexes([keys[4], keys[5]]));
    const now = transfer(p, keys[4], outsider);
    p.mempool.add(now);
    const [b] = await p.extend(1);
    expect(b.txs.map((t) => C.toHex(C.txid(t)))).toContain(C.toHex(C.txid(now)));
    for (const k of keys.slice(0, 3)) p.mempool.add(access(p, k, 'revoke', keys[5]));
    await p.extend(1);
    rejectsSync(() => p.mempool.add(transfer(p, keys[5], outsider)), 'bft-not-allowed');
    await p.chain.close();
  });

  it('access votes need a chain with an allowlist; a chain without one lets anyone send', async () => {
    const p = await producer(keys.slice(0, 3));
    p.mempool.add(transfer(p, outsider, keys[0]));
    const block = p.block();
    const txs = [...block.txs, access(p, keys[0], 'allow', keys[4])];
    await rejects(p.chain.addBlock({ header: { ...block.header, merkleRoot: C.computeMerkleRoot(txs) }, txs }), 'authority-no-allowlist');
    await p.extend(1);
    expect(p.chain.getAccount(outsider.pk).nonce).toBe(1);
    await p.chain.close();
  });
});

describe('with the state machine driving four chains', () => {
  it('an equivocating validator is caught by evidence, removed, and the other three go on', async () => {
    const four = keys.slice(0, 4);
    const net = await ChainNet.create(consortiumParams(four), four);
    net.reportEvidence = true;
    const id = net.params.chainId;
    let lies = 0;
    net.tamper = (from, m) => {
      if (from !== 3 || m.kind !== 'vote' || m.vote.type !== B.PREVOTE || !m.vote.blockId || lies > 20) return [m];
      lies++;
      return [m, { kind: 'vote', vote: prevote(id, four[3], m.vote.height, m.vote.round, sha256(m.vote.blockId)) }];
    };
    const gone = () => net.nodes.every((n) => C.queryMembers(n.chain.state).length === 3);
    expect(await net.runUntil(gone, 60_000)).toBe(true);
    net.tamper = null;
    const h = Math.max(...net.nodes.map((n) => n.chain.height));
    expect(await net.runToHeight(h + 5)).toBe(true);
    expect(net.agree()).toBe(true);
    for (const n of net.nodes) expect(C.queryMembers(n.chain.state).map((m) => C.toHex(m.publicKey)).sort()).toEqual(hexes(four.slice(0, 3)));
    expect(net.nodes[0].evidence.length).toBeGreaterThan(0);
    await net.close();
  }, 60_000);

  it('a validator added by vote takes part: with it, one of five may fail', async () => {
    const five = keys.slice(0, 5);
    const net = await ChainNet.create(consortiumParams(keys.slice(0, 4), { premine: five.map((k) => ({ publicKey: k.pk, amount: 1_000_000_000n })) }), five);
    expect(await net.runToHeight(2)).toBe(true);
    for (const k of keys.slice(0, 3)) {
      const n = net.nodes[0];
      net.broadcastTx(C.createValidatorVoteTx({ chainId: net.params.chainId, nonce: n.chain.getAccount(k.pk).nonce, fee: FEE, action: 'add', subject: five[4].pk }, k.sk));
    }
    expect(await net.runUntil(() => net.nodes.every((n) => C.queryMembers(n.chain.state).length === 5), 60_000)).toBe(true);
    // Five validators need 4 precommits: with node 0 down, the newcomer's vote is required.
    net.crash(0);
    const h = Math.max(...net.nodes.map((n) => n.chain.height));
    expect(await net.runToHeight(h + 4)).toBe(true);
    const tip = net.nodes[1].chain;
    const c = (await tip.getBlockAtHeight(tip.height))!.txs[1].body as B.Commit;
    const set = C.lastSet(tip.state)!;
    const signers = c.signatures.map((s) => C.toHex(set.at(s.index).publicKey));
    expect(signers).toContain(C.toHex(five[4].pk));
    expect(net.agree()).toBe(true);
    await net.close();
  }, 60_000);
});
