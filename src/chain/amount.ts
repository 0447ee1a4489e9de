// Amounts between people and base units. Base units are bigint everywhere inside; people
// read and write decimal coins ("12.5") the way Bitcoin Core's ParseFixedPoint /
// FormatMoney do: exact string arithmetic, never floating point.
import { U64_MAX } from './codec.js';

export class AmountError extends Error {
  override name = 'AmountError';
}

/** Decimal places of a base unit unless the chain says otherwise (ChainParams.decimals). */
export const DEFAULT_DECIMALS = 8;

const DECIMAL = /^([0-9]+)(?:\.([0-9]*))?$|^\.([0-9]+)$/;

/**
 * "12.5" -> 1_250_000_000n (decimals 8). Accepts digits with an optional fraction of at most
 * `decimals` digits; refuses signs, exponents, spaces, and anything that would be 2^64 base
 * units or more. The message says what was wrong and what is expected.
 */
export function parseAmount(text: string, decimals: number = DEFAULT_DECIMALS, what = 'amount'): bigint {
  if (typeof text !== 'string') throw new AmountError(`${what} must be a decimal string, got ${typeof text}`);
  const shown = text.length > 40 ? `${JSON.stringify(text.slice(0, 37))}...` : JSON.stringify(text);
  if (/^-[0-9.]/.test(text)) throw new AmountError(`${what} ${shown} is negative; expected an amount of at least 0`);
  const m = DECIMAL.exec(text);
  if (!m) throw new AmountError(`${what} ${shown} is not a decimal number; expected digits with an optional fraction, e.g. 12.5`);
  const whole = m[1] ?? '0';
  const frac = m[2] ?? m[3] ?? '';
  if (frac.length > decimals) throw new AmountError(`${what} ${shown} has ${frac.length} decimal places; expected at most ${decimals} (1 base unit = ${formatAmount(1n, decimals)})`);
  // Leading zeros do not make an amount larger; cap the length first so BigInt never sees a huge string.
  const digits = whole.replace(/^0+(?=.)/, '');
  if (digits.length > 30) throw new AmountError(`${what} ${shown} is too large; expected at most ${formatAmount(U64_MAX, decimals)}`);
  const units = BigInt(digits + frac.padEnd(decimals, '0'));
  if (units > U64_MAX) throw new AmountError(`${what} ${shown} is too large; expected at most ${formatAmount(U64_MAX, decimals)}`);
  return units;
}

/** 1_250_000_000n -> "12.50000000": every decimal place, as Bitcoin Core's RPC shows amounts. */
export function formatAmount(units: bigint, decimals: number = DEFAULT_DECIMALS): string {
  if (typeof units !== 'bigint') throw new AmountError(`amount must be a bigint of base units, got ${typeof units}`);
  const neg = units < 0n;
  const s = (neg ? -units : units).toString().padStart(decimals + 1, '0');
  const out = decimals === 0 ? s : `${s.slice(0, s.length - decimals)}.${s.slice(s.length - decimals)}`;
  return neg ? `-${out}` : out;
}

/** The shortest form: 1_250_000_000n -> "12.5", 100_000_000n -> "1" (for people, not for parsers). */
export function formatAmountShort(units: bigint, decimals: number = DEFAULT_DECIMALS): string {
  const full = formatAmount(units, decimals);
  return decimals === 0 ? full : full.replace(/0+$/, '').replace(/\.$/, '');
}
