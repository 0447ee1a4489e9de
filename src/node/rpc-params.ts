import { AmountError, DEFAULT_DECIMALS, parseAmount } from '../chain/amount.js';
import { RpcCode, RpcError } from './rpc-errors.js';

/** What a parameter must be; the checked value handed to the handler is shown in brackets. */
export type ParamType =
  | 'int' // [number] a safe integer within min..max
  | 'bool' // [boolean]
  | 'string' // [string] at most maxLength characters
  | 'hex' // [Uint8Array] even-length hex, at most maxBytes bytes
  | 'hash' // [Uint8Array] 32 bytes from 64 hex digits, kept in the order given
  | 'amount' // [bigint] base units, from coins as a decimal string ("12.5") or a JSON number (12.5), as Bitcoin Core's AmountFromValue
  | 'hostport' // [string] "host:port" with a port in 1..65535
  | 'verbosity' // [number] an integer within min..max, or true (1) / false (0) as Bitcoin Core accepts
  | 'object' // [Record<string, unknown>] a JSON object; the handler checks its fields
  | 'json'; // [unknown] any JSON value; the handler checks it

export interface ParamSpec {
  name: string;
  type: ParamType;
  optional?: boolean;
  min?: number;
  max?: number;
  maxLength?: number;
  maxBytes?: number;
  /** Decimal places of an 'amount' (default 8). */
  decimals?: number;
  /** Accepted values (for strings). */
  oneOf?: readonly string[];
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/**
 * Checks positional (array) or named (object) params against the spec and returns them
 * converted, in order. Every failure is INVALID_PARAMS with a message naming the parameter,
 * what it got and what it expected.
 */
export function checkParams(method: string, specs: readonly ParamSpec[], params: unknown): unknown[] {
  let list: unknown[];
  if (params === undefined || params === null) list = [];
  else if (Array.isArray(params)) list = params;
  else if (typeof params === 'object') {
    const named = params as Record<string, unknown>;
    for (const key of Object.keys(named)) {
      if (!specs.some((s) => s.name === key)) throw bad(`${method}: unknown parameter "${key}"; expected ${signature(specs)}`);
    }
    list = specs.map((s) => named[s.name]);
  } else throw bad(`${method}: params must be an array or an object`);
  if (list.length > specs.length) {
    throw bad(`${method}: got ${list.length} parameters, expected at most ${specs.length}: ${signature(specs)}`);
  }
  return specs.map((spec, i) => {
    const v = list[i];
    if (v === undefined || v === null) {
      if (spec.optional) return undefined;
      throw bad(`${method}: missing parameter "${spec.name}" (${spec.type}); expected ${signature(specs)}`);
    }
    return checkOne(method, spec, v);
  });
}

function checkOne(method: string, s: ParamSpec, v: unknown): unknown {
  const where = `${method}: parameter "${s.name}"`;
  switch (s.type) {
    case 'int': {
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw bad(`${where} must be an integer, got ${show(v)}`);
      if (s.min !== undefined && v < s.min) throw bad(`${where} must be >= ${s.min}, got ${v}`);
      if (s.max !== undefined && v > s.max) throw bad(`${where} must be <= ${s.max}, got ${v}`);
      return v;
    }
    case 'bool':
      if (typeof v !== 'boolean') throw bad(`${where} must be true or false, got ${show(v)}`);
      return v;
    case 'string': {
      if (typeof v !== 'string') throw bad(`${where} must be a string, got ${show(v)}`);
      const max = s.maxLength ?? 1024;
      if (v.length > max) throw bad(`${where} is ${v.length} characters long, at most ${max} allowed`);
      if (s.oneOf && !s.oneOf.includes(v)) throw bad(`${where} must be one of ${s.oneOf.join(', ')}, got ${show(v)}`);
      return v;
    }
    case 'hex': {
      if (typeof v !== 'string') throw bad(`${where} must be a hex string, got ${show(v)}`);
      if (!HEX.test(v)) throw bad(`${where} must be an even number of hex digits`);
      const max = s.maxBytes ?? 4 << 20;
      if (v.length / 2 > max) throw bad(`${where} is ${v.length / 2} bytes, at most ${max} allowed`);
      return fromHex(v);
    }
    case 'hash': {
      if (typeof v !== 'string' || v.length !== 64 || !HEX.test(v)) throw bad(`${where} must be 64 hex digits (32 bytes), got ${show(v)}`);
      return fromHex(v);
    }
    case 'amount': {
      // A JSON number arrives as a double: its shortest decimal form is what the client wrote
      // unless it needed an exponent, which is refused rather than guessed at.
      const text = typeof v === 'number' && Number.isFinite(v) ? String(v) : v;
      if (typeof text !== 'string') throw bad(`${where} must be an amount in coins (decimal string or number, e.g. "12.5"), got ${show(v)}`);
      try {
        return parseAmount(text, s.decimals ?? DEFAULT_DECIMALS, where);
      } catch (err) {
        if (err instanceof AmountError) throw bad(err.message);
        throw err;
      }
    }
    case 'verbosity': {
      if (typeof v === 'boolean') return v ? 1 : 0;
      return checkOne(method, { ...s, type: 'int' }, v);
    }
    case 'json':
      return v;
    case 'object':
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(`${where} must be a JSON object, got ${show(v)}`);
      return v;
    case 'hostport': {
      if (typeof v !== 'string' || !parseHostPort(v)) throw bad(`${where} must be "host:port" with a port in 1..65535, got ${show(v)}`);
      return v;
    }
  }
}

/** Splits "host:port" (IPv6 as "[::1]:port"); null when malformed. */
export function parseHostPort(s: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]{1,253})):([0-9]{1,5})$/.exec(s);
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  return { host: m[1] ?? m[2]!, port };
}

function signature(specs: readonly ParamSpec[]): string {
  return `(${specs.map((s) => (s.optional ? `[${s.name}: ${s.type}]` : `${s.name}: ${s.type}`)).join(', ')})`;
}

function show(v: unknown): string {
  const text = typeof v === 'string' ? JSON.stringify(v) : typeof v === 'object' ? (Array.isArray(v) ? 'an array' : 'an object') : String(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function bad(message: string): RpcError {
  return new RpcError(RpcCode.INVALID_PARAMS, message);
}

export function fromHex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'hex'));
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
