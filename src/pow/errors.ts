/** The compact target ("bits") has its sign bit set with a non-zero mantissa. */
export class CompactNegativeError extends RangeError {
  override name = 'CompactNegativeError';
  constructor(readonly bits: number) {
    super(`bits 0x${hex32(bits)} encode a negative target (sign bit 0x00800000 set); expected a positive compact target`);
  }
}

/** The compact target ("bits") encodes a number of 2^256 or more. */
export class CompactOverflowError extends RangeError {
  override name = 'CompactOverflowError';
  constructor(readonly bits: number) {
    super(`bits 0x${hex32(bits)} encode a target of 2^256 or more (exponent ${bits >>> 24} too large for mantissa 0x${(bits & 0x7fffff).toString(16)})`);
  }
}

/** A header that cannot be encoded or decoded (wrong field type, range or length). */
export class HeaderError extends RangeError {
  override name = 'HeaderError';
}

export function hex32(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

/** An integer in [min, max], else TypeError (not an integer) / RangeError (out of range). */
export function assertInt(value: unknown, min: number, max: number, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${name} must be an integer, got ${typeof value === 'number' ? value : typeof value}`);
  }
  if (value < min || value > max) throw new RangeError(`${name} must be in [${min}, ${max}], got ${value}`);
}
