// The staking module: rewards by Reward = Stake / TotalStake x BlockReward (exact integers,
// dust accounted), unbonding, slashing and jailing, the active set per epoch.
import { describe, expect, it } from 'vitest';
import * as C from '../dist/chain/index.js';
import { sha256 } from '../dist/hash/index.js';
import { fakeBft, keyOf, openStaking, TEST_PUNISH_KIND, TEST_SIGNERS_KIND, type Key } from './support/staking.js';

const S = C.REWARD_SCALE;
const K = C.StakingKind;
const COIN = 100_000_000n;
const vals = [11, 12, 13, 14, 15].map(keyOf);
const cons = [21, 22, 23, 24, 25].map(keyOf);
const users = [31, 32, 33, 34].map(keyOf);

const genesisOf = (stakes: bigint[], commission = 0) => stakes.map((stake, i) => ({ operator: vals[i].pk, consensusKey: cons[i].pk, stake, commission }));
const premine = [...vals, ...users].map((k) => ({ publicKey: k.pk, amount: 1_000_000n * COIN }));

describe('staking: rewards', () => {
  it('the module accounts are the hashes their comments name', () => {
    expect(C.toHex(sha256(new TextEncoder().encode('hashlane/staking/escrow')))).toBe(C.toHex(C.STAKING_ESCROW));
    expect(C.toHex(sha256(new TextEncoder().encode('hashlane/staking/rewards')))).toBe(C.toHex(C.STAKING_REWARDS));
  });

  for (const [label, stakes] of [
    ['100:200:700 coins', [100n * COIN, 200n * COIN, 700n * COIN]],
    ['3:6:21 base units (the per-unit split does not divide: the carry holds the rest)', [3n, 6n, 21n]],
  ] as const) {
    it(`three stakers 1:2:7 (${label}) over 100 blocks get exactly 1:2:7 of the issued total`, async () => {
      const h = await openStaking({ premine, staking: { genesis: genesisOf([...stakes]), minSelfBond: 1n } }, [C.staking]);
      for (let i = 0; i < 100; i++) await h.mine();
      const issued = 100n * h.params.blockReward;
      const ledger = C.stakingLedger(h.q);
      expect(ledger.issued).toBe(issued);
      const pend = [0, 1, 2].map((i) => C.pendingRewardsScaled(h.q, vals[i].pk));
      // every unit of stake earned the same G: the scaled rewards are exactly 1:2:7
      expect(pend[1]).toBe(2n * pend[0]);
      expect(pend[2]).toBe(7n * pend[0]);
      // issued = rewards held + the carry, in scaled units, exactly
      expect(pend[0] + pend[1] + pend[2] + ledger.carry).toBe(issued * S);
      expect(ledger.carry).toBeLessThan(stakes[0] + stakes[1] + stakes[2]);
      if (stakes[0] === 100n * COIN) {
        expect(ledger.carry).toBe(0n);
        expect(pend.map((p) => p / S)).toEqual([issued / 10n, (2n * issued) / 10n, (7n * issued) / 10n]);
      } else expect(ledger.carry).toBeGreaterThan(0n);
      // claims pay the whole units; the sub-unit remainder stays with the account
      const before = vals.slice(0, 3).map((k) => h.balance(k.pk));
      await h.mine(vals.slice(0, 3).map((k) => h.tx(k, K.Claim, {})));
      for (let i = 0; i < 3; i++) expect(h.balance(vals[i].pk)).toBe(before[i] - 1000n + pend[i] / S);
      // block 101 issued its reward and the three fees too
      expect(h.balance(C.STAKING_REWARDS)).toBe(issued + h.params.blockReward + 3000n - (pend[0] / S + pend[1] / S + pend[2] / S));
    });
  }

  it('commission: delegators get (1 - c) of their share, the validator its own share plus c of theirs', async () => {
    const h = await openStaking({ premine, staking: { genesis: genesisOf([1000n * COIN], 1000) } }, [C.staking]);
    await h.mine([h.tx(users[0], K.Delegate, { validator: vals[0].pk, amount: 3000n * COIN })]);
    const g0 = [C.pendingRewardsScaled(h.q, vals[0].pk), C.pendingRewardsScaled(h.q, users[0].pk)];
    for (let i = 0; i < 10; i++) await h.mine();
    const R = 10n * h.params.blockReward;
    const dv = C.pendingRewardsScaled(h.q, vals[0].pk) - g0[0];
    const du = C.pendingRewardsScaled(h.q, users[0].pk) - g0[1];
    // stake 1:3; the delegator's 3/4 minus 10 % commission
    expect(du).toBe((R * S * 3n * 9n) / 40n);
    expect(dv).toBe((R * S) / 4n + (R * S * 3n) / 40n);
  });
});

describe('staking: unbonding and slashing', () => {
  it('unbonding releases at the right height and not before, and earns nothing meanwhile', async () => {
    const h = await openStaking({ premine, staking: { genesis: genesisOf([1000n * COIN, 1000n * COIN]), unbondingBlocks: 5 } }, [C.staking]);
    await h.mine([h.tx(users[0], K.Delegate, { validator: vals[0].pk, amount: 400n * COIN })]);
    const unbondHeight = h.chain.height + 1;
    await h.mine([h.tx(users[0], K.Undelegate, { validator: vals[0].pk, amount: 400n * COIN })]);
    const view = C.stakingOfAccount(h.q, users[0].pk);
    expect(view.unbonding).toEqual([{ validator: C.toHex(vals[0].pk), amount: (400n * COIN).toString(), releaseheight: unbondHeight + 5 }]);
    expect(view.bonded).toBe('0');
    const bal = h.balance(users[0].pk);
    const pending = C.pendingRewardsScaled(h.q, users[0].pk);
    while (h.chain.height < unbondHeight + 4) {
      await h.mine();
      expect(h.balance(users[0].pk)).toBe(bal);
    }
    expect(C.pendingRewardsScaled(h.q, users[0].pk)).toBe(pending);
    await h.mine();
    expect(h.chain.height).toBe(unbondHeight + 5);
    expect(h.balance(users[0].pk)).toBe(bal + 400n * COIN);
    expect(C.stakingOfAccount(h.q, users[0].pk).unbonding).toEqual([]);
  });

  it("double-sign: bonded stake and unbonding begun at or after the offence height lose the fraction, unbonding begun before keeps all; jailed, tombstoned, out of the set", async () => {
    const h = await openStaking(
      { premine, staking: { genesis: genesisOf([1000n * COIN, 1000n * COIN]), unbondingBlocks: 20, epochLength: 5, unjailDelay: 2 } },
      [C.staking, fakeBft('staking')],
    );
    await h.mine([
      h.tx(users[0], K.Delegate, { validator: vals[0].pk, amount: 500n * COIN }),
      h.tx(users[1], K.Delegate, { validator: vals[0].pk, amount: 300n * COIN }),
      h.tx(users[3], K.Delegate, { validator: vals[0].pk, amount: 200n * COIN }),
    ]);
    // height 2: users[1] begins unbonding, before the offence (height 3)
    await h.mine([h.tx(users[1], K.Undelegate, { validator: vals[0].pk, amount: 100n * COIN })]);
    // height 3, the offence height: users[3] begins unbonding in it
    await h.mine([h.tx(users[3], K.Undelegate, { validator: vals[0].pk, amount: 100n * COIN })]);
    // height 4: users[0] begins unbonding after it
    await h.mine([h.tx(users[0], K.Undelegate, { validator: vals[0].pk, amount: 100n * COIN })]);
    const setModule = () => h.chain.state.keeperOf<C.StakingKeeper>('staking', h.chain.height);
    expect(setModule().members().map((m) => C.toHex(m.publicKey)).sort()).toEqual([cons[0], cons[1]].map((k) => C.toHex(k.pk)).sort());
    const escrow = h.balance(C.STAKING_ESCROW);
    // height 5: the evidence of the height-3 offence
    await h.mine([h.tx(users[2], TEST_PUNISH_KIND, { key: cons[0].pk, offence: 0, at: 3 })]);
    const view = (k: Key) => C.stakingOfAccount(h.q, k.pk);
    expect(view(users[0]).delegations[0].amount).toBe((380n * COIN).toString());
    expect(view(users[1]).delegations[0].amount).toBe((190n * COIN).toString());
    expect(view(users[3]).delegations[0].amount).toBe((95n * COIN).toString());
    expect(view(vals[0]).delegations[0].amount).toBe((950n * COIN).toString());
    expect(view(users[0]).unbonding[0].amount).toBe((95n * COIN).toString());
    expect(view(users[3]).unbonding[0].amount).toBe((95n * COIN).toString());
    expect(view(users[1]).unbonding[0].amount).toBe((100n * COIN).toString());
    // 5 % of 1700 bonded + 5 % of the 200 that began unbonding at heights 3 and 4
    expect(h.balance(C.STAKING_ESCROW)).toBe(escrow - 95n * COIN);
    expect(C.stakingLedger(h.q).slashed).toBe(95n * COIN);
    const v = view(vals[0]).validator!;
    expect(v).toMatchObject({ jailed: true, tombstoned: true, jaileduntil: null, active: false, stake: (1615n * COIN).toString(), unbonding: (290n * COIN).toString() });
    expect(setModule().members().map((m) => C.toHex(m.publicKey))).toEqual([C.toHex(cons[1].pk)]);
    expect(setModule().details(cons[0].pk)).toMatchObject({ jailed: true, tombstoned: true });
    expect(setModule().details(cons[1].pk)).toMatchObject({ jailed: false, tombstoned: false });
    // jailed stake earns nothing
    const p0 = C.pendingRewardsScaled(h.q, users[0].pk);
    await h.mine();
    expect(C.pendingRewardsScaled(h.q, users[0].pk)).toBe(p0);
    // slashed once: more evidence (another offence) and downtime change nothing
    const snapshot = () => JSON.stringify([vals[0], ...users].map(view));
    const before = snapshot();
    await h.mine([h.tx(users[2], TEST_PUNISH_KIND, { key: cons[0].pk, offence: 0, at: h.chain.height }), h.tx(users[2], TEST_PUNISH_KIND, { key: cons[0].pk, offence: 1 })]);
    expect(snapshot()).toBe(before);
    expect(h.balance(C.STAKING_ESCROW)).toBe(escrow - 95n * COIN);
    // never unjailed, long after the delay (and with the self-bond above the minimum)
    while (h.chain.height < 12) await h.mine();
    const [late] = await h.mine([h.tx(vals[0], K.Unjail, {})], { allowFail: true });
    expect(late.ok).toBe(false);
    expect(late.text).toMatch(/^bad-staking-tombstoned/);
    expect(view(vals[0]).validator!.jailed).toBe(true);
    // delegators may leave it and claim
    const out = await h.mine([
      h.tx(users[0], K.Undelegate, { validator: vals[0].pk, amount: 380n * COIN }),
      h.tx(users[1], K.Redelegate, { from: vals[0].pk, to: vals[1].pk, amount: 190n * COIN }),
      h.tx(users[3], K.Claim, {}),
    ]);
    expect(out.every((o) => o.ok)).toBe(true);
    expect(view(users[1]).delegations).toMatchObject([{ validator: C.toHex(vals[1].pk), amount: (190n * COIN).toString() }]);
    // users[1]'s unbonding from before the offence is paid in full at 2 + 20
    const bal = h.balance(users[1].pk);
    while (h.chain.height < 22) await h.mine();
    expect(h.balance(users[1].pk)).toBe(bal + 100n * COIN);
    expect(view(users[1]).unbonding).toEqual([]);
  });

  it('downtime slashes only what began unbonding in its own block; an older unbonding keeps all', async () => {
    const h = await openStaking({ premine, staking: { genesis: genesisOf([1000n * COIN, 1000n * COIN]), unbondingBlocks: 20, downtimeSlash: 100 } }, [C.staking, fakeBft('staking')]);
    await h.mine([h.tx(users[0], K.Delegate, { validator: vals[0].pk, amount: 500n * COIN }), h.tx(users[1], K.Delegate, { validator: vals[0].pk, amount: 500n * COIN })]);
    await h.mine([h.tx(users[0], K.Undelegate, { validator: vals[0].pk, amount: 100n * COIN })]);
    // users[1] unbonds in the block whose apply punishes the downtime
    await h.mine([h.tx(users[1], K.Undelegate, { validator: vals[0].pk, amount: 100n * COIN }), h.tx(users[2], TEST_PUNISH_KIND, { key: cons[0].pk, offence: 1 })]);
    const view = (k: Key) => C.stakingOfAccount(h.q, k.pk);
    expect(view(users[0]).unbonding[0].amount).toBe((100n * COIN).toString());
    expect(view(users[1]).unbonding[0].amount).toBe((99n * COIN).toString());
    expect(view(users[0]).delegations[0].amount).toBe((396n * COIN).toString());
    expect(view(vals[0]).validator).toMatchObject({ jailed: true, tombstoned: false });
  });

  it('unbonding that matures in the block applying the evidence is paid in full (Cosmos: a mature entry is not slashed)', async () => {
    const h = await openStaking({ premine, staking: { genesis: genesisOf([1000n * COIN, 1000n * COIN]), unbondingBlocks: 3 } }, [C.staking, fakeBft('staking')]);
    await h.mine([h.tx(users[0], K.Delegate, { validator: vals[0].pk, amount: 500n * COIN })]);
    await h.mine([h.tx(users[0], K.Undelegate, { validator: vals[0].pk, amount: 100n * COIN })]); // height 2, released at 5
    await h.mine();
    await h.mine();
    const bal = h.balance(users[0].pk);
    await h.mine([h.tx(users[2], TEST_PUNISH_KIND, { key: cons[0].pk, offence: 0, at: 2 })]); // height 5: the offence was at 2
    expect(h.balance(users[0].pk)).toBe(bal + 100n * COIN);
    expect(C.stakingOfAccount(h.q, users[0].pk).delegations[0].amount).toBe((380n * COIN).toString());
  });

  it('an offence height older than evidenceMaxAge is taken as evidenceMaxAge old (the bound of a slash\'s walk)', async () => {
    const h = await openStaking({ premine, evidenceMaxAge: 3, staking: { genesis: genesisOf([1000n * COIN, 1000n * COIN]), unbondingBlocks: 20 } }, [C.staking, fakeBft('staking')]);
    await h.mine([h.tx(users[0], K.Delegate, { validator: vals[0].pk, amount: 500n * COIN }), h.tx(users[1], K.Delegate, { validator: vals[0].pk, amount: 500n * COIN })]);
    await h.mine([h.tx(users[0], K.Undelegate, { validator: vals[0].pk, amount: 100n * COIN })]); // height 2
    while (h.chain.height < 5) await h.mine();
    await h.mine([h.tx(users[1], K.Undelegate, { validator: vals[0].pk, amount: 100n * COIN })]); // height 6
    // at height 7, an offence "at height 1": looked back to 7 - 3 = 4 only
    await h.mine([h.tx(users[2], TEST_PUNISH_KIND, { key: cons[0].pk, offence: 0, at: 1 })]);
    expect(C.stakingOfAccount(h.q, users[0].pk).unbonding[0].amount).toBe((100n * COIN).toString());
    expect(C.stakingOfAccount(h.q, users[1].pk).unbonding[0].amount).toBe((95n * COIN).toString());
  });

  it('downtime: fewer than minSigned of the window jails (with the small slash); unjail after the delay, back at the next epoch', async () => {
    const window = 10;
    const h = await openStaking(
      { premine, staking: { genesis: genesisOf([1000n * COIN, 1000n * COIN, 1000n * COIN]), signedWindow: window, minSigned: 5000, downtimeSlash: 100, unjailDelay: 9, epochLength: 4 } },
      [C.staking, fakeBft('staking')],
    );
    const sk = () => h.chain.state.keeperOf<C.StakingKeeper>('staking', h.chain.height);
    // cons[2] signs nothing
    const signers = [cons[0].pk, cons[1].pk];
    let jailedAt = 0;
    for (let i = 0; i < 30 && !jailedAt; i++) {
      await h.mine([h.tx(users[0], TEST_SIGNERS_KIND, { keys: signers })]);
      if (C.stakingOfAccount(h.q, vals[2].pk).validator!.jailed) jailedAt = h.chain.height;
    }
    // counted from height 3 (since 0 <= h - 3); missing 6 of a full window of 10 -> jailed at height 12
    expect(jailedAt).toBe(12);
    expect(C.stakingOfAccount(h.q, vals[2].pk).delegations[0].amount).toBe((990n * COIN).toString());
    expect(sk().members()).toHaveLength(2);
    while (h.chain.height < jailedAt + 7) await h.mine();
    expect((await h.mine([h.tx(vals[2], K.Unjail, {})], { allowFail: true }))[0].ok).toBe(false);
    expect((await h.mine([h.tx(vals[2], K.Unjail, {})]))[0].ok).toBe(true);
    expect(sk().members()).toHaveLength(2);
    while (h.chain.height % 4 !== 0) await h.mine();
    expect(sk().members()).toHaveLength(3);
  });
});

describe('staking: the active set', () => {
  it('power = stake scaled into the 2^60 bound of a validator set', () => {
    const big = (1n << 64n) - 1n;
    const ps = C.stakingPowers([{ stake: big }, { stake: big / 2n }, { stake: 3n }]);
    let total = 0n;
    for (const p of ps) total += p.power;
    expect(total).toBeLessThanOrEqual(1n << 60n);
    expect(ps).toHaveLength(2); // 3 base units round to power 0
    expect(ps[0].power / ps[1].power).toBe(2n);
    expect(C.stakingPowers([{ stake: 5n }, { stake: 7n }]).map((p) => p.power)).toEqual([5n, 7n]);
  });

  it('top K by stake, recomputed only at epoch boundaries; two chains applying the same blocks agree on every set', async () => {
    const epoch = 5;
    const cfg = { premine, staking: { genesis: genesisOf([500n, 400n, 300n, 200n, 100n].map((x) => x * COIN)), maxValidators: 3, epochLength: epoch } };
    const a = await openStaking(cfg, [C.staking]);
    const b = await openStaking(cfg, [C.staking]);
    const members = (h: typeof a) => h.chain.state.keeperOf<C.StakingKeeper>('staking', h.chain.height).members().map((m) => `${C.toHex(m.publicKey)}:${m.power}`);
    // what the state at the epoch start says: top 3 of listvalidators by stake
    const topAtEpochStart = (h: typeof a) => {
      const list = (h.chain.registry.rpcViews().get('listvalidators')!.handler(h.q, []) as { validators: { consensuskey: string; stake: string; jailed: boolean }[] }).validators;
      return list
        .filter((v) => !v.jailed && BigInt(v.stake) > 0n)
        .sort((x, y) => (BigInt(y.stake) === BigInt(x.stake) ? (x.consensuskey < y.consensuskey ? -1 : 1) : BigInt(y.stake) > BigInt(x.stake) ? 1 : -1))
        .slice(0, 3)
        .map((v) => `${v.consensuskey}:${v.stake}`);
    };
    let expected = topAtEpochStart(a);
    const plan: [Key, number, bigint][] = [
      [users[0], 4, 1000n], // val 4 (100) -> 1100: top at the next epoch
      [users[1], 3, 150n],
      [users[2], 0, 10n],
    ];
    for (let height = 1; height <= 4 * epoch; height++) {
      const step = plan[height % 7 === 2 ? (height / 7) | 0 : -1];
      const txs = step ? [a.tx(step[0], K.Delegate, { validator: vals[step[1]].pk, amount: step[2] * COIN })] : [];
      await a.mine(txs);
      const block = await a.chain.getBlockAtHeight(height);
      expect((await b.chain.addBlock(block!)).status).toBe('connected');
      if (height % epoch === 0) expected = topAtEpochStart(a);
      expect(members(a)).toEqual(expected);
      expect(members(b)).toEqual(members(a));
    }
    expect(members(a)[0]).toBe(`${C.toHex(cons[4].pk)}:${1100n * COIN}`);
    expect(C.toHex(a.chain.stateRoot())).toBe(C.toHex(b.chain.stateRoot()));
  });
});

describe('staking and dpos params', () => {
  it('defineParams checks the sections: typed bad-params errors that say what was expected', () => {
    const bad = (o: Partial<C.ChainParams>, re: RegExp) => {
      let err: unknown;
      try {
        C.defineParams(C.regtestParams, o);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(C.ChainError);
      expect((err as C.ChainError).reason).toBe('bad-params');
      expect((err as Error).message).toMatch(re);
    };
    bad({ staking: { maxValidators: 2000 } }, /maxValidators must be an integer in \[1, 1024\]/);
    bad({ staking: { doubleSignSlash: 10_000 } }, /doubleSignSlash must be an integer in \[0, 9999\]/);
    bad({ staking: { genesis: [{ operator: vals[0].pk, consensusKey: cons[0].pk, stake: 1n, commission: 0 }] } }, /stake must be a bigint in \[100000000/);
    bad({ staking: { genesis: genesisOf([COIN, COIN]).map((g) => ({ ...g, consensusKey: cons[0].pk })) } }, /repeats an operator or consensus key/);
    bad({ dpos: { delegates: 0 } }, /dpos.delegates/);
    bad({ dpos: { genesisDelegates: [{ operator: vals[0].pk, consensusKey: cons[0].pk, commission: 0 }], genesisVoters: [{ account: users[0].pk, stake: 5n, votes: [vals[1].pk] }] } }, /is not one of dpos.genesisDelegates/);
    bad({ dpos: { genesisDelegates: [{ operator: vals[0].pk, consensusKey: cons[0].pk, commission: 0 }], genesisVoters: [{ account: users[0].pk, stake: 5n, votes: [vals[0].pk, vals[0].pk] }] } }, /twice/);
    expect(C.defineParams(C.regtestParams, { staking: { maxValidators: 7 } }).staking).toEqual({ maxValidators: 7 });
  });
});
