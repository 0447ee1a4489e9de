// Slashing against the offence height, over random histories (fast-check): the escrow
// always holds exactly the bonded plus the unbonding stake; coins are only ever paid to
// their owners or burned by a slash (the module's slashed total); a slash takes the
// fraction from bonded stake and from unbonding begun at or after the offence height and
// leaves unbonding begun before it untouched; stake redelegated away from the slashed
// validator at or after the offence loses the fraction of the shares it bought at its
// destination (as far as the position there still holds them), the destination's other
// holders lose nothing; a tombstoned validator is never slashed again; the rewards held are
// the pending rewards plus the carry after every block; the redelegation buckets are pruned.
// And the validator record codec: round trip, strict status byte.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as C from '../dist/chain/index.js';
import { binKey } from '../dist/chain/hex.js';
import * as M from '../dist/chain/modules/staking/index.js';
import { readBucket, redelegationHead } from '../dist/chain/modules/staking/redelegations.js';
import { distribute, readBig } from '../dist/chain/modules/staking/rewards.js';
import { fakeBft, keyOf, openStaking, TEST_PUNISH_KIND } from './support/staking.js';

const S = C.REWARD_SCALE;
const BP = 10_000n;
const COIN = 100_000_000n;
const K = C.StakingKind;
const U = 6; // unbondingBlocks
const DOUBLE = 500n;
const DOWN = 100n;
const vals = [61, 62].map(keyOf);
const users = [71, 72, 73].map(keyOf);
const reporter = keyOf(74);
const accounts = [...vals, ...users, reporter];
const selfStake = [1000n * COIN, 600n * COIN];
const premine = accounts.map((k) => ({ publicKey: k.pk, amount: 1_000_000n * COIN }));

// Weighted so that unbondings and punishments of the same validator often fall within one unbonding period.
const arbOp = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant('delegate' as const), u: fc.nat({ max: 2 }), v: fc.nat({ max: 1 }), amount: fc.bigInt({ min: 1n, max: 2000n * COIN }) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('undelegate' as const), u: fc.nat({ max: 2 }), v: fc.nat({ max: 1 }), pct: fc.integer({ min: 1, max: 100 }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('redelegate' as const), u: fc.nat({ max: 2 }), v: fc.nat({ max: 1 }), pct: fc.integer({ min: 1, max: 100 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('claim' as const), u: fc.nat({ max: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('blocks' as const), n: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('double-sign' as const), v: fc.nat({ max: 1 }), age: fc.nat({ max: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('downtime' as const), v: fc.nat({ max: 1 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('unjail' as const), v: fc.nat({ max: 1 }) }) },
  // the escape: redelegate away (and perhaps undelegate some of it from the destination), then evidence lands for an offence `age` blocks before it, often at or before the move
  { weight: 3, arbitrary: fc.record({ t: fc.constant('escape' as const), u: fc.nat({ max: 2 }), v: fc.nat({ max: 1 }), pct: fc.integer({ min: 1, max: 100 }), gap: fc.nat({ max: 2 }), age: fc.nat({ max: 5 }), leave: fc.option(fc.integer({ min: 90, max: 100 }), { nil: undefined }) }) },
);


interface Row {
  operator: string;
  stake: string;
  unbonding: string;
  jailed: boolean;
  tombstoned: boolean;
}

/** `old` less `bp` of it, to within the rounding of a share price (per-pool floor, per-entry floor). */
const near = (now: bigint, old: bigint, bp: bigint) => {
  const want = old - (old * bp) / BP;
  return now <= want + 1n && now + 2n >= want;
};

describe('staking slashes: the offence height, the escrow and the burn', () => {
  it('random histories with double-sign and downtime punishments (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(arbOp, { minLength: 1, maxLength: 16 }), async (plan) => {
        const h = await openStaking(
          {
            premine,
            staking: {
              genesis: vals.map((k, i) => ({ operator: k.pk, consensusKey: k.pk, stake: selfStake[i], commission: i * 1000 })),
              unbondingBlocks: U, minSelfBond: 1n, minSigned: 0, doubleSignSlash: Number(DOUBLE), downtimeSlash: Number(DOWN), unjailDelay: 1, maxUnbondings: 64,
            },
          },
          [C.staking, fakeBft('staking')],
        );
        const R = h.params.blockReward;
        let blocks = 0;
        const paid = accounts.map(() => 0n);
        // the model of the redelegations: the shares each bought at its destination, less the slashes of its source
        const moves: { key: string; from: number; begin: number; shares: bigint }[] = [];
        const rows = () => (h.chain.registry.rpcViews().get('listvalidators')!.handler(h.q, []) as { validators: Row[] }).validators;
        const view = (i: number) => C.stakingOfAccount(h.q, accounts[i].pk);
        const check = () => {
          // the escrow holds exactly the bonded plus the unbonding stake
          const vs = rows();
          let held = 0n;
          for (const v of vs) held += BigInt(v.stake) + BigInt(v.unbonding);
          expect(h.balance(C.STAKING_ESCROW)).toBe(held);
          // each validator's unbonding is its entries' worth, to within a base unit per entry (the last holder of a pool gets the rest)
          for (const v of vs) {
            let sum = 0n;
            let n = 0n;
            for (let i = 0; i < accounts.length; i++)
              for (const e of view(i).unbonding)
                if (e.validator === v.operator) {
                  sum += BigInt(e.amount);
                  n++;
                }
            const dust = BigInt(v.unbonding) - sum;
            expect(dust >= 0n && (dust < n || dust === 0n)).toBe(true);
          }
          // nothing created or lost: premine + genesis stakes + block rewards - what slashes burned
          let total = 0n;
          for (const k of [...accounts.map((a) => a.pk), C.STAKING_ESCROW, C.STAKING_REWARDS, new Uint8Array(32).fill(0xee)]) total += h.balance(k);
          let pre = 0n;
          for (const a of premine) pre += a.amount;
          expect(total).toBe(pre + selfStake[0] + selfStake[1] + BigInt(blocks) * R - C.stakingLedger(h.q).slashed);
          rewardIdentity();
        };
        // unpaid scaled units are all held, in the carry, or the rest a validator's pool hands
        // to the carry when it next settles (zero while tokens = shares, so only after a
        // slash; the views do not count it)
        const rewardIdentity = () => {
          let pending = 0n;
          for (const k of accounts) pending += C.pendingRewardsScaled(h.q, k.pk);
          const G = readBig(new C.Reader(h.q.read('staking', 'g')!, 'g'), 'G');
          let rests = 0n;
          for (const k of vals) {
            const v = M.decodeVal(k.pk, h.q.read('staking', `v${binKey(k.pk)}`)!);
            if (!v.jailed) rests += distribute({ ...v }, v.tokens * (G - v.gSnap));
          }
          expect(h.balance(C.STAKING_REWARDS) * S).toBe(pending + C.stakingLedger(h.q).carry + rests);
        };
        const redelegationKeys = () => [...h.chain.state.space('staking').keys()].filter((k) => /^[wxyz]/.test(k));
        /** Shares a slash of `target` at `at` for an offence at `offence` must cut, per (delegator, destination): from the buckets begun at or after the offence, not matured. */
        const cutsOf = (target: Uint8Array, offence: number, at: number, bp: bigint) => {
          const cuts = new Map<string, bigint>();
          const store = { get: (k: string) => h.q.read('staking', k) };
          for (let b = redelegationHead(store, target); b >= offence && b + U > at; ) {
            const bucket = readBucket(store, target, b);
            if (!bucket) break;
            for (const e of bucket.entries) {
              const k = `${C.toHex(e.delegator)}/${C.toHex(e.dst)}`;
              cuts.set(k, (cuts.get(k) ?? 0n) + (e.shares * bp) / BP);
            }
            b = bucket.prev;
          }
          return cuts;
        };
        const block = async (txs: C.Transaction[]) => {
          const out = await h.mine(txs, { allowFail: true });
          blocks++;
          check();
          return out;
        };
        const amountOf = (u: number, v: number, pct: number) => {
          const d = view(2 + u).delegations.find((x) => x.validator === C.toHex(vals[v].pk));
          return d ? BigInt(d.amount) * BigInt(pct) / 100n || 1n : 0n;
        };
        // every user starts with stake on both validators, so most undelegations are real
        await block(users.flatMap((u) => vals.map((v) => h.tx(u, K.Delegate, { validator: v.pk, amount: 1000n * COIN }))));
        const steps = plan.flatMap((op) =>
          op.t === 'escape'
            ? [
                { t: 'redelegate' as const, u: op.u, v: op.v, pct: op.pct },
                ...(op.leave ? [{ t: 'undelegate' as const, u: op.u, v: 1 - op.v, pct: op.leave }] : []),
                ...Array.from({ length: op.gap }, () => ({ t: 'blocks' as const, n: 1 })), { t: 'double-sign' as const, v: op.v, age: op.age },
              ]
            : [op],
        );
        for (const op of steps) {
          if (op.t === 'blocks') for (let i = 0; i < op.n; i++) await block([]);
          else if (op.t === 'delegate') await block([h.tx(users[op.u], K.Delegate, { validator: vals[op.v].pk, amount: op.amount })]);
          else if (op.t === 'undelegate' || op.t === 'redelegate') {
            const amount = amountOf(op.u, op.v, op.pct);
            if (amount === 0n) continue;
            const sharesAt = () => BigInt(view(2 + op.u).delegations.find((x) => x.validator === C.toHex(vals[1 - op.v].pk))?.shares ?? '0');
            const was = sharesAt();
            const [r] = await block([
              op.t === 'undelegate'
                ? h.tx(users[op.u], K.Undelegate, { validator: vals[op.v].pk, amount })
                : h.tx(users[op.u], K.Redelegate, { from: vals[op.v].pk, to: vals[1 - op.v].pk, amount }),
            ]);
            if (op.t === 'redelegate' && r.ok) moves.push({ key: `${C.toHex(users[op.u].pk)}/${C.toHex(vals[1 - op.v].pk)}`, from: op.v, begin: h.chain.height, shares: sharesAt() - was });
          } else if (op.t === 'claim') {
            const [r] = await block([h.tx(accounts[op.u], K.Claim, {})]);
            if (r.ok) paid[op.u] += BigInt(/^claimed (\d+)$/.exec(r.text)![1]);
          } else if (op.t === 'unjail') {
            const was = rows()[op.v];
            const [r] = await block([h.tx(vals[op.v], K.Unjail, {})]);
            if (was.tombstoned) {
              expect(r.ok).toBe(false);
              expect(r.text).toMatch(/^bad-staking-tombstoned/);
            }
          } else {
            // a punishment at height `at` for an offence at `offence`
            const at = h.chain.height + 1;
            const offence = op.t === 'downtime' ? at : Math.max(1, at - op.age);
            const bp = op.t === 'downtime' ? DOWN : DOUBLE;
            const target = C.toHex(vals[op.v].pk);
            const was = rows()[op.v];
            const before = accounts.map((_, i) => view(i));
            const cuts = new Map<string, bigint>();
            if (!was.tombstoned) {
              for (const m of moves) {
                if (m.from !== op.v || m.begin < offence || m.begin + U <= at) continue;
                const cut = (m.shares * bp) / BP;
                m.shares -= cut;
                cuts.set(m.key, (cuts.get(m.key) ?? 0n) + cut);
              }
              // what the module recorded is what the model says
              expect(cutsOf(vals[op.v].pk, offence, at, bp)).toEqual(cuts);
            }
            // destinations some burn reaches: their share price may rise by the rounding of each burn (less than a unit per burn for any holder), never fall
            const touched = new Map<string, bigint>();
            for (const [k, c] of cuts) if (c > 0n) touched.set(k.split('/')[1], (touched.get(k.split('/')[1]) ?? 0n) + 1n);
            const slashed = C.stakingLedger(h.q).slashed;
            await block([h.tx(reporter, TEST_PUNISH_KIND, { key: vals[op.v].pk, offence: op.t === 'downtime' ? 1 : 0, at: offence })]);
            const after = accounts.map((_, i) => view(i));
            const now = rows()[op.v];
            if (was.tombstoned) {
              // nothing burned (the block's endBlock may still release matured unbonding)
              expect({ ...now, unbonding: '' }).toEqual({ ...was, unbonding: '' });
              expect(C.stakingLedger(h.q).slashed).toBe(slashed);
            } else {
              expect(C.stakingLedger(h.q).slashed > slashed || BigInt(was.stake) < BP).toBe(true);
              expect(now.jailed).toBe(true);
              expect(now.tombstoned).toBe(op.t === 'double-sign');
              expect(near(BigInt(now.stake), BigInt(was.stake), bp)).toBe(true);
            }
            for (let i = 0; i < accounts.length; i++) {
              for (const old of before[i].delegations) {
                const d = after[i].delegations.find((x) => x.validator === old.validator);
                const cut = cuts.get(`${C.toHex(accounts[i].pk)}/${old.validator}`) ?? 0n;
                const oldShares = BigInt(old.shares);
                if (cut > 0n) {
                  // the redelegated stake lost the fraction of its shares where it now is, at most what is left there
                  const want = oldShares - (cut < oldShares ? cut : oldShares);
                  expect(BigInt(d?.shares ?? '0')).toBe(want);
                  expect(BigInt(d?.amount ?? '0') <= BigInt(old.amount)).toBe(true);
                  continue;
                }
                expect(d).toBeDefined();
                expect(d!.shares).toBe(old.shares);
                if (old.validator === target && !was.tombstoned) expect(near(BigInt(d!.amount), BigInt(old.amount), bp)).toBe(true);
                else if (touched.has(old.validator)) expect(BigInt(d!.amount) >= BigInt(old.amount) && BigInt(d!.amount) <= BigInt(old.amount) + touched.get(old.validator)!).toBe(true);
                else expect(d!.amount).toBe(old.amount);
              }
              // entries still unbonding after the block, matched by (validator, release height)
              const live = (v: typeof after[number]) => v.unbonding.filter((e) => e.releaseheight > at);
              expect(live(after[i]).map((e) => `${e.validator}/${e.releaseheight}`)).toEqual(live(before[i]).map((e) => `${e.validator}/${e.releaseheight}`));
              live(after[i]).forEach((e, j) => {
                const old = BigInt(live(before[i])[j].amount);
                const began = e.releaseheight - U;
                if (e.validator !== target || was.tombstoned || began < offence) expect(BigInt(e.amount)).toBe(old);
                else expect(near(BigInt(e.amount), old, bp)).toBe(true);
              });
            }
          }
        }
        // everything unbonding is released: nothing left behind in the pools
        for (let i = 0; i <= U; i++) await block([]);
        for (const v of rows()) expect(v.unbonding).toBe('0');
        // and every redelegation bucket has left the slash window (min(evidenceMaxAge, U - 1) blocks) and is gone
        expect(redelegationKeys()).toEqual([]);
        let out = 0n;
        for (const p of paid) out += p;
        expect(C.stakingLedger(h.q).issued).toBe(h.balance(C.STAKING_REWARDS) + out);
        await h.chain.close();
      }),
      { numRuns: 80, examples: [[[{ t: 'downtime', v: 0 }, { t: 'unjail', v: 0 }]], [[{ t: 'double-sign', v: 0, age: 0 }, { t: 'delegate', u: 0, v: 0, amount: 2n }, { t: 'undelegate', u: 0, v: 0, pct: 1 }, { t: 'blocks', n: 3 }, { t: 'double-sign', v: 0, age: 0 }, { t: 'unjail', v: 0 }]]] },
    );
  }, 240_000);
});

describe('staking validator record codec', () => {
  const rec = (o: Partial<M.ValidatorRecord> = {}): M.ValidatorRecord => ({
    operator: vals[0].pk, consensusKey: vals[1].pk, commission: 250, jailed: false, tombstoned: false, jailedUntil: 0,
    tokens: 10n, shares: 9n, selfShares: 3n, ubTokens: 4n, ubHead: 77, gSnap: 5n, accSelf: 6n, accDel: 7n, commissionOwed: 0n, ...o,
  });

  it('round-trips bonded, jailed and tombstoned records', () => {
    for (const v of [rec(), rec({ jailed: true, jailedUntil: 12 }), rec({ jailed: true, tombstoned: true, jailedUntil: 0xffffffff })]) {
      expect(M.decodeVal(v.operator, M.encodeVal(v))).toEqual(v);
    }
  });

  it('decodes strictly: an unknown status, a tombstone that expires, trailing or missing bytes are DecodeErrors', () => {
    const bytes = M.encodeVal(rec({ jailed: true, tombstoned: true, jailedUntil: 0xffffffff }));
    const junk = (f: (b: Uint8Array) => Uint8Array) => () => M.decodeVal(vals[0].pk, f(bytes.slice()));
    expect(junk((b) => ((b[36] = 3), b))).toThrow(C.DecodeError);
    expect(junk((b) => ((b[36] = 3), b))).toThrow(/status 3/);
    expect(junk((b) => ((b[40] = 0), b))).toThrow(/tombstoned/);
    expect(junk((b) => new Uint8Array([...b, 0]))).toThrow(C.DecodeError);
    expect(junk((b) => b.slice(0, b.length - 1))).toThrow(C.DecodeError);
  });

  it('hostile bytes decode to a DecodeError or to a record that re-encodes to the same bytes (fast-check)', () => {
    const base = M.encodeVal(rec());
    fc.assert(
      fc.property(fc.nat({ max: base.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.nat({ max: 4 }), (i, byte, cut) => {
        const b = base.slice(0, base.length - cut);
        if (i < b.length) b[i] = byte;
        let v: M.ValidatorRecord;
        try {
          v = M.decodeVal(vals[0].pk, b);
        } catch (e) {
          expect(e).toBeInstanceOf(C.DecodeError);
          return;
        }
        expect(C.toHex(M.encodeVal(v))).toBe(C.toHex(b));
      }),
      { numRuns: 3000 },
    );
  });
});
