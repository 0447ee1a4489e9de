// Hashes are kept in internal byte order; explorers and bitcoin-cli show them reversed
// ("display order"). These two helpers are the only place the reversal happens.

/** Hex of `bytes` reversed: internal byte order -> display order. */
export function toDisplayHex(bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('toDisplayHex expects a Uint8Array');
  let s = '';
  for (let i = bytes.length - 1; i >= 0; i--) s += bytes[i]!.toString(16).padStart(2, '0');
  return s;
}

/** Bytes of a display-order hex string, reversed into internal byte order. */
export function fromDisplayHex(hex: string): Uint8Array {
  const b = hexToBytes(hex, 'display hex');
  return b.reverse();
}

/** Bytes of a hex string (even length, 0-9a-f), in the order written. */
export function hexToBytes(hex: string, name = 'hex'): Uint8Array {
  if (typeof hex !== 'string') throw new TypeError(`${name} must be a string, got ${typeof hex}`);
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new RangeError(`${name} must be an even number of hex digits, got "${hex.length > 80 ? hex.slice(0, 80) + '...' : hex}"`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

/** Hex of `bytes` in the order stored. */
export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += bytes[i]!.toString(16).padStart(2, '0');
  return s;
}
