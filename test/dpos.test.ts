// The dpos module: elections of the top N delegates by stake-weighted votes (equal power),
// rotation at epochs, voters sharing their delegate's reward by the same formula, jailing
// for missed slots, unstaking.
import { describe, expect, it } from 'vitest';
import * as C from '../dist/chain/index.js';
import { sha256 } from '../dist/hash/index.js';
import { fakeBft, keyOf, openStaking, TEST_PUNISH_KIND, TEST_SIGNERS_KIND } from './support/staking.js';

const S = C.REWARD_SCALE;
const D = C.DposKind;
const COIN = 100_000_000n;
const ops = Array.from({ length: 30 }, (_, i) => keyOf(100 + i));
const cks = Array.from({ length: 30 }, (_, i) => keyOf(140 + i));
const voters = Array.from({ length: 30 }, (_, i) => keyOf(180 + i));
const whale = keyOf(230);
const premine = [...voters, whale, ...ops].map((k) => ({ publicKey: k.pk, amount: 1_000_000n * COIN }));

const delegates = (n: number, commission = 0) => ops.slice(0, n).map((k, i) => ({ operator: k.pk, consensusKey: cks[i].pk, commission }));
const elected = (h: { chain: C.Chain }) =>
  h.chain.state
    .keeperOf<C.DposKeeper>('dpos', h.chain.height)
    .members()
    .map((m) => {
      expect(m.power).toBe(1n);
      return cks.findIndex((k) => C.toHex(k.pk) === C.toHex(m.publicKey));
    })
    .sort((a, b) => a - b);

describe('dpos', () => {
  it('the module accounts are the hashes their comments name', () => {
    expect(C.toHex(sha256(new TextEncoder().encode('hashlane/dpos/escrow')))).toBe(C.toHex(C.DPOS_ESCROW));
    expect(C.toHex(sha256(new TextEncoder().encode('hashlane/dpos/rewards')))).toBe(C.toHex(C.DPOS_REWARDS));
  });

  it('an election with 30 candidates picks the top 21 by votes, with equal power, and rotates at the epoch', async () => {
    const epoch = 6;
    // voter i stakes (i + 1) x 10 coins for candidate i: the top 21 are candidates 9..29
    const genesisVoters = voters.map((v, i) => ({ account: v.pk, stake: BigInt(i + 1) * 10n * COIN, votes: [ops[i].pk] }));
    const h = await openStaking({ premine, dpos: { genesisDelegates: delegates(30), genesisVoters, epochLength: epoch } }, [C.dpos]);
    const top = Array.from({ length: 21 }, (_, i) => i + 9);
    expect(elected(h)).toEqual(top);
    // a whale votes for candidates 0..4 with 1000 coins: they enter, 9..13 leave, at the next epoch only
    await h.mine([h.tx(whale, D.Stake, { amount: 1000n * COIN }), h.tx(whale, D.Vote, { delegates: ops.slice(0, 5).map((k) => k.pk) })]);
    const next = [0, 1, 2, 3, 4, ...Array.from({ length: 16 }, (_, i) => i + 14)];
    while (h.chain.height < epoch - 1) {
      expect(elected(h)).toEqual(top);
      await h.mine();
    }
    expect(elected(h)).toEqual(top);
    await h.mine();
    expect(h.chain.height).toBe(epoch);
    expect(elected(h)).toEqual(next);
    // the whale changes its vote to 5..9: 0..4 drop out at the epoch after
    await h.mine([h.tx(whale, D.Vote, { delegates: ops.slice(5, 10).map((k) => k.pk) })]);
    while (h.chain.height < 2 * epoch - 1) await h.mine();
    expect(elected(h)).toEqual(next);
    await h.mine();
    expect(elected(h)).toEqual([5, 6, 7, 8, 9, ...Array.from({ length: 16 }, (_, i) => i + 14)]);
    const list = h.chain.registry.rpcViews().get('listdelegates')!.handler(h.q, [0, 30]) as { total: number; delegates: { votes: string; elected: boolean }[] };
    expect(list.total).toBe(30);
    expect(list.delegates.filter((d) => d.elected)).toHaveLength(21);
    expect(list.delegates[5].votes).toBe((1060n * COIN).toString());
  });

  it("voters share their delegate's reward by Stake / TotalStake, after the delegate's commission; equal split among the elected", async () => {
    const h = await openStaking({ premine, dpos: { genesisDelegates: delegates(2, 1000), genesisVoters: [], delegates: 2 } }, [C.dpos]);
    // A 100 and B 300 for delegate 0; C 50 for delegate 1; the election at the next epoch (21 blocks) seats both
    await h.mine([
      h.tx(voters[0], D.Stake, { amount: 100n * COIN }),
      h.tx(voters[0], D.Vote, { delegates: [ops[0].pk] }),
      h.tx(voters[1], D.Stake, { amount: 300n * COIN }),
      h.tx(voters[1], D.Vote, { delegates: [ops[0].pk] }),
      h.tx(voters[2], D.Stake, { amount: 50n * COIN }),
      h.tx(voters[2], D.Vote, { delegates: [ops[1].pk] }),
    ]);
    while (h.chain.height < 21) await h.mine();
    expect(elected(h)).toEqual([0, 1]);
    // the blocks before the first election had nobody to pay: their rewards waited in the carry and went out with block 22
    await h.mine();
    const before = [voters[0], voters[1], voters[2], ops[0], ops[1]].map((k) => C.dposPendingScaled(h.q, k.pk));
    for (let i = 0; i < 10; i++) await h.mine();
    const got = [voters[0], voters[1], voters[2], ops[0], ops[1]].map((k, i) => C.dposPendingScaled(h.q, k.pk) - before[i]);
    const half = (10n * h.params.blockReward * S) / 2n; // each elected delegate's pool gets half of every block
    expect(got[0]).toBe((half * 9n) / 10n / 4n);
    expect(got[1]).toBe(((half * 9n) / 10n / 4n) * 3n);
    expect(got[2]).toBe((half * 9n) / 10n);
    expect(got[3]).toBe(half / 10n);
    expect(got[4]).toBe(half / 10n);
    // claim pays them out of the reward account
    const bal = h.balance(voters[1].pk);
    await h.mine([h.tx(voters[1], D.Claim, {})]);
    expect(h.balance(voters[1].pk)).toBe(bal - 1000n + (before[1] + got[1]) / S);
    const l = C.dposLedger(h.q);
    let held = 0n;
    for (const k of [...voters.slice(0, 3), ...ops.slice(0, 2)]) held += C.dposPendingScaled(h.q, k.pk);
    expect(h.balance(C.DPOS_REWARDS) * S).toBe(held + l.carry);
  });

  it('a delegate that misses its slots is jailed and out of the set at once; unjailed, it is electable again', async () => {
    const h = await openStaking(
      { premine, dpos: { genesisDelegates: delegates(4), genesisVoters: ops.slice(0, 4).map((k, i) => ({ account: k.pk, stake: 100n * COIN, votes: [ops[i].pk] })), delegates: 4, signedWindow: 8, minSigned: 5000, unjailDelay: 12, epochLength: 5 } },
      [C.dpos, fakeBft('dpos')],
    );
    expect(elected(h)).toEqual([0, 1, 2, 3]);
    let jailedAt = 0;
    for (let i = 0; i < 30 && !jailedAt; i++) {
      await h.mine([h.tx(whale, TEST_SIGNERS_KIND, { keys: cks.slice(0, 3).map((k) => k.pk) })]);
      if (C.voterOf(h.q, ops[3].pk).delegate!.jailed) jailedAt = h.chain.height;
    }
    expect(jailedAt).toBe(10); // counted from height 3; 5 of a full window of 8 missed
    expect(elected(h)).toEqual([0, 1, 2]);
    while (h.chain.height % 5 !== 4) await h.mine();
    await h.mine();
    expect(elected(h)).toEqual([0, 1, 2]); // jailed: not electable
    while (h.chain.height < jailedAt + 10) await h.mine();
    expect((await h.mine([h.tx(ops[3], D.Unjail, {})], { allowFail: true }))[0].ok).toBe(false);
    expect((await h.mine([h.tx(ops[3], D.Unjail, {})]))[0].ok).toBe(true);
    while (h.chain.height % 5 !== 0) await h.mine();
    expect(elected(h)).toEqual([0, 1, 2, 3]);
  });

  it('a double-signing delegate is tombstoned: out of the set, never unjailed, not punished again; its voters may leave and claim', async () => {
    const h = await openStaking(
      { premine, dpos: { genesisDelegates: delegates(3), genesisVoters: ops.slice(0, 3).map((k, i) => ({ account: k.pk, stake: 100n * COIN, votes: [ops[i].pk] })), delegates: 3, unjailDelay: 2, epochLength: 5, minSigned: 0, unbondingBlocks: 3 } },
      [C.dpos, fakeBft('dpos')],
    );
    await h.mine([h.tx(voters[0], D.Stake, { amount: 50n * COIN }), h.tx(voters[0], D.Vote, { delegates: [ops[2].pk] })]);
    await h.mine([h.tx(whale, TEST_PUNISH_KIND, { key: cks[2].pk, offence: 0 })]);
    const keeper = () => h.chain.state.keeperOf<C.DposKeeper>('dpos', h.chain.height);
    expect(elected(h)).toEqual([0, 1]);
    expect(C.voterOf(h.q, ops[2].pk).delegate).toMatchObject({ jailed: true, tombstoned: true, jaileduntil: null, elected: false });
    expect(keeper().details(cks[2].pk)).toMatchObject({ jailed: true, tombstoned: true });
    expect(keeper().details(cks[0].pk)).toMatchObject({ jailed: false, tombstoned: false });
    const listed = () => JSON.stringify(h.chain.registry.rpcViews().get('listdelegates')!.handler(h.q, []));
    const before = listed();
    // downtime or more evidence: no-ops
    await h.mine([h.tx(whale, TEST_PUNISH_KIND, { key: cks[2].pk, offence: 1 }), h.tx(whale, TEST_PUNISH_KIND, { key: cks[2].pk, offence: 0 })]);
    expect(listed()).toBe(before);
    while (h.chain.height < 11) await h.mine();
    const [u] = await h.mine([h.tx(ops[2], D.Unjail, {})], { allowFail: true });
    expect(u.ok).toBe(false);
    expect(u.text).toMatch(/^bad-dpos-tombstoned/);
    expect(elected(h)).toEqual([0, 1]); // two epochs on: still not electable
    // a downtime-jailed delegate unjails as before, a tombstoned one never
    await h.mine([h.tx(whale, TEST_PUNISH_KIND, { key: cks[1].pk, offence: 1 })]);
    expect(C.voterOf(h.q, ops[1].pk).delegate).toMatchObject({ jailed: true, tombstoned: false });
    while (h.chain.height < 15) await h.mine();
    expect((await h.mine([h.tx(ops[1], D.Unjail, {})]))[0].ok).toBe(true);
    // its voter moves its vote, unstakes and claims
    const out = await h.mine([h.tx(voters[0], D.Vote, { delegates: [ops[0].pk] }), h.tx(voters[0], D.Unstake, { amount: 20n * COIN }), h.tx(voters[0], D.Claim, {})]);
    expect(out.every((o) => o.ok)).toBe(true);
    expect(C.voterOf(h.q, voters[0].pk).votes.map((v) => v.delegate)).toEqual([C.toHex(ops[0].pk)]);
  });

  it('delegate records decode strictly: an unknown status byte or a tombstone that expires is a DecodeError', async () => {
    const m = await import('../dist/chain/modules/dpos/index.js');
    const d = { operator: ops[0].pk, consensusKey: cks[0].pk, commission: 7, jailed: true, tombstoned: true, jailedUntil: 0xffffffff, shares: 5n, selfShares: 1n, accSelf: 3n, accDel: 2n, commissionOwed: 0n };
    const bytes = m.encodeDel(d);
    expect(m.decodeDel(ops[0].pk, bytes)).toEqual(d);
    const bad = (f: (b: Uint8Array) => void) => {
      const b = bytes.slice();
      f(b);
      return () => m.decodeDel(ops[0].pk, b);
    };
    expect(bad((b) => void (b[36] = 3))).toThrow(C.DecodeError);
    expect(bad((b) => void (b[40] = 0))).toThrow(/tombstoned/);
    expect(bad((b) => void (b[36] = 1))()).toMatchObject({ jailed: true, tombstoned: false, jailedUntil: 0xffffffff });
  });

  it('unstaking releases at the right height and not before; a vote for an unknown delegate fails and keeps the old vote', async () => {
    const h = await openStaking({ premine, dpos: { genesisDelegates: delegates(3), genesisVoters: [], unbondingBlocks: 4 } }, [C.dpos]);
    await h.mine([h.tx(voters[0], D.Stake, { amount: 70n * COIN }), h.tx(voters[0], D.Vote, { delegates: [ops[0].pk, ops[1].pk] })]);
    const [bad] = await h.mine([h.tx(voters[0], D.Vote, { delegates: [whale.pk] })], { allowFail: true });
    expect(bad.ok).toBe(false);
    expect(bad.text).toMatch(/^bad-dpos-unknown-delegate/);
    expect(C.voterOf(h.q, voters[0].pk).votes.map((v) => v.delegate)).toEqual([ops[0].pk, ops[1].pk].map(C.toHex));
    const at = h.chain.height + 1;
    await h.mine([h.tx(voters[0], D.Unstake, { amount: 30n * COIN })]);
    expect(C.voterOf(h.q, voters[0].pk).unbonding).toEqual([{ amount: (30n * COIN).toString(), releaseheight: at + 4 }]);
    const list = h.chain.registry.rpcViews().get('listdelegates')!.handler(h.q, []) as { delegates: { votes: string }[] };
    expect(list.delegates[0].votes).toBe((40n * COIN).toString());
    const bal = h.balance(voters[0].pk);
    while (h.chain.height < at + 3) {
      await h.mine();
      expect(h.balance(voters[0].pk)).toBe(bal);
    }
    await h.mine();
    expect(h.balance(voters[0].pk)).toBe(bal + 30n * COIN);
  });
});
