import { InvalidArgumentError } from 'commander';

/** Commander argument parsers that turn bad input into a clear message and exit code 1. */
export function intArg(name: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^[0-9]+$/.test(value)) throw new InvalidArgumentError(`${name} must be an integer, got "${value}".`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`${name} must be in ${min}..${max}, got ${n}.`);
    return n;
  };
}

export function hostPortArg(value: string, previous: string[] = []): string[] {
  const m = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/.exec(value);
  if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535) throw new InvalidArgumentError(`expected host:port (port 1..65535), got "${value}".`);
  return [...previous, value];
}

export function keyArg(name: string) {
  return (value: string): Uint8Array => {
    if (!/^[0-9a-fA-F]{64}$/.test(value)) throw new InvalidArgumentError(`${name} must be a 32-byte Ed25519 public key as 64 hex digits, got "${value}".`);
    return new Uint8Array(Buffer.from(value, 'hex'));
  };
}

export function amountArg(name: string) {
  return (value: string): bigint => {
    if (!/^[0-9]{1,20}$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number of base units, got "${value}".`);
    const n = BigInt(value);
    if (n >= 1n << 64n) throw new InvalidArgumentError(`${name} must be below 2^64.`);
    return n;
  };
}
