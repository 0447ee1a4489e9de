// Body codecs of the staking (0x48-0x4d) and dpos (0x50-0x55) kinds: canonical round trips
// through the transaction envelope and the JSON view, and hostile bytes (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as C from '../dist/chain/index.js';
import { keyOf } from './support/staking.js';

const registry = C.defaultRegistry.with(C.staking, C.dpos);
const key = keyOf(77);
const b32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const amount = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

const arbitraries: Record<string, fc.Arbitrary<unknown>> = {
  'register-validator': fc.record({ consensusKey: b32, commission: fc.nat({ max: 0xffffffff }), amount }),
  delegate: fc.record({ validator: b32, amount }),
  undelegate: fc.record({ validator: b32, amount }),
  redelegate: fc.record({ from: b32, to: b32, amount }),
  'claim-rewards': fc.constant({}),
  unjail: fc.constant({}),
  'register-delegate': fc.record({ consensusKey: b32, commission: fc.nat({ max: 0xffffffff }) }),
  'dpos-stake': fc.record({ amount }),
  'dpos-unstake': fc.record({ amount }),
  vote: fc.record({ delegates: fc.array(b32, { maxLength: 64 }) }),
  'dpos-claim': fc.constant({}),
  'dpos-unjail': fc.constant({}),
};

const kinds = [...C.staking.kinds, ...C.dpos.kinds];

describe('staking and dpos body codecs', () => {
  it('kind numbers are in the ranges the contract gives them (0x48-0x4f staking, 0x50-0x57 dpos)', () => {
    for (const k of C.staking.kinds) expect(k.kind >= 0x48 && k.kind <= 0x4f).toBe(true);
    for (const k of C.dpos.kinds) expect(k.kind >= 0x50 && k.kind <= 0x57).toBe(true);
    for (const k of kinds) expect(arbitraries[k.name], `an arbitrary for ${k.name}`).toBeDefined();
  });

  for (const spec of kinds) {
    it(`${spec.name}: encode -> decode -> encode is the identity, and the JSON view round-trips (fast-check)`, () => {
      fc.assert(
        fc.property(arbitraries[spec.name], fc.nat({ max: 1000 }), (body, nonce) => {
          const tx = C.signTx({ chainId: 7, kind: spec.kind, from: key.pk, nonce, fee: 5n, body }, key.sk, registry) as C.Transaction;
          const bytes = C.encodeTx(tx, registry);
          const back = C.decodeTx(bytes, registry);
          expect(C.toHex(C.encodeTx(back, registry))).toBe(C.toHex(bytes));
          expect(back.body).toEqual(body);
          const again = C.txFromJson(C.txToJson(back, registry), registry);
          expect(C.toHex(C.encodeTx(again, registry))).toBe(C.toHex(bytes));
        }),
        { numRuns: 60 },
      );
    });
  }

  it('hostile body bytes decode to a DecodeError or to a body that re-encodes to the same bytes (fast-check)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.uint8Array({ maxLength: 200 }), (spec, junk) => {
        const w = new C.Writer(256);
        let body: unknown;
        try {
          const r = new C.Reader(junk, 'junk');
          body = spec.codec.read(r);
          r.end();
        } catch (e) {
          expect(e).toBeInstanceOf(C.DecodeError);
          return;
        }
        (spec.codec as C.BodyCodec<unknown>).write(w, body);
        expect(C.toHex(w.finish())).toBe(C.toHex(junk));
      }),
      { numRuns: 2000 },
    );
  });

  it('stateless checks refuse what no state could accept', () => {
    const tx = (kind: number, body: unknown) => C.signTx({ chainId: C.regtestParams.chainId, kind, from: key.pk, nonce: 0, fee: 5n, body }, key.sk, registry) as C.Transaction;
    const check = (t: C.Transaction) => () => C.checkTransaction(t, C.regtestParams, registry);
    expect(check(tx(C.StakingKind.Register, { consensusKey: key.pk, commission: 10_001, amount: 5n }))).toThrow(/commission/);
    expect(check(tx(C.StakingKind.Delegate, { validator: key.pk, amount: 0n }))).toThrow(/positive/);
    expect(check(tx(C.StakingKind.Redelegate, { from: key.pk, to: key.pk, amount: 1n }))).toThrow(/two different/);
    expect(check(tx(C.DposKind.Vote, { delegates: Array.from({ length: 31 }, (_, i) => new Uint8Array(32).fill(i)) }))).toThrow(/at most 30/);
    expect(check(tx(C.DposKind.Vote, { delegates: [key.pk, key.pk] }))).toThrow(/twice/);
  });
});
