// The 80-byte block header, Bitcoin layout (Bitcoin Core primitives/block.h):
// version i32 LE | prevHash 32 | merkleRoot 32 | time u32 LE | bits u32 LE | nonce u32 LE.
// Hashes are in internal byte order.
import { assertBytes } from '../engine/errors.js';
import { HeaderError } from './errors.js';

export const HEADER_SIZE = 80;
export const NONCE_OFFSET = 76;

export interface BlockHeader {
  version: number;
  prevHash: Uint8Array;
  merkleRoot: Uint8Array;
  time: number;
  bits: number;
  nonce: number;
}

function u32Field(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new HeaderError(`header.${name} must be an integer in [0, 2^32 - 1], got ${String(value)}`);
  }
  return value;
}

function hashField(value: unknown, name: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== 32) {
    const got = value instanceof Uint8Array ? `${value.length} bytes` : typeof value;
    throw new HeaderError(`header.${name} must be a 32-byte Uint8Array (internal byte order), got ${got}`);
  }
  return value;
}

/** Serializes a header to its 80 wire bytes. `version` may be given signed or unsigned. */
export function encodeHeader(h: BlockHeader): Uint8Array {
  if (typeof h !== 'object' || h === null) throw new TypeError('header must be an object');
  const version = h.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < -0x80000000 || version > 0xffffffff) {
    throw new HeaderError(`header.version must be a 32-bit integer, got ${String(version)}`);
  }
  const out = new Uint8Array(HEADER_SIZE);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, version >>> 0, true);
  out.set(hashField(h.prevHash, 'prevHash'), 4);
  out.set(hashField(h.merkleRoot, 'merkleRoot'), 36);
  dv.setUint32(68, u32Field(h.time, 'time'), true);
  dv.setUint32(72, u32Field(h.bits, 'bits'), true);
  dv.setUint32(76, u32Field(h.nonce, 'nonce'), true);
  return out;
}

/** Parses 80 wire bytes; `version` comes back signed, as Bitcoin's int32_t nVersion. */
export function decodeHeader(bytes: Uint8Array): BlockHeader {
  assertHeaderBytes(bytes);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, HEADER_SIZE);
  return {
    version: dv.getInt32(0, true),
    prevHash: bytes.slice(4, 36),
    merkleRoot: bytes.slice(36, 68),
    time: dv.getUint32(68, true),
    bits: dv.getUint32(72, true),
    nonce: dv.getUint32(76, true),
  };
}

export function assertHeaderBytes(bytes: unknown, name = 'header'): asserts bytes is Uint8Array {
  assertBytes(bytes, name);
  if (bytes.length !== HEADER_SIZE) {
    throw new HeaderError(`${name} must be ${HEADER_SIZE} bytes (Bitcoin block header), got ${bytes.length}`);
  }
}

/** A copy of `header` with `nonce` written at bytes 76..79 (little-endian). */
export function withNonce(header: Uint8Array, nonce: number): Uint8Array {
  assertHeaderBytes(header);
  const out = header.slice();
  new DataView(out.buffer).setUint32(NONCE_OFFSET, nonce >>> 0, true);
  return out;
}

/** The `bits` field of a serialized header. */
export function headerBits(header: Uint8Array): number {
  assertHeaderBytes(header);
  return new DataView(header.buffer, header.byteOffset, HEADER_SIZE).getUint32(72, true);
}
