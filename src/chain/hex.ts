// Hex at the edges only (RPC, logs, map keys). Hashes are kept in internal byte order;
// `toDisplayHex` gives the reversed order that block explorers and Bitcoin tools show.
import { DecodeError } from './errors.js';

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]];
  return s;
}

export function fromHex(hex: string): Uint8Array {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new DecodeError('decode-bad-hex', `expected an even-length hex string, got ${JSON.stringify(String(hex).slice(0, 80))}`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

/** Hash in display order (byte-reversed), as explorers show block and tx ids. */
export function toDisplayHex(hash: Uint8Array): string {
  return toHex(hash.slice().reverse());
}

/** Parses a display-order hash back to internal order. */
export function fromDisplayHex(hex: string): Uint8Array {
  return fromHex(hex).reverse();
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
