// Amounts between people and base units: exact, no floating point, Core's format.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AmountError, formatAmount, formatAmountShort, parseAmount, U64_MAX } from '../dist/chain/index.js';

const units = fc.bigInt({ min: 0n, max: U64_MAX });

describe('parseAmount / formatAmount', () => {
  it('round-trips every u64 of base units, in both formats (property)', () => {
    fc.assert(
      fc.property(units, fc.integer({ min: 0, max: 18 }), (u, d) => {
        expect(parseAmount(formatAmount(u, d), d)).toBe(u);
        expect(parseAmount(formatAmountShort(u, d), d)).toBe(u);
      }),
      { numRuns: 2000 },
    );
  });

  it('formats with every decimal place and parses any written form exactly (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 184_467_440_737n }), fc.stringMatching(/^[0-9]{0,8}$/), fc.integer({ min: 0, max: 3 }), (whole, frac, zeros) => {
        const text = '0'.repeat(zeros) + whole.toString() + (frac ? `.${frac}` : '');
        const u = whole * 100_000_000n + BigInt(frac.padEnd(8, '0') || '0');
        if (u > U64_MAX) expect(() => parseAmount(text)).toThrow(AmountError);
        else {
          expect(parseAmount(text)).toBe(u);
          expect(formatAmount(parseAmount(text))).toMatch(/^(0|[1-9][0-9]*)\.[0-9]{8}$/);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('known values', () => {
    expect(parseAmount('12.5')).toBe(1_250_000_000n);
    expect(parseAmount('.5')).toBe(50_000_000n);
    expect(parseAmount('1.')).toBe(100_000_000n);
    expect(parseAmount('0.00000001')).toBe(1n);
    expect(formatAmount(1_250_000_000n)).toBe('12.50000000');
    expect(formatAmountShort(1_250_000_000n)).toBe('12.5');
    expect(formatAmountShort(100_000_000n)).toBe('1');
    expect(formatAmountShort(0n)).toBe('0');
    expect(formatAmount(-600n)).toBe('-0.00000600');
    expect(formatAmount(U64_MAX)).toBe('184467440737.09551615');
    expect(parseAmount('184467440737.09551615')).toBe(U64_MAX);
    expect(formatAmount(7n, 0)).toBe('7');
  });

  it('refuses what is not an exact amount, saying what was expected', () => {
    const cases: [string, RegExp][] = [
      ['1.123456789', /has 9 decimal places; expected at most 8/],
      ['184467440737.09551616', /too large; expected at most 184467440737\.09551615/],
      ['123456789012345678901', /too large/],
      ['9'.repeat(10_000), /too large/],
      ['-1', /negative/],
      ['1e8', /not a decimal number; expected digits/],
      ['', /not a decimal number/],
      ['.', /not a decimal number/],
      [' 1', /not a decimal number/],
      ['0x10', /not a decimal number/],
      ['1,5', /not a decimal number/],
    ];
    for (const [text, msg] of cases) expect(() => parseAmount(text), text).toThrow(msg);
    expect(() => parseAmount('9'.repeat(10_000))).toThrow(/\.\.\./);
  });
});
