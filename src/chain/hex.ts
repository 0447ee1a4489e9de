// Hex at the edges only (RPC, logs, map keys). Hashes are kept in internal byte order;
// `toDisplayHex` gives the reversed order that block explorers and Bitcoin tools show.
import { DecodeError } from './errors.js';

// Char codes of each byte's two hex digits; strings are built by one fromCharCode call
// (per-character concatenation is ~2x slower and shows up when a block keys 10 000 txs).
const HI = new Uint8Array(256);
const LO = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  const h = i.toString(16).padStart(2, '0');
  HI[i] = h.charCodeAt(0);
  LO[i] = h.charCodeAt(1);
}
const CHUNK = 4096;

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let at = 0; at < bytes.length; at += CHUNK) {
    const part = bytes.subarray(at, at + CHUNK);
    const codes = new Uint16Array(part.length * 2);
    for (let i = 0; i < part.length; i++) {
      codes[2 * i] = HI[part[i]];
      codes[2 * i + 1] = LO[part[i]];
    }
    s += String.fromCharCode.apply(null, codes as unknown as number[]);
  }
  return s;
}

/**
 * A compact map key for a short byte string (one char per byte). Internal only: it is not
 * printable; use toHex for anything shown or stored as text.
 */
export function binKey(bytes: Uint8Array): string {
  return String.fromCharCode.apply(null, bytes as unknown as number[]);
}

export function fromBinKey(key: string): Uint8Array {
  const out = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) out[i] = key.charCodeAt(i);
  return out;
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
