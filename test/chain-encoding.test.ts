import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../dist/index.js';
import * as C from '../dist/chain/index.js';

beforeAll(async () => {
  await ready();
});

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const amount = fc.bigInt({ min: 0n, max: C.U64_MAX });
// One body arbitrary per registered kind: the 'covers every kind' test below fails when a
// module adds a kind without adding it here.
const bodies: Record<string, fc.Arbitrary<unknown>> = {
  transfer: fc.record({ to: bytes(32), amount, payload: fc.uint8Array({ maxLength: 600 }) }),
  coinbase: fc.record({ to: bytes(32), amount, stateRoot: bytes(32), receiptsRoot: bytes(32), payload: fc.uint8Array({ maxLength: 300 }) }),
  'contract-deploy': fc.record({ code: fc.uint8Array({ minLength: 1, maxLength: 300 }), input: fc.uint8Array({ maxLength: 100 }), value: amount, gasLimit: amount, gasPrice: amount }),
  'contract-call': fc.record({ contract: bytes(32), method: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/), input: fc.uint8Array({ maxLength: 100 }), value: amount, gasLimit: amount, gasPrice: amount }),
  'asset-issue': fc.record({
    symbol: fc.oneof(fc.stringMatching(/^[A-Z][A-Z0-9]{0,11}$/), fc.string({ maxLength: 12 })),
    name: fc.string({ maxLength: 64 }),
    decimals: fc.nat({ max: 255 }),
    maxSupply: amount,
    powers: fc.nat({ max: 255 }),
    initialSupply: amount,
  }),
  'asset-mint': fc.record({ asset: bytes(32), to: bytes(32), amount }),
  'asset-burn': fc.record({ asset: bytes(32), to: bytes(32), amount }),
  'asset-transfer': fc.record({ asset: bytes(32), to: bytes(32), amount }),
  'asset-freeze': fc.record({ asset: bytes(32), account: bytes(32) }),
  'asset-unfreeze': fc.record({ asset: bytes(32), account: bytes(32) }),
  'htlc-lock': fc.record({ asset: bytes(32), amount, recipient: bytes(32), hashlock: bytes(32), timeout: fc.nat({ max: 0xffffffff }) }),
  'htlc-claim': fc.record({ id: bytes(32), secret: fc.uint8Array({ maxLength: 64 }) }),
  'htlc-refund': fc.record({ id: bytes(32) }),
};
const arbTx = fc.constantFrom(...C.defaultRegistry.kinds).chain((spec) =>
  fc.record({
    version: fc.constant(C.TX_VERSION),
    chainId: fc.nat({ max: 0xffffffff }),
    kind: fc.constant(spec.kind),
    from: bytes(32),
    nonce: fc.oneof(fc.nat({ max: 300 }), fc.nat({ max: 0x1_0000_0000 }), fc.maxSafeNat()),
    fee: amount,
    body: bodies[spec.name] ?? fc.constant(undefined),
    signature: bytes(64),
  }),
);
const arbHeader = fc.record({
  version: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
  prevHash: bytes(32),
  merkleRoot: bytes(32),
  time: fc.nat({ max: 0xffffffff }),
  bits: fc.nat({ max: 0xffffffff }),
  nonce: fc.nat({ max: 0xffffffff }),
});
const arbBlock = fc.record({ header: arbHeader, txs: fc.array(arbTx, { minLength: 1, maxLength: 5 }) });

function sampleTx(): C.Transaction<C.TransferBody> {
  return {
    version: 2, chainId: 7, kind: C.TxKind.Transfer, from: new Uint8Array(32).fill(1), nonce: 3, fee: 10n,
    body: { to: new Uint8Array(32).fill(2), amount: 1000n, payload: new Uint8Array([9, 9]) }, signature: new Uint8Array(64).fill(5),
  };
}

function expectDecodeError(fn: () => unknown, reason?: string) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(C.DecodeError);
    if (reason) expect((e as C.DecodeError).reason).toBe(reason);
    return;
  }
  throw new Error('expected a DecodeError');
}

describe('transaction encoding', () => {
  it('the arbitraries cover every registered kind', () => {
    for (const spec of C.defaultRegistry.kinds) expect(Object.keys(bodies), `no body arbitrary for kind ${spec.name}`).toContain(spec.name);
  });

  it('round-trips any transaction of every kind (fast-check)', () => {
    fc.assert(
      fc.property(arbTx, (tx) => {
        const enc = C.encodeTx(tx as C.Transaction);
        const back = C.decodeTx(enc);
        expect(back).toEqual(tx);
        expect(C.encodeTx(back)).toEqual(enc);
        expect(C.txid(back)).toEqual(C.txid(tx as C.Transaction));
        const j = JSON.parse(JSON.stringify(C.txToJson(back)));
        expect(C.encodeTx(C.txFromJson(j))).toEqual(enc);
      }),
      { numRuns: 400 },
    );
  });

  it('has the documented layout and size', () => {
    const enc = C.encodeTx(sampleTx());
    expect(enc.length).toBe(C.TX_BASE_SIZE + 2);
    expect(enc[0]).toBe(2);
    expect(new DataView(enc.buffer).getUint32(1, true)).toBe(7);
    expect(enc[5]).toBe(1);
    expect(enc.subarray(6, 38)).toEqual(new Uint8Array(32).fill(1));
    expect(enc[38]).toBe(3); // nonce
    expect(new DataView(enc.buffer).getBigUint64(39, true)).toBe(10n);
    expect(enc[47]).toBe(32 + 8 + 1 + 2); // body length
    expect(enc.subarray(48, 80)).toEqual(new Uint8Array(32).fill(2));
    expect(enc.subarray(enc.length - 64)).toEqual(new Uint8Array(64).fill(5));
  });

  it('rejects trailing bytes', () => {
    const enc = C.encodeTx(sampleTx());
    expectDecodeError(() => C.decodeTx(new Uint8Array([...enc, 0])), 'decode-trailing-bytes');
  });

  it('rejects truncated bytes', () => {
    const enc = C.encodeTx(sampleTx());
    expectDecodeError(() => C.decodeTx(enc.subarray(0, enc.length - 1)), 'decode-truncated');
  });

  it('rejects a non-minimal varint', () => {
    const enc = C.encodeTx(sampleTx());
    const at = 1 + 4 + 1 + 32; // nonce position
    expect(enc[at]).toBe(3);
    const bad = new Uint8Array([...enc.subarray(0, at), 0xfd, 3, 0, ...enc.subarray(at + 1)]);
    expectDecodeError(() => C.decodeTx(bad), 'decode-noncanonical');
  });

  it('rejects an oversize body length and an oversize payload inside the body', () => {
    const enc = C.encodeTx(sampleTx());
    const at = 1 + 4 + 1 + 32 + 1 + 8; // body length position
    const big = C.MAX_BODY + 1;
    const bad = new Uint8Array([...enc.subarray(0, at), 0xfe, big & 0xff, (big >> 8) & 0xff, big >> 16, 0, ...new Uint8Array(100)]);
    expectDecodeError(() => C.decodeTx(bad), 'decode-oversize');
    const len = C.MAX_PAYLOAD + 1;
    const body = new Uint8Array([...new Uint8Array(40), 0xfd, len & 0xff, len >> 8, ...new Uint8Array(len)]);
    const bl = body.length;
    const bad2 = new Uint8Array([...enc.subarray(0, at), 0xfd, bl & 0xff, bl >> 8, ...body, ...new Uint8Array(64)]);
    expectDecodeError(() => C.decodeTx(bad2), 'decode-oversize');
  });

  it('rejects a body with bytes its codec does not read', () => {
    const enc = C.encodeTx(sampleTx());
    const at = 1 + 4 + 1 + 32 + 1 + 8;
    const body = enc.subarray(at + 1, enc.length - 64);
    const bad = new Uint8Array([...enc.subarray(0, at), body.length + 1, ...body, 0, ...enc.subarray(enc.length - 64)]);
    expectDecodeError(() => C.decodeTx(bad), 'decode-trailing-bytes');
  });

  it('rejects an unknown version (the old v1 record too) and an unregistered kind', () => {
    const enc = C.encodeTx(sampleTx());
    const v = enc.slice();
    v[0] = 1;
    expectDecodeError(() => C.decodeTx(v), 'decode-bad-version');
    const k = enc.slice();
    k[5] = 7;
    expectDecodeError(() => C.decodeTx(k), 'decode-bad-kind');
  });

  it('refuses to encode out-of-range values with EncodeError', () => {
    expect(() => C.encodeTx({ ...sampleTx(), body: { ...sampleTx().body, amount: 1n << 64n } })).toThrow(C.EncodeError);
    expect(() => C.encodeTx({ ...sampleTx(), fee: -1n })).toThrow(C.EncodeError);
    expect(() => C.encodeTx({ ...sampleTx(), from: new Uint8Array(31) })).toThrow(C.EncodeError);
    expect(() => C.encodeTx({ ...sampleTx(), nonce: -1 })).toThrow(C.EncodeError);
  });

  it('signs over a domain-separated message', async () => {
    const { ed25519 } = await import('../dist/sig/index.js');
    const sk = ed25519.randomSecretKey();
    const tx = C.createTransfer({ chainId: 7, to: new Uint8Array(32).fill(2), amount: 5n, fee: 1n, nonce: 0 }, sk);
    const msg = C.txSigningMessage(tx);
    expect(new TextDecoder().decode(msg.subarray(0, C.TX_SIGN_DOMAIN.length))).toBe('hashlane/tx/v2\0');
    expect(ed25519.verify(tx.signature, msg, tx.from)).toBe(true);
    // The bare encoding (no domain) is not what was signed.
    const bare = C.encodeTx(tx).subarray(0, C.encodeTx(tx).length - 64);
    expect(ed25519.verify(tx.signature, bare, tx.from)).toBe(false);
  });
});

describe('block encoding', () => {
  it('round-trips any block (fast-check)', () => {
    fc.assert(
      fc.property(arbBlock, (block) => {
        const enc = C.encodeBlock(block as C.Block);
        const back = C.decodeBlock(enc);
        expect(back).toEqual(block);
        expect(C.encodeBlock(back)).toEqual(enc);
      }),
      { numRuns: 100 },
    );
  });

  it('rejects a block above the size limit, trailing bytes and a short header', () => {
    const enc = C.encodeBlock({ header: { version: 1, prevHash: new Uint8Array(32), merkleRoot: new Uint8Array(32), time: 0, bits: 0, nonce: 0 }, txs: [sampleTx()] });
    expectDecodeError(() => C.decodeBlock(enc, enc.length - 1), 'decode-oversize');
    expectDecodeError(() => C.decodeBlock(new Uint8Array([...enc, 1])), 'decode-trailing-bytes');
    expectDecodeError(() => C.decodeBlock(enc.subarray(0, 79)), 'decode-truncated');
    expectDecodeError(() => C.decodeBlockHeader(enc.subarray(0, 81)), 'decode-trailing-bytes');
  });

  it('rejects a tx count that cannot fit in the bytes', () => {
    const enc = C.encodeBlock({ header: { version: 1, prevHash: new Uint8Array(32), merkleRoot: new Uint8Array(32), time: 0, bits: 0, nonce: 0 }, txs: [sampleTx()] });
    const bad = enc.slice();
    bad[80] = 0xfc;
    expectDecodeError(() => C.decodeBlock(bad), 'decode-oversize');
  });
});

describe('JSON views', () => {
  it('round-trip transactions and blocks', () => {
    fc.assert(
      fc.property(arbBlock, (block) => {
        const j = JSON.parse(JSON.stringify(C.blockToJson(block as C.Block)));
        const back = C.blockFromJson(j);
        expect(C.encodeBlock(back)).toEqual(C.encodeBlock(block as C.Block));
      }),
      { numRuns: 50 },
    );
  });
  it('shows hashes in display order and amounts as strings', () => {
    const tx = sampleTx();
    const j = C.txToJson(tx);
    expect(j.txid).toBe(C.toDisplayHex(C.txid(tx)));
    expect(j.amount).toBe('1000');
  });
  it('rejects bad JSON fields with DecodeError', () => {
    const j = C.txToJson(sampleTx());
    expectDecodeError(() => C.txFromJson({ ...j, amount: '-1' }), 'decode-bad-json');
    expectDecodeError(() => C.txFromJson({ ...j, from: 'abcd' }), 'decode-bad-json');
    expectDecodeError(() => C.txFromJson({ ...j, txid: '00'.repeat(32) }), 'decode-bad-json');
    expectDecodeError(() => C.txFromJson({ ...j, to: 'zz'.repeat(32) }), 'decode-bad-hex');
  });
});

describe('fuzzed decoding', () => {
  it('random bytes only ever throw DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), (b) => {
        for (const decode of [C.decodeTx, C.decodeBlock, C.decodeBlockHeader]) {
          try {
            decode(b);
          } catch (e) {
            if (!(e instanceof C.DecodeError)) throw e;
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('mutated valid encodings only ever throw DecodeError (or decode canonically)', () => {
    fc.assert(
      fc.property(arbBlock, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(), (block, muts, cut) => {
        const enc = C.encodeBlock(block as C.Block).slice();
        for (const [pos, val] of muts) enc[pos % enc.length] = val;
        const inputs = [enc, enc.subarray(0, cut % (enc.length + 1))];
        for (const input of inputs) {
          try {
            const back = C.decodeBlock(input);
            expect(C.encodeBlock(back)).toEqual(input); // canonical: one encoding per value
          } catch (e) {
            if (!(e instanceof C.DecodeError)) throw e;
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('non-Uint8Array input is a DecodeError too', () => {
    expectDecodeError(() => C.decodeTx('abc' as unknown as Uint8Array), 'decode-type');
    expectDecodeError(() => C.decodeBlock(null as unknown as Uint8Array), 'decode-type');
  });
});
