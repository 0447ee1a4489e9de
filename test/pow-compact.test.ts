import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CompactNegativeError,
  CompactOverflowError,
  HeaderError,
  bitsToTarget,
  blockWork,
  checkProofOfWork,
  decodeCompact,
  decodeHeader,
  difficulty,
  encodeHeader,
  fromDisplayHex,
  hashToBigInt,
  targetToBits,
  toDisplayHex,
} from '../dist/index.js';
import { loadVectors, unhex } from './support/vectors.js';

describe('compact targets (Bitcoin Core arith_uint256 SetCompact / GetCompact)', () => {
  // [bits, target, negative, overflow, GetCompact(target, negative)] from Core's arith_uint256_tests.
  const cases: [number, bigint, boolean, boolean, number][] = [
    [0x00000000, 0n, false, false, 0],
    [0x00123456, 0n, false, false, 0],
    [0x01003456, 0n, false, false, 0],
    [0x02000056, 0n, false, false, 0],
    [0x03000000, 0n, false, false, 0],
    [0x04000000, 0n, false, false, 0],
    [0x00923456, 0n, false, false, 0],
    [0x01803456, 0n, false, false, 0],
    [0x02800056, 0n, false, false, 0],
    [0x03800000, 0n, false, false, 0],
    [0x04800000, 0n, false, false, 0],
    [0x01123456, 0x12n, false, false, 0x01120000],
    [0x01fedcba, 0x7en, true, false, 0x01fe0000],
    [0x02123456, 0x1234n, false, false, 0x02123400],
    [0x03123456, 0x123456n, false, false, 0x03123456],
    [0x04123456, 0x12345600n, false, false, 0x04123456],
    [0x04923456, 0x12345600n, true, false, 0x04923456],
    [0x05009234, 0x92340000n, false, false, 0x05009234],
    [0x20123456, 0x123456n << 232n, false, false, 0x20123456],
  ];
  for (const [bits, target, negative, overflow, compact] of cases) {
    it(`0x${bits.toString(16).padStart(8, '0')}`, () => {
      expect(decodeCompact(bits)).toEqual({ target, negative, overflow });
      expect(targetToBits(target, negative)).toBe(compact);
      if (negative) expect(() => bitsToTarget(bits)).toThrow(CompactNegativeError);
      else expect(bitsToTarget(bits)).toBe(target);
    });
  }

  it('overflow cases', () => {
    expect(decodeCompact(0xff123456).overflow).toBe(true);
    expect(() => bitsToTarget(0xff123456)).toThrow(CompactOverflowError);
    expect(() => bitsToTarget(0xff123456)).toThrow(/2\^256/);
    // Edges: 34 bytes with a 1-byte mantissa fits, 35 does not; 33 with 2 bytes; 32 with 3.
    expect(decodeCompact(0x220000ff).overflow).toBe(false);
    expect(decodeCompact(0x230000ff).overflow).toBe(true);
    expect(decodeCompact(0x2100ffff).overflow).toBe(false);
    expect(decodeCompact(0x2200ffff).overflow).toBe(true);
    expect(decodeCompact(0x20ffffff - 0x800000).overflow).toBe(false);
    expect(decodeCompact(0x217fffff).overflow).toBe(true);
    expect(bitsToTarget(0x220000ff)).toBe(0xffn << 248n);
  });

  it('a mantissa with its top bit set moves into the exponent', () => {
    expect(targetToBits(0x80n)).toBe(0x02008000);
    expect(targetToBits(0x00ffffn << 208n)).toBe(0x1d00ffff);
    expect(targetToBits(2n ** 256n - 1n)).toBe(0x2100ffff);
  });

  it('rejects bad input', () => {
    expect(() => bitsToTarget(-1)).toThrow(RangeError);
    expect(() => bitsToTarget(2 ** 32)).toThrow(RangeError);
    expect(() => bitsToTarget(1.5)).toThrow(TypeError);
    expect(() => targetToBits(-1n)).toThrow(RangeError);
    expect(() => targetToBits(2n ** 256n)).toThrow(RangeError);
  });

  it('property: GetCompact(SetCompact) is the target rounded down to 3 significant bytes', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }), (t) => {
        const bits = targetToBits(t);
        const back = bitsToTarget(bits);
        expect(back <= t).toBe(true);
        // Compact keeps the top 3 bytes, or 2 when the top byte has its high bit set (the sign).
        const size = t === 0n ? 0 : Math.ceil(t.toString(16).length / 2);
        const top = size === 0 ? 0 : Number(t >> BigInt(8 * (size - 1)));
        const kept = top >= 0x80 ? 2 : 3;
        const drop = BigInt(8 * Math.max(0, size - kept));
        expect(back).toBe((t >> drop) << drop);
        expect(decodeCompact(bits).negative).toBe(false);
        expect(targetToBits(back)).toBe(bits);
      }),
      { numRuns: 500 },
    );
  });

  it('property: every non-negative, non-overflowing bits value round-trips through its target', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (bits) => {
        const d = decodeCompact(bits);
        if (d.negative || d.overflow) return;
        expect(bitsToTarget(targetToBits(d.target))).toBe(d.target);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('work, difficulty, proof of work', () => {
  it('block work is 2^256 / (target + 1)', () => {
    expect(blockWork(0x1d00ffff)).toBe(0x100010001n);
    expect(blockWork(0x207fffff)).toBe(2n);
    expect(blockWork(0x01fedcba)).toBe(0n);
    expect(blockWork(0)).toBe(0n);
  });

  it('difficulty as GetDifficulty', () => {
    expect(difficulty(0x1d00ffff)).toBe(1);
    expect(difficulty(0x1b04864c)).toBeCloseTo(14484.1623612254, 6);
    expect(difficulty(0x1a44b9f2)).toBeCloseTo(244112.4877743364, 4);
  });

  it('checkProofOfWork on the real headers', () => {
    const powLimit = 0xffffn << 208n;
    for (const v of loadVectors('bitcoin-headers.json').headers) {
      const hash = fromDisplayHex(v.hash);
      const bits = parseInt(v.bits, 16);
      expect(toDisplayHex(hash)).toBe(v.hash);
      expect(checkProofOfWork(hash, bits, powLimit)).toBe(true);
      expect(hashToBigInt(hash) <= bitsToTarget(bits)).toBe(true);
      expect(checkProofOfWork(hash, bits, bitsToTarget(bits) - 1n)).toBe(false);
      expect(checkProofOfWork(hash, 0x01fedcba, powLimit)).toBe(false);
      expect(checkProofOfWork(fromDisplayHex('ff'.repeat(32)), bits, powLimit)).toBe(false);
    }
  });
});

describe('headers', () => {
  it('decode/encode round-trip the real headers', () => {
    for (const v of loadVectors('bitcoin-headers.json').headers) {
      const bytes = unhex(v.header_hex);
      const h = decodeHeader(bytes);
      expect(h.nonce).toBe(v.nonce);
      expect(h.bits).toBe(parseInt(v.bits, 16));
      expect(toDisplayHex(h.prevHash)).toBe(v.prev_hash);
      expect(encodeHeader(h)).toEqual(bytes);
    }
  });

  it('bad headers give clear errors', () => {
    expect(() => decodeHeader(new Uint8Array(81))).toThrow(HeaderError);
    expect(() => decodeHeader(new Uint8Array(81))).toThrow(/80 bytes.*got 81/);
    const good = decodeHeader(new Uint8Array(80));
    expect(() => encodeHeader({ ...good, bits: 2 ** 32 })).toThrow(/bits must be an integer in \[0, 2\^32 - 1\]/);
    expect(() => encodeHeader({ ...good, bits: -1 })).toThrow(HeaderError);
    expect(() => encodeHeader({ ...good, prevHash: new Uint8Array(31) })).toThrow(/prevHash must be a 32-byte/);
    expect(() => encodeHeader({ ...good, version: 2 ** 32 })).toThrow(/version/);
    // A header whose bits are out of range for a target: typed error from bitsToTarget.
    const bad = encodeHeader({ ...good, bits: 0xff123456 });
    expect(() => bitsToTarget(decodeHeader(bad).bits)).toThrow(CompactOverflowError);
    expect(() => fromDisplayHex('abc')).toThrow(/even number of hex digits/);
  });
});
