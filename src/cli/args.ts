import { InvalidArgumentError } from 'commander';
import { AmountError, DEFAULT_DECIMALS, parseAmount } from '../chain/amount.js';

/** Commander argument parsers that turn bad input into a clear message and exit code 2 (src/cli/main.ts). */
export function intArg(name: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^[0-9]{1,16}$/.test(value)) throw new InvalidArgumentError(`${name} ${JSON.stringify(value.slice(0, 40))} is not an integer; expected an integer in ${min}..${max}`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`${name} ${n} is out of range; expected an integer in ${min}..${max}`);
    return n;
  };
}

export function hostPortArg(value: string, previous: string[] = []): string[] {
  const m = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/.exec(value);
  if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535) throw new InvalidArgumentError(`--peer ${JSON.stringify(value.slice(0, 80))} is not an address; expected host:port with a port in 1..65535`);
  return [...previous, value];
}

export function keyArg(name: string) {
  return (value: string): Uint8Array => {
    if (!/^[0-9a-fA-F]{64}$/.test(value)) throw new InvalidArgumentError(`${name} ${JSON.stringify(value.length > 70 ? value.slice(0, 67) + '...' : value)} is not a public key; expected a 32-byte Ed25519 public key as 64 hex digits`);
    return new Uint8Array(Buffer.from(value, 'hex'));
  };
}

/** An amount in coins ("12.5"), exact to `decimals` places, as base units. */
export function amountArg(name: string, decimals = DEFAULT_DECIMALS) {
  return (value: string): bigint => {
    try {
      return parseAmount(value, decimals, name);
    } catch (err) {
      if (err instanceof AmountError) throw new InvalidArgumentError(err.message);
      throw err;
    }
  };
}

/** The base round timeouts `--bft-timeouts` sets (ms); the per-round increases stay the chain's. */
export interface BftTimeoutsFlag {
  propose: number;
  prevote: number;
  precommit: number;
  commit: number;
}

export const BFT_TIMEOUT_MIN = 10;
export const BFT_TIMEOUT_MAX = 600_000;
const BFT_TIMEOUT_FIELDS = ['propose', 'prevote', 'precommit', 'commit'] as const;

/**
 * `--bft-timeouts <propose,prevote,precommit,commit>`: four integers of ms, each in
 * BFT_TIMEOUT_MIN..BFT_TIMEOUT_MAX (below 10 ms a round cannot gather votes over a network;
 * above 10 min a stalled round would hold the chain for longer than anyone waits).
 */
export function bftTimeoutsArg(name = '--bft-timeouts') {
  const expected = `four integers of milliseconds propose,prevote,precommit,commit, each in ${BFT_TIMEOUT_MIN}..${BFT_TIMEOUT_MAX} (e.g. 3000,1000,1000,1000)`;
  return (value: string): BftTimeoutsFlag => {
    const shown = JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value);
    const parts = value.length > 64 ? [] : value.split(',');
    if (parts.length !== BFT_TIMEOUT_FIELDS.length) throw new InvalidArgumentError(`${name} ${shown} is not four values; expected ${expected}`);
    const out = {} as BftTimeoutsFlag;
    parts.forEach((p, i) => {
      const field = BFT_TIMEOUT_FIELDS[i]!;
      if (!/^[0-9]{1,7}$/.test(p)) throw new InvalidArgumentError(`${name} ${shown}: ${field} ${JSON.stringify(p.slice(0, 20))} is not an integer; expected ${expected}`);
      const n = Number(p);
      if (n < BFT_TIMEOUT_MIN || n > BFT_TIMEOUT_MAX) throw new InvalidArgumentError(`${name} ${shown}: ${field} ${n} ms is out of range; expected ${expected}`);
      out[field] = n;
    });
    return out;
  };
}

/** The flag's value as `hashlane node` takes it (testnet passes it on to every node). */
export const formatBftTimeouts = (t: BftTimeoutsFlag): string => BFT_TIMEOUT_FIELDS.map((f) => t[f]).join(',');
