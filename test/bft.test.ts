// BFT consensus core: encodings, proposer priority against hand-computed sequences, commit
// verification in one batch call (and ranges), evidence, the WAL guard, and the scripted
// scenarios of issue 15 (finality, crashes, halts without forking, partitions, equivocation).
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../dist/index.js';
import * as B from '../dist/bft/index.js';
import { toHex } from '../dist/chain/index.js';
import { sha256 } from '../dist/hash/index.js';
import { ed25519 } from '../dist/sig/index.js';
import { CHAIN_ID, keyOf, Net, type Key } from './support/bft-net.js';

let keys: Key[] = [];
beforeAll(async () => {
  await ready();
  keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map(keyOf);
});

const id32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const sig64 = fc.uint8Array({ minLength: 64, maxLength: 64 });
const arbVote = fc.record({
  type: fc.constantFrom(B.PREVOTE, B.PRECOMMIT),
  height: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  round: fc.integer({ min: 0, max: 0xfffffffe }),
  blockId: fc.option(id32, { nil: null }),
  validator: id32,
  signature: sig64,
});

function signedVote(k: Key, type: B.VoteType, height: number, round: number, blockId: Uint8Array | null): B.Vote {
  return { type, height, round, blockId, validator: k.publicKey, signature: k.sign(B.voteSignBytes(CHAIN_ID, type, height, round, blockId)) };
}

describe('encodings', () => {
  it('votes, proposals and commits round-trip and decode only their canonical bytes', () => {
    fc.assert(fc.property(arbVote, (v) => {
      const bytes = B.encodeVote(v as B.Vote);
      expect(B.decodeVote(bytes)).toEqual(v);
      expect(() => B.decodeVote(bytes.subarray(0, bytes.length - 1))).toThrow(/decode/);
      expect(() => B.decodeVote(new Uint8Array([...bytes, 0]))).toThrow(/trailing/);
    }));
    fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 40 }), fc.integer({ min: 1, max: 1000 }), fc.uint8Array({ maxLength: 300 }), id32, sig64, (height, round, value, proposer, signature) => {
      const p: B.Proposal = { height, round, polRound: round - 1 - (height % round) , value, blockId: sha256(value), proposer, signature };
      expect(B.decodeProposal(B.encodeProposal(p))).toEqual(p);
    }));
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 99 }), { minLength: 1, maxLength: 20 }), id32, (indices, blockId) => {
      const c: B.Commit = { height: 7, round: 2, blockId, signatures: [...indices].sort((a, b) => a - b).map((index) => ({ index, signature: new Uint8Array(64).fill(index) })) };
      expect(B.decodeCommit(B.encodeCommit(c))).toEqual(c);
    }));
  });

  it('rejects non-canonical forms with typed errors', () => {
    const v = B.encodeVote({ type: B.PREVOTE, height: 1, round: 0, blockId: null, validator: new Uint8Array(32), signature: new Uint8Array(64) });
    const bad = v.slice();
    bad[0] = 3;
    expect(() => B.decodeVote(bad)).toThrow(/decode-bad-vote-type/);
    const nilWithId = v.slice();
    nilWithId[14 + 5] = 1;
    expect(() => B.decodeVote(nilWithId)).toThrow(/nil vote must carry a zero block id/);
    const c = B.encodeCommit({ height: 1, round: 0, blockId: new Uint8Array(32), signatures: [{ index: 1, signature: new Uint8Array(64) }, { index: 2, signature: new Uint8Array(64) }] });
    const swapped = c.slice();
    swapped[45] = 2;
    swapped[45 + 65] = 1;
    expect(() => B.decodeCommit(swapped)).toThrow(/strictly increase/);
  });

  it('sign bytes are domain-separated by chain, step, height, round and block', () => {
    const id = new Uint8Array(32).fill(7);
    const base = toHex(B.voteSignBytes(1, B.PREVOTE, 5, 0, id));
    const variants = [
      B.voteSignBytes(2, B.PREVOTE, 5, 0, id), B.voteSignBytes(1, B.PRECOMMIT, 5, 0, id), B.voteSignBytes(1, B.PREVOTE, 6, 0, id),
      B.voteSignBytes(1, B.PREVOTE, 5, 1, id), B.voteSignBytes(1, B.PREVOTE, 5, 0, null), B.proposalSignBytes(1, 5, 0, -1, id),
    ].map(toHex);
    expect(new Set([base, ...variants]).size).toBe(7);
    expect(new TextDecoder().decode(B.voteSignBytes(1, B.PREVOTE, 5, 0, id).subarray(0, 20))).toBe('hashlane/bft/vote/v1');
  });
});

describe('proposer priority (CometBFT weighted round robin)', () => {
  const sorted = () => [...keys.slice(0, 4)].sort((x, y) => (toHex(x.publicKey) < toHex(y.publicKey) ? -1 : 1));

  it('powers 1, 2, 3: C B A C B C, priorities as computed by hand', () => {
    const [a, b, c] = sorted();
    let set = B.ValidatorSet.create([{ publicKey: a.publicKey, power: 1n }, { publicKey: b.publicKey, power: 2n }, { publicKey: c.publicKey, power: 3n }]);
    const names = new Map([[toHex(a.publicKey), 'A'], [toHex(b.publicKey), 'B'], [toHex(c.publicKey), 'C']]);
    const seq: string[] = [];
    const prios: bigint[][] = [];
    for (let h = 0; h < 6; h++) {
      seq.push(names.get(toHex(set.proposer.publicKey))!);
      prios.push(set.priorities());
      set = set.next();
    }
    expect(seq.join(' ')).toBe('C B A C B C');
    // +power, pick the highest, minus 6: (1,2,3) C -> (1,2,-3); (2,4,0) B -> (2,-2,0);
    // (3,0,3) a tie, the smaller key A -> (-3,0,3); (-2,2,6) C -> (-2,2,0); (-1,4,3) B -> (-1,-2,3); (0,0,6) C -> (0,0,0)
    expect(prios).toEqual([[1n, 2n, -3n], [2n, -2n, 0n], [-3n, 0n, 3n], [-2n, 2n, 0n], [-1n, -2n, 3n], [0n, 0n, 0n]]);
  });

  it('equal powers rotate in key order; ties go to the smaller key; round r = r more increments', () => {
    const s = sorted();
    const set = B.ValidatorSet.create(s.map((k) => ({ publicKey: k.publicKey, power: 10n })));
    const order = [0, 1, 2, 3, 4, 5].map((r) => s.findIndex((k) => toHex(k.publicKey) === toHex(set.proposerAt(r).publicKey)));
    expect(order).toEqual([0, 1, 2, 3, 0, 1]);
    expect(toHex(set.next().proposer.publicKey)).toBe(toHex(set.proposerAt(1).publicKey));
  });

  it('a joining validator starts at -1.125 x total power and so does not propose at once', () => {
    const s = sorted();
    const set = B.ValidatorSet.create(s.slice(0, 3).map((k) => ({ publicKey: k.publicKey, power: 10n })));
    const grown = set.nextWith(s.map((k) => ({ publicKey: k.publicKey, power: 10n })));
    const joined = grown.indexOf(s[3].publicKey);
    // -(40 + 5) + 10 (one increment), then the centring shifts it by -floor(sum/4) first.
    expect(grown.priorities()[joined] < 0n).toBe(true);
    expect(toHex(grown.proposer.publicKey)).not.toBe(toHex(s[3].publicKey));
  });
});

describe('commits', () => {
  function commitOf(h: number, signers: Key[], set: B.ValidatorSet, blockId: Uint8Array, round = 0): B.Commit {
    return B.commitFromVotes(set, signers.map((k) => signedVote(k, B.PRECOMMIT, h, round, blockId)));
  }

  it('a commit is checked with exactly one batch call; too little power or a bad signature is refused', () => {
    const four = keys.slice(0, 4);
    const set = B.ValidatorSet.create(four.map((k) => ({ publicKey: k.publicKey, power: 1n })));
    const id = sha256(new Uint8Array([1]));
    let calls = 0;
    const counted: B.BatchVerifier = (items) => {
      calls++;
      return ed25519.verifyBatch(items);
    };
    B.verifyCommit(CHAIN_ID, commitOf(3, four.slice(0, 3), set, id), set, 3, id, counted);
    expect(calls).toBe(1);
    expect(() => B.verifyCommit(CHAIN_ID, commitOf(3, four.slice(0, 2), set, id), set, 3, id, counted)).toThrow(/bad-commit-power.*more than 2\/3/);
    const forged = commitOf(3, four.slice(0, 3), set, id);
    forged.signatures[1].signature[0] ^= 1;
    expect(() => B.verifyCommit(CHAIN_ID, forged, set, 3, id, counted)).toThrow(/bad-commit-signature/);
    expect(() => B.verifyCommit(CHAIN_ID, commitOf(4, four, set, id), set, 3, id, counted)).toThrow(/bad-commit-height/);
    expect(() => B.verifyCommit(CHAIN_ID + 1, commitOf(3, four, set, id), set, 3, id, counted)).toThrow(/bad-commit-signature/);
  });

  it('a range of commits is verified in one call, and a bad one is located', () => {
    const seven = keys;
    const set = B.ValidatorSet.create(seven.map((k) => ({ publicKey: k.publicKey, power: 1n })));
    const checks: B.CommitCheck[] = [];
    for (let h = 1; h <= 10; h++) {
      const id = sha256(new Uint8Array([h]));
      checks.push({ commit: commitOf(h, seven.slice(0, 5 + (h % 3)), set, id, h % 2), set, height: h, blockId: id });
    }
    let calls = 0;
    B.verifyCommitRange(CHAIN_ID, checks, (items) => {
      calls++;
      expect(items.length).toBeGreaterThan(50);
      return ed25519.verifyBatch(items);
    });
    expect(calls).toBe(1);
    checks[6].commit.signatures[2].signature[5] ^= 4;
    expect(() => B.verifyCommitRange(CHAIN_ID, checks, ed25519.verifyBatch, ed25519.verifyBatchDetailed)).toThrow(/first at height 7/);
  });

  it('evidence: two conflicting signed votes check; non-conflicting or forged ones do not', () => {
    const [k] = keys;
    const x = signedVote(k, B.PREVOTE, 9, 1, sha256(new Uint8Array([1])));
    const y = signedVote(k, B.PREVOTE, 9, 1, null);
    const e = B.makeEvidence(x, y);
    B.checkEvidence(CHAIN_ID, e, ed25519.verifyBatch);
    expect(() => B.checkEvidence(CHAIN_ID, B.makeEvidence(x, signedVote(k, B.PREVOTE, 9, 2, null)), ed25519.verifyBatch)).toThrow(/bad-evidence/);
    expect(() => B.checkEvidence(CHAIN_ID, { a: e.b, b: e.a }, ed25519.verifyBatch)).toThrow(/canonical order/);
    const forged = B.makeEvidence(x, { ...y, signature: y.signature.map((b, i) => (i === 0 ? b ^ 1 : b)) });
    expect(() => B.checkEvidence(CHAIN_ID, forged, ed25519.verifyBatch)).toThrow(/bad-evidence-signature/);
  });
});

describe('WAL', () => {
  it('a restarted validator re-sends its logged vote and never signs a different one for that step', () => {
    const four = keys.slice(0, 4);
    const set = B.ValidatorSet.create(four.map((k) => ({ publicKey: k.publicKey, power: 1n })));
    const me = four.find((k) => toHex(k.publicKey) !== toHex(set.proposerAt(0).publicKey))!;
    const proposer = four.find((k) => toHex(k.publicKey) === toHex(set.proposerAt(0).publicKey))!;
    const proposal = (value: Uint8Array): B.Proposal => {
      const p: B.Proposal = { height: 1, round: 0, polRound: -1, value, blockId: sha256(value), proposer: proposer.publicKey, signature: new Uint8Array(64) };
      p.signature = proposer.sign(B.proposalSignBytesOf(CHAIN_ID, p));
      return p;
    };
    const wal = new B.MemoryWal();
    const make = () => new B.TendermintMachine({
      chainId: CHAIN_ID, height: 1, signer: me, validators: () => set, getValue: () => new Uint8Array([9]),
      valid: () => true, valueId: sha256, verify: ed25519.verifyBatch, wal,
    });
    const m1 = make();
    m1.start();
    const a1 = m1.receive({ kind: 'proposal', proposal: proposal(new Uint8Array([1])) });
    const prevote = a1.find((a) => a.type === 'broadcast' && a.message.kind === 'vote');
    expect(prevote && prevote.type === 'broadcast' && prevote.message.kind === 'vote' && prevote.message.vote.blockId).toBeTruthy();
    const first = (prevote as { message: { vote: B.Vote } }).message.vote;
    // Crash. The log holds the proposal received and the prevote signed.
    const m2 = make();
    const replayed = m2.start().filter((a) => a.type === 'broadcast' && a.message.kind === 'vote') as { message: { vote: B.Vote } }[];
    expect(replayed.map((a) => toHex(a.message.vote.signature))).toEqual([toHex(first.signature)]);
    // A restart that lost the received proposal (a different one arrives) must still not sign a second prevote.
    const onlySigned = new B.MemoryWal();
    for (const r of wal.records()) if (r.tag === B.WAL_SIGNED_VOTE) onlySigned.append(r);
    const m3 = new B.TendermintMachine({
      chainId: CHAIN_ID, height: 1, signer: me, validators: () => set, getValue: () => new Uint8Array([9]),
      valid: () => true, valueId: sha256, verify: ed25519.verifyBatch, wal: onlySigned,
    });
    m3.start();
    const out = [...m3.receive({ kind: 'proposal', proposal: proposal(new Uint8Array([2])) }), ...m3.onTimeout(1, 0, 'propose')];
    const votes = out.filter((a) => a.type === 'broadcast' && a.message.kind === 'vote');
    expect(votes).toEqual([]);
  });
});

describe('scenarios (scripted network, simulated time)', () => {
  it('4 validators finalize blocks, all nodes agree, commits verify as a range', () => {
    const net = new Net(keys.slice(0, 4));
    expect(net.runUntil(5, 60_000)).toBe(true);
    expect(net.agreement().safe).toBe(true);
    for (const n of net.nodes) {
      B.verifyCommitRange(CHAIN_ID, n.decided.map((d) => ({ commit: d.commit, set: net.set, height: d.height, blockId: null })), ed25519.verifyBatch);
    }
  });

  it('1 of 4 crashed: the chain continues; it catches up after restart', () => {
    const net = new Net(keys.slice(0, 4));
    net.crash(3);
    expect(net.runUntil(4, 60_000)).toBe(true);
    net.restart(3);
    expect(net.runUntil(6, 60_000)).toBe(true);
    expect(net.nodes[3].decided.length).toBeGreaterThanOrEqual(6);
    expect(net.agreement().safe).toBe(true);
  });

  it('2 of 4 crashed: it halts without forking; restart: it resumes', () => {
    const net = new Net(keys.slice(0, 4));
    expect(net.runUntil(2, 60_000)).toBe(true);
    net.crash(2);
    net.crash(3);
    net.run(1000);
    const halted = net.agreement().max;
    net.run(20_000);
    expect(net.agreement().max).toBe(halted);
    net.restart(2);
    net.restart(3);
    expect(net.runUntil(halted + 3, 120_000)).toBe(true);
    expect(net.agreement().safe).toBe(true);
  });

  it('a 2/2 partition: no finality anywhere; healed: it continues', () => {
    const net = new Net(keys.slice(0, 4));
    expect(net.runUntil(2, 60_000)).toBe(true);
    net.partition([[0, 1], [2, 3]]);
    net.run(500);
    const at = net.agreement().max;
    net.run(20_000);
    expect(net.agreement().max).toBe(at);
    net.partition(null);
    expect(net.runUntil(at + 3, 120_000)).toBe(true);
    expect(net.agreement().safe).toBe(true);
  });

  it('validators crashing over and over never sign two different votes for one step (WAL replay)', () => {
    const net = new Net(keys.slice(0, 4));
    for (let k = 0; k < 12; k++) {
      net.run(170 + k * 37);
      const i = k % 4;
      net.crash(i);
      net.run(90);
      net.restart(i);
    }
    expect(net.runUntil(net.agreement().max + 2, 120_000)).toBe(true);
    for (const n of net.nodes) {
      const byStep = new Map<string, string>();
      for (const v of n.signed) {
        const k = `${v.height}/${v.round}/${v.type}`;
        const id = v.blockId ? toHex(v.blockId) : 'nil';
        expect(byStep.get(k) ?? id).toBe(id);
        byStep.set(k, id);
      }
    }
    expect(net.agreement().safe).toBe(true);
  });

  it('an equivocating validator is caught: honest nodes report checkable evidence naming it', () => {
    const net = new Net(keys.slice(0, 4));
    const evil = 1;
    net.tamper = (from, m) => {
      if (from !== evil || m.kind !== 'vote' || toHex(m.vote.validator) !== toHex(keys[evil].publicKey)) return [m];
      const other = signedVote(keys[evil], m.vote.type, m.vote.height, m.vote.round, m.vote.blockId ? null : sha256(new Uint8Array([42])));
      return [m, { kind: 'vote', vote: other }];
    };
    expect(net.runUntil(3, 60_000)).toBe(true);
    const ev = net.nodes.filter((_, i) => i !== evil).flatMap((n) => n.evidence);
    expect(ev.length).toBeGreaterThan(0);
    for (const e of ev) {
      B.checkEvidence(CHAIN_ID, e, ed25519.verifyBatch);
      expect(toHex(e.a.validator)).toBe(toHex(keys[evil].publicKey));
    }
    expect(net.agreement().safe).toBe(true);
  });
});

describe('FileWal', () => {
  it('records survive a reopen, a torn last record is dropped, compaction keeps later heights', async () => {
    const { mkdtempSync, rmSync, appendFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { FileWal } = await import('../dist/node/bft-wal.js');
    const dir = mkdtempSync(join(tmpdir(), 'hashlane-wal-'));
    try {
      const path = join(dir, 'wal');
      const w = new FileWal(path);
      for (let h = 1; h <= 3; h++) w.append({ tag: B.WAL_VOTE, height: h, payload: new Uint8Array([h, h]) });
      w.close();
      appendFileSync(path, new Uint8Array([200, 0, 0, 0, 1, 2]));
      const again = new FileWal(path);
      expect(again.records().map((r) => [r.height, [...r.payload]])).toEqual([[1, [1, 1]], [2, [2, 2]], [3, [3, 3]]]);
      again.append({ tag: B.WAL_VOTE, height: 3, payload: new Uint8Array([7]) });
      expect(again.records().map((r) => r.height)).toEqual([1, 2, 3, 3]);
      again.compact(3);
      again.append({ tag: B.WAL_TIMEOUT, height: 4, payload: new Uint8Array([9]) });
      expect(again.records().map((r) => r.height)).toEqual([3, 3, 4]);
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
