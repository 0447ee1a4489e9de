// Redelegated stake stays slashable for the source's offences: a double-signer's delegators
// cannot escape the slash by redelegating between the offence and its evidence. The moved
// stake loses the fraction where it now is (exact integers), stake moved before the offence
// or matured keeps all, what was moved on since is slashed only as far as it is still there,
// the per-(source, block) cap fails typed with the fee paid, and the buckets are pruned.
import { describe, expect, it } from 'vitest';
import * as C from '../dist/chain/index.js';
import { fakeBft, keyOf, openStaking, TEST_PUNISH_KIND, type Key } from './support/staking.js';

const K = C.StakingKind;
const COIN = 100_000_000n;
const BP = 10_000n;
const DOUBLE = 500n;
const vals = [41, 42, 43].map(keyOf);
const cons = [44, 45, 46].map(keyOf);
const users = [47, 48, 49, 50].map(keyOf);
const reporter = keyOf(51);
const accounts = [...vals, ...users, reporter];
const premine = accounts.map((k) => ({ publicKey: k.pk, amount: 1_000_000n * COIN }));
const [S, D, E] = vals;

async function open(staking: Record<string, unknown> = {}) {
  const h = await openStaking(
    {
      premine,
      staking: {
        genesis: vals.map((k, i) => ({ operator: k.pk, consensusKey: cons[i].pk, stake: 1000n * COIN, commission: 0 })),
        unbondingBlocks: 20, doubleSignSlash: Number(DOUBLE), ...staking,
      },
    },
    [C.staking, fakeBft('staking')],
  );
  const view = (k: Key) => C.stakingOfAccount(h.q, k.pk);
  const at = (k: Key, v: Key) => BigInt(view(k).delegations.find((d) => d.validator === C.toHex(v.pk))?.amount ?? '0');
  const sharesAt = (k: Key, v: Key) => BigInt(view(k).delegations.find((d) => d.validator === C.toHex(v.pk))?.shares ?? '0');
  const val = (k: Key) => view(k).validator!;
  const evidence = (v: number, offence: number) => h.mine([h.tx(reporter, TEST_PUNISH_KIND, { key: cons[v].pk, offence: 0, at: offence })]);
  // escrow = bonded + unbonding of every validator; coins = premine + genesis + rewards - slashed;
  // rewards held = the pending rewards + the carry (no pool is left unsettled with a slashed price here)
  const identities = () => {
    let held = 0n;
    for (const v of vals) held += BigInt(val(v).stake) + BigInt(val(v).unbonding);
    expect(h.balance(C.STAKING_ESCROW)).toBe(held);
    let total = 0n;
    for (const k of [...accounts.map((a) => a.pk), C.STAKING_ESCROW, C.STAKING_REWARDS, new Uint8Array(32).fill(0xee)]) total += h.balance(k);
    let pre = 0n;
    for (const a of premine) pre += a.amount;
    expect(total).toBe(pre + 3000n * COIN + BigInt(h.chain.height) * h.params.blockReward - C.stakingLedger(h.q).slashed);
  };
  return { h, view, at, sharesAt, val, evidence, identities };
}

/** Keys of the redelegation buckets, heads, prune lists and account refs (x/, y/, z/, w/) in the staking namespace. */
const redelegationKeys = (h: { chain: C.Chain }) => [...h.chain.state.space('staking').keys()].filter((k) => /^[wxyz]/.test(k));

describe('staking: redelegated stake is slashed for the source\'s offences', () => {
  it('double-sign at H, redelegation at H + 1, evidence at H + 3: the moved stake loses exactly the fraction at the destination; its other delegators lose nothing', async () => {
    const { h, view, at, sharesAt, val, evidence, identities } = await open();
    const moved = 333n * COIN + 37n; // not a multiple of 20: the floor shows
    await h.mine([h.tx(users[0], K.Delegate, { validator: S.pk, amount: 500n * COIN }), h.tx(users[1], K.Delegate, { validator: D.pk, amount: 300n * COIN })]); // 1
    const H = h.chain.height + 1;
    await h.mine(); // H = 2, the offence height
    await h.mine([h.tx(users[0], K.Redelegate, { from: S.pk, to: D.pk, amount: moved })]); // H + 1
    // D was never slashed: one share per token, so the move bought `moved` shares
    expect(sharesAt(users[0], D)).toBe(moved);
    // getstaking lists the move as still slashable for S's offences
    const row = { validator: C.toHex(S.pk), to: C.toHex(D.pk), amount: moved.toString(), beginheight: H + 1 };
    expect(view(users[0]).redelegations).toEqual([{ ...row, shares: moved.toString() }]);
    expect(view(users[1]).redelegations).toEqual([]);
    await h.mine(); // H + 2
    const slashed = C.stakingLedger(h.q).slashed;
    const escrow = h.balance(C.STAKING_ESCROW);
    const dStake = BigInt(val(D).stake);
    const sStake = BigInt(val(S).stake);
    const left = at(users[0], S);
    await evidence(0, H); // H + 3
    const cut = (moved * DOUBLE) / BP;
    expect(cut).toBe(1_665_000_001n);
    expect(at(users[0], D)).toBe(moved - cut);
    expect(sharesAt(users[0], D)).toBe(moved - cut);
    // what stayed at S lost the fraction with S's pool (one share per token before the slash)
    expect(at(users[0], S)).toBe((left * (sStake - (sStake * DOUBLE) / BP)) / sStake);
    // D's other delegators and D itself lose nothing; D is neither jailed nor tombstoned
    expect(at(users[1], D)).toBe(300n * COIN);
    expect(at(D, D)).toBe(1000n * COIN);
    expect(val(D)).toMatchObject({ stake: (dStake - cut).toString(), jailed: false, tombstoned: false, active: true });
    expect(val(S)).toMatchObject({ stake: (sStake - (sStake * DOUBLE) / BP).toString(), jailed: true, tombstoned: true });
    const burned = (sStake * DOUBLE) / BP + cut;
    expect(C.stakingLedger(h.q).slashed - slashed).toBe(burned);
    expect(h.balance(C.STAKING_ESCROW)).toBe(escrow - burned);
    // T: only D and E are bonded and not jailed now
    expect(C.stakingLedger(h.q).bonded).toBe(BigInt(val(D).stake) + BigInt(val(E).stake));
    identities();
    // the rewards stay accounted exactly: what the module holds is the pending rewards plus the carry
    let pending = 0n;
    for (const k of accounts) pending += C.pendingRewardsScaled(h.q, k.pk);
    expect(h.balance(C.STAKING_REWARDS) * C.REWARD_SCALE).toBe(pending + C.stakingLedger(h.q).carry);
    // the entry's shares follow the cut (a second slash of S would take the fraction of what is left)
    expect(view(users[0]).redelegations).toEqual([{ ...row, shares: (moved - cut).toString() }]);
    // S is tombstoned: later evidence takes nothing more from the moved stake
    await evidence(0, h.chain.height);
    expect(at(users[0], D)).toBe(moved - cut);
    // once evidence of an offence up to the move can no longer land (window = min(evidenceMaxAge 100, unbondingBlocks 20 - 1)), it is no longer listed, and nothing of it stays in the state
    while (h.chain.height < H + 1 + 19) await h.mine();
    expect(view(users[0]).redelegations).toHaveLength(1);
    await h.mine();
    expect(view(users[0]).redelegations).toEqual([]);
    expect(redelegationKeys(h)).toEqual([]);
    await h.chain.close();
  });

  it('a redelegation begun before the offence height keeps all; one begun at it is slashed; one that matured before the evidence keeps all', async () => {
    const { h, at, evidence, identities } = await open({ unbondingBlocks: 4 });
    await h.mine(users.slice(0, 3).map((u) => h.tx(u, K.Delegate, { validator: S.pk, amount: 400n * COIN }))); // 1
    await h.mine([h.tx(users[0], K.Redelegate, { from: S.pk, to: D.pk, amount: 100n * COIN })]); // 2: before the offence
    await h.mine([h.tx(users[1], K.Redelegate, { from: S.pk, to: D.pk, amount: 100n * COIN })]); // 3: the offence height
    await h.mine([h.tx(users[2], K.Redelegate, { from: S.pk, to: D.pk, amount: 100n * COIN })]); // 4
    await evidence(0, 3); // 5
    expect(at(users[0], D)).toBe(100n * COIN);
    expect(at(users[1], D)).toBe(95n * COIN);
    expect(at(users[2], D)).toBe(95n * COIN);
    identities();
    // another source: a redelegation begun at 7 has matured at 7 + 4, so evidence applied at 11 leaves it alone (as an unbonding pool released in that block)
    await h.mine([h.tx(users[3], K.Delegate, { validator: E.pk, amount: 400n * COIN })]); // 6
    await h.mine([h.tx(users[3], K.Redelegate, { from: E.pk, to: D.pk, amount: 100n * COIN })]); // 7
    await h.mine(); // 8
    await h.mine(); // 9
    await h.mine(); // 10
    const before = at(users[3], D);
    await evidence(2, 7); // 11 = 7 + 4: matured
    expect(at(users[3], D)).toBe(before);
    identities();
    await h.chain.close();
  });

  it('the moved stake was undelegated from the destination: what is left there is slashed, never more, nothing negative; hopping on to a third validator is refused (transitive)', async () => {
    const { h, at, view, val, evidence, identities } = await open();
    await h.mine(users.slice(0, 3).map((u) => h.tx(u, K.Delegate, { validator: S.pk, amount: 400n * COIN }))); // 1
    await h.mine(); // 2: the offence
    await h.mine(users.slice(0, 3).map((u) => h.tx(u, K.Redelegate, { from: S.pk, to: D.pk, amount: 400n * COIN }))); // 3
    const moves = await h.mine(
      [
        h.tx(users[0], K.Undelegate, { validator: D.pk, amount: 390n * COIN }), // 10 left: less than the 20 the slash wants
        h.tx(users[1], K.Undelegate, { validator: D.pk, amount: 400n * COIN }), // nothing left
        // S -> D -> E in two blocks would take the stake out of reach: refused while S's slash can reach it
        h.tx(users[2], K.Redelegate, { from: D.pk, to: E.pk, amount: 100n * COIN }),
        h.tx(users[2], K.Undelegate, { validator: D.pk, amount: 100n * COIN }), // 300 left: the whole 20 is taken
      ],
      { allowFail: true },
    ); // 4
    expect(moves.map((o) => o.ok)).toEqual([true, true, false, true]);
    expect(moves[2]!.text).toMatch(/^bad-staking-redelegation-transitive: .*stake redelegated into [0-9a-f]{16}\.\.\. from [0-9a-f]{16}\.\.\. at height 3 stays slashable/);
    const slashed = C.stakingLedger(h.q).slashed;
    const dStake = BigInt(val(D).stake);
    const sStake = BigInt(val(S).stake);
    const unbonding = users.slice(0, 3).map((u) => view(u).unbonding.map((e) => e.amount));
    await evidence(0, 2); // 5
    expect(at(users[0], D)).toBe(0n);
    expect(view(users[0]).delegations.map((d) => d.validator)).not.toContain(C.toHex(D.pk));
    expect(at(users[1], D)).toBe(0n);
    expect(at(users[2], D)).toBe(280n * COIN);
    // out of reach: the unbonding from D (D's own offences would reach it)
    expect(users.slice(0, 3).map((u) => view(u).unbonding.map((e) => e.amount))).toEqual(unbonding);
    expect(at(users[2], E)).toBe(0n);
    expect(BigInt(val(D).stake)).toBe(dStake - 10n * COIN - 20n * COIN);
    expect(C.stakingLedger(h.q).slashed - slashed).toBe((sStake * DOUBLE) / BP + 30n * COIN);
    identities();
    // the emptied position can be opened again as usual
    await h.mine([h.tx(users[0], K.Delegate, { validator: D.pk, amount: 5n * COIN })]);
    expect(at(users[0], D)).toBe(5n * COIN);
    await h.chain.close();
  });

  it('the destination\'s own offence slashes the moved stake with its pool; a later slash of the source cuts the entry\'s shares at the new price', async () => {
    const { h, at, sharesAt, evidence, identities } = await open();
    await h.mine([h.tx(users[0], K.Delegate, { validator: S.pk, amount: 400n * COIN })]); // 1
    await h.mine(); // 2: S's offence
    await h.mine([h.tx(users[0], K.Redelegate, { from: S.pk, to: D.pk, amount: 400n * COIN })]); // 3
    await evidence(1, 3); // 4: D double-signed at 3
    expect(at(users[0], D)).toBe(380n * COIN);
    expect(sharesAt(users[0], D)).toBe(400n * COIN);
    await evidence(0, 2); // 5: S's evidence
    // 5 % of the 400 shares bought, at D's price 0.95
    expect(sharesAt(users[0], D)).toBe(380n * COIN);
    expect(at(users[0], D)).toBe(361n * COIN);
    identities();
    await h.chain.close();
  });

  it('the cap: the (cap + 1)-th redelegation away from one validator in a block fails bad-staking-redelegation-busy and pays its fee; a repeat of the same move merges', async () => {
    const { h, at, evidence, identities } = await open({ maxRedelegationsPerBlock: 2 });
    await h.mine(users.map((u) => h.tx(u, K.Delegate, { validator: S.pk, amount: 400n * COIN })));
    const bal = h.balance(users[2].pk);
    const out = await h.mine(
      [
        h.tx(users[0], K.Redelegate, { from: S.pk, to: D.pk, amount: 10n * COIN }),
        h.tx(users[1], K.Redelegate, { from: S.pk, to: D.pk, amount: 10n * COIN }),
        h.tx(users[2], K.Redelegate, { from: S.pk, to: D.pk, amount: 10n * COIN }, 777n),
        h.tx(users[0], K.Redelegate, { from: S.pk, to: D.pk, amount: 5n * COIN }), // same delegator and destination: merged
        h.tx(users[3], K.Redelegate, { from: D.pk, to: E.pk, amount: 1n }), // another source: its own bucket (users[3] has nothing at D: fails otherwise)
        h.tx(users[3], K.Redelegate, { from: S.pk, to: E.pk, amount: 10n * COIN }),
      ],
      { allowFail: true },
    );
    expect(out.map((o) => o.ok)).toEqual([true, true, false, true, false, false]);
    expect(out[2].text).toMatch(/^bad-staking-redelegation-busy: .*validator [0-9a-f]{16}\.\.\. already has 2 redelegations away from it in this block, at most 2/);
    expect(out[4].text).toMatch(/^bad-staking-no-position/);
    expect(out[5].text).toMatch(/^bad-staking-redelegation-busy/);
    expect(h.balance(users[2].pk)).toBe(bal - 777n);
    expect(at(users[2], S)).toBe(400n * COIN);
    expect(at(users[2], D)).toBe(0n);
    expect(at(users[0], D)).toBe(15n * COIN);
    // the next block has room again
    const [next] = await h.mine([h.tx(users[2], K.Redelegate, { from: S.pk, to: D.pk, amount: 10n * COIN })]);
    expect(next.ok).toBe(true);
    identities();
    // and the merged entry is slashed as one: 5 % of 15
    await evidence(0, 2);
    expect(at(users[0], D)).toBe(15n * COIN - (15n * COIN * DOUBLE) / BP);
    expect(at(users[1], D)).toBe(10n * COIN - (10n * COIN * DOUBLE) / BP);
    await h.chain.close();
  });

  it('buckets are pruned once no evidence can reach them: the state holds at most window + 1 blocks of them, none after', async () => {
    const U = 4; // window = min(evidenceMaxAge 100, U - 1) = 3
    const { h, identities } = await open({ unbondingBlocks: U });
    await h.mine(users.flatMap((u) => [S, D].map((v) => h.tx(u, K.Delegate, { validator: v.pk, amount: 400n * COIN }))));
    let most = 0;
    for (let i = 0; i < 12; i++) {
      // every block, users move a little between S and D, both ways: two sources per block
      await h.mine(users.map((u, j) => (j % 2 ? h.tx(u, K.Redelegate, { from: S.pk, to: D.pk, amount: COIN }) : h.tx(u, K.Redelegate, { from: D.pk, to: S.pk, amount: COIN }))));
      most = Math.max(most, redelegationKeys(h).length);
      identities();
    }
    // per live block: two buckets and one prune list; per source: one head; per user: its refs. Live blocks: window + 1 (pruned at the end of begin + window + 1)
    expect(most).toBe((U - 1 + 1) * 3 + 2 + users.length);
    expect(C.stakingOfAccount(h.q, users[0].pk).redelegations.map((r) => r.beginheight)).toEqual([h.chain.height - 3, h.chain.height - 2, h.chain.height - 1, h.chain.height]);
    for (let i = 0; i < U; i++) await h.mine();
    expect(redelegationKeys(h)).toEqual([]);
    await h.chain.close();
  });

  it('maxRedelegationsPerBlock is checked like the other staking parameters', () => {
    for (const bad of [0, 1025, 1.5, -1]) {
      expect(() => C.defineParams(C.regtestParams, { staking: { maxRedelegationsPerBlock: bad } })).toThrow(/staking.maxRedelegationsPerBlock must be an integer in \[1, 1024\]/);
    }
  });
});
