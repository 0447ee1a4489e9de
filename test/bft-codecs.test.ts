// Encoding properties of the kinds the bft engine brings (last-commit, evidence,
// validator-vote, access-vote) over a registry that includes the engine's modules — the
// counterpart of test/chain-encoding.test.ts, which runs over the default registry — and
// of the validator set as the bft module stores it (with proposer priorities).
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import * as B from '../dist/bft/index.js';
import * as C from '../dist/chain/index.js';
import { ready } from '../dist/index.js';
import { ed25519 } from '../dist/sig/index.js';

let registry: C.ModuleRegistry;
beforeAll(async () => {
  await ready();
  const params = C.withValidators(C.consortiumDevnetParams, [{ publicKey: ed25519.getPublicKey(new Uint8Array(32).fill(1)), power: 1n }]);
  registry = C.defaultRegistry.with(...C.engineFor(params).modules);
});

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const arbCommit = fc.record({
  height: fc.oneof(fc.nat({ max: 1000 }), fc.maxSafeNat()),
  round: fc.nat({ max: 0xffffffff }),
  blockId: bytes(32),
  signatures: fc.uniqueArray(fc.nat({ max: 1023 }), { maxLength: 12 }).chain((idx) =>
    fc.tuple(...idx.sort((a, b) => a - b).map((index) => fc.record({ index: fc.constant(index), signature: bytes(64) }))),
  ),
});
const arbVote = fc.record({
  type: fc.constantFrom(B.PREVOTE, B.PRECOMMIT),
  height: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  round: fc.nat({ max: 0xfffffffe }),
  blockId: fc.option(bytes(32), { nil: null }),
  validator: bytes(32),
  signature: bytes(64),
});
const arbVoteBody = fc.record({ action: fc.constantFrom(0, 1), subject: bytes(32) });
const bodies: Record<string, fc.Arbitrary<unknown>> = {
  'last-commit': arbCommit,
  evidence: fc.record({ a: arbVote, b: arbVote }),
  'validator-vote': arbVoteBody,
  'access-vote': arbVoteBody,
};
const engineKinds = () => registry.kinds.filter((k) => !C.defaultRegistry.spec(k.kind));
const arbTx = fc.constantFrom(...Object.keys(bodies)).chain((name) =>
  fc.record({
    version: fc.constant(C.TX_VERSION),
    chainId: fc.nat({ max: 0xffffffff }),
    kind: fc.constant(registry.kindByName(name)!.kind),
    from: bytes(32),
    nonce: fc.oneof(fc.nat({ max: 300 }), fc.maxSafeNat()),
    fee: fc.bigInt({ min: 0n, max: C.U64_MAX }),
    body: bodies[name],
    signature: bytes(64),
  }),
);

describe('engine kinds', () => {
  it('the arbitraries cover every kind the engine registers, in 0x40..0x47', () => {
    const names = engineKinds().map((k) => k.name).sort();
    expect(names).toEqual(Object.keys(bodies).sort());
    for (const k of engineKinds()) expect(k.kind >= 0x40 && k.kind <= 0x47).toBe(true);
  });

  it('round-trip any transaction of every engine kind, bytes and JSON (fast-check)', () => {
    fc.assert(
      fc.property(arbTx, (tx) => {
        const enc = C.encodeTx(tx as C.Transaction, registry);
        const back = C.decodeTx(enc, registry);
        expect(back).toEqual(tx);
        const spec = registry.spec(tx.kind)!;
        expect(spec.fromJson(JSON.parse(JSON.stringify(spec.toJson(back.body as never))))).toEqual(tx.body);
      }),
      { numRuns: 400 },
    );
  });

  it('mutated or cut encodings only ever throw DecodeError (or decode canonically)', () => {
    fc.assert(
      fc.property(arbTx, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(), (tx, muts, cut) => {
        const enc = C.encodeTx(tx as C.Transaction, registry).slice();
        for (const [pos, val] of muts) enc[pos % enc.length] = val;
        for (const input of [enc, enc.subarray(0, cut % (enc.length + 1))]) {
          try {
            const back = C.decodeTx(input, registry);
            expect(C.encodeTx(back, registry)).toEqual(input);
          } catch (e) {
            if (!(e instanceof C.DecodeError)) throw e;
          }
        }
      }),
      { numRuns: 800 },
    );
  });

  it('hostile JSON bodies are DecodeErrors', () => {
    const lc = registry.kindByName('last-commit')!;
    const ev = registry.kindByName('evidence')!;
    const vv = registry.kindByName('validator-vote')!;
    for (const [spec, j] of [
      [lc, { commit: null }],
      [lc, { commit: { height: -1, round: 0, blockId: '00'.repeat(32), signatures: [] } }],
      [lc, { commit: { height: 1, round: 0, blockId: '00', signatures: [] } }],
      [lc, { commit: { height: 1, round: 0, blockId: '00'.repeat(32), signatures: new Array(2000).fill({}) } }],
      [ev, { a: {}, b: {} }],
      [vv, { action: 'promote', subject: '00'.repeat(32) }],
      [vv, { action: 'add', subject: 'zz'.repeat(32) }],
    ] as [C.KindSpec, Record<string, unknown>][]) {
      expect(() => spec.fromJson(j)).toThrow(C.DecodeError);
    }
  });
});

describe('the stored validator set', () => {
  const arbSet = fc
    .uniqueArray(bytes(32), { minLength: 1, maxLength: 12, selector: (k) => C.toHex(k) })
    .chain((ks) => fc.tuple(fc.constant(ks), fc.array(fc.bigInt({ min: 1n, max: 1n << 60n }), { minLength: ks.length, maxLength: ks.length }), fc.nat({ max: 40 })));

  it('round-trips with priorities and proposer, and every later proposer is the same (fast-check)', () => {
    fc.assert(
      fc.property(arbSet, ([ks, powers, steps]) => {
        let set = B.ValidatorSet.create(ks.map((publicKey, i) => ({ publicKey, power: powers[i] })));
        for (let i = 0; i < steps; i++) set = set.next();
        const w = new C.Writer(64);
        set.write(w);
        const enc = w.finish();
        const r = new C.Reader(enc, 'set');
        const back = B.ValidatorSet.read(r);
        r.end();
        expect(back.priorities()).toEqual(set.priorities());
        expect(C.toHex(back.proposer.publicKey)).toBe(C.toHex(set.proposer.publicKey));
        expect(C.toHex(back.proposerAt(3).publicKey)).toBe(C.toHex(set.proposerAt(3).publicKey));
        expect(C.toHex(back.next().proposer.publicKey)).toBe(C.toHex(set.next().proposer.publicKey));
        const w2 = new C.Writer(64);
        back.write(w2);
        expect(w2.finish()).toEqual(enc);
      }),
      { numRuns: 200 },
    );
  });

  it('mutated encodings decode canonically or throw DecodeError', () => {
    fc.assert(
      fc.property(arbSet, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 3 }), ([ks, powers], muts) => {
        const w = new C.Writer(64);
        B.ValidatorSet.create(ks.map((publicKey, i) => ({ publicKey, power: powers[i] }))).write(w);
        const enc = w.finish();
        for (const [pos, val] of muts) enc[pos % enc.length] = val;
        try {
          const r = new C.Reader(enc, 'set');
          const back = B.ValidatorSet.read(r);
          r.end();
          const w2 = new C.Writer(64);
          back.write(w2);
          expect(w2.finish()).toEqual(enc);
        } catch (e) {
          if (!(e instanceof C.DecodeError)) throw e;
        }
      }),
      { numRuns: 500 },
    );
  });
});
