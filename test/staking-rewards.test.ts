// The reward identity over random histories of stake changes (fast-check): what was issued
// equals what was paid + the reward balances still held + the carry, exactly in scaled
// units (rewards.ts rounding rule); and every account's rewards match the seed's formula
// Reward = Stake / TotalStake x BlockReward (commission taken) computed with exact
// fractions by a reference model, to within one base unit.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as C from '../dist/chain/index.js';
import { keyOf, openStaking } from './support/staking.js';

const S = C.REWARD_SCALE;
const BP = 10_000n;
const COIN = 100_000_000n;
const FEE = 1000n;
const vals = [41, 42].map(keyOf);
const commission = [0, 1500];
const selfStake = [1000n * COIN, 500n * COIN];
const users = [51, 52, 53].map(keyOf);
const accounts = [...vals, ...users];
const premine = accounts.map((k) => ({ publicKey: k.pk, amount: 1_000_000n * COIN }));

/** An exact non-negative fraction. */
class Frac {
  constructor(
    readonly n: bigint,
    readonly d: bigint,
  ) {}
  add(n: bigint, d: bigint): Frac {
    const nn = this.n * d + n * this.d;
    const dd = this.d * d;
    let a = nn, b = dd;
    while (b) [a, b] = [b, a % b];
    return a ? new Frac(nn / a, dd / a) : new Frac(0n, 1n);
  }
}

const arbOp = fc.oneof(
  fc.record({ t: fc.constant('delegate' as const), u: fc.nat({ max: 2 }), v: fc.nat({ max: 1 }), amount: fc.bigInt({ min: 1n, max: 2000n * COIN }) }),
  fc.record({ t: fc.constant('undelegate' as const), u: fc.nat({ max: 2 }), v: fc.nat({ max: 1 }), pct: fc.integer({ min: 1, max: 100 }) }),
  fc.record({ t: fc.constant('redelegate' as const), u: fc.nat({ max: 2 }), v: fc.nat({ max: 1 }), pct: fc.integer({ min: 1, max: 100 }) }),
  fc.record({ t: fc.constant('claim' as const), u: fc.nat({ max: 4 }) }),
  fc.record({ t: fc.constant('blocks' as const), n: fc.integer({ min: 1, max: 3 }) }),
);

describe('staking rewards: issued == paid + held + carry, and the formula per account', () => {
  it('random histories of delegations, undelegations, redelegations and claims (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(arbOp, { minLength: 1, maxLength: 14 }), async (plan) => {
        const h = await openStaking(
          { premine, staking: { genesis: vals.map((k, i) => ({ operator: k.pk, consensusKey: k.pk, stake: selfStake[i], commission: commission[i] })), unbondingBlocks: 3, minSelfBond: 1n } },
          [C.staking],
        );
        const R = h.params.blockReward;
        // model: stake[u][v] of users; validators' self-bonds stay fixed
        const stake = users.map(() => [0n, 0n]);
        const exact = accounts.map(() => new Frac(0n, 1n));
        const paid = accounts.map(() => 0n);
        let blocks = 0;
        let fees = 0n;
        // `effect` puts a transaction's stake change into the model once its outcome is known:
        // the block's reward is split by the stake after its transactions (endBlock).
        const block = async (txs: C.Transaction[], effect?: (out: { ok: boolean; text: string }[]) => void) => {
          const out = await h.mine(txs, { allowFail: effect !== undefined });
          effect?.(out);
          blocks++;
          fees += FEE * BigInt(txs.length);
          const A = R + FEE * BigInt(txs.length);
          let T = selfStake[0] + selfStake[1];
          for (const s of stake) T += s[0] + s[1];
          for (let v = 0; v < 2; v++) {
            exact[v] = exact[v].add(A * selfStake[v], T);
            for (let u = 0; u < users.length; u++) {
              const s = stake[u][v];
              if (s === 0n) continue;
              const c = BigInt(commission[v]);
              exact[2 + u] = exact[2 + u].add(A * s * (BP - c), T * BP);
              exact[v] = exact[v].add(A * s * c, T * BP);
            }
          }
          return out;
        };
        for (const op of plan) {
          if (op.t === 'blocks') {
            for (let i = 0; i < op.n; i++) await block([]);
          } else if (op.t === 'delegate') {
            stake[op.u][op.v] += op.amount;
            await block([h.tx(users[op.u], C.StakingKind.Delegate, { validator: vals[op.v].pk, amount: op.amount }, FEE)]);
          } else if (op.t === 'undelegate' || op.t === 'redelegate') {
            const have = stake[op.u][op.v];
            if (have === 0n) continue;
            const amount = have * BigInt(op.pct) / 100n || 1n;
            const tx =
              op.t === 'undelegate'
                ? h.tx(users[op.u], C.StakingKind.Undelegate, { validator: vals[op.v].pk, amount }, FEE)
                : h.tx(users[op.u], C.StakingKind.Redelegate, { from: vals[op.v].pk, to: vals[1 - op.v].pk, amount }, FEE);
            await block([tx], ([r]) => {
              // Stake redelegated in from the other validator may not hop back while that
              // validator's slash can still reach it (the transitive rule): only the fee is paid.
              if (!r!.ok) {
                expect(r!.text).toMatch(/^bad-staking-redelegation-transitive/);
                return;
              }
              stake[op.u][op.v] -= amount;
              if (op.t === 'redelegate') stake[op.u][1 - op.v] += amount;
            });
          } else {
            const [r] = await block([h.tx(accounts[op.u], C.StakingKind.Claim, {}, FEE)]);
            paid[op.u] += BigInt(/^claimed (\d+)$/.exec(r.text)![1]);
          }
        }
        await block([]);
        const ledger = C.stakingLedger(h.q);
        expect(ledger.issued).toBe(BigInt(blocks) * R + fees);
        const pending = accounts.map((k) => C.pendingRewardsScaled(h.q, k.pk));
        const held = pending.reduce((a, b) => a + b, 0n);
        // the identity, exactly: the reward account holds every unpaid scaled unit
        expect(h.balance(C.STAKING_REWARDS) * S).toBe(held + ledger.carry);
        let paidTotal = 0n;
        for (const p of paid) paidTotal += p;
        expect(ledger.issued).toBe(h.balance(C.STAKING_REWARDS) + paidTotal);
        // each account: paid + pending matches the formula to within one base unit
        for (let i = 0; i < accounts.length; i++) {
          const actual = paid[i] * S + pending[i];
          const want = (exact[i].n * S) / exact[i].d;
          const diff = actual > want ? actual - want : want - actual;
          expect(diff).toBeLessThan(S);
        }
        // coins are conserved: premine + genesis stakes + new coins, nothing else
        let total = 0n;
        for (const k of [...accounts.map((a) => a.pk), C.STAKING_ESCROW, C.STAKING_REWARDS, new Uint8Array(32).fill(0xee)]) total += h.balance(k);
        let pre = 0n;
        for (const a of premine) pre += a.amount;
        expect(total).toBe(pre + selfStake[0] + selfStake[1] + BigInt(blocks) * R);
        await h.chain.close();
      }),
      { numRuns: 40 },
    );
  }, 240_000);
});

