// Canonical binary encoding: little-endian fixed-width integers and Bitcoin's CompactSize
// for lengths and counts, with minimality enforced on decode (a value must use the shortest
// form, as Bitcoin Core's ReadCompactSize does with range_check) so that every value has
// exactly one encoding and therefore one txid.
import { DecodeError, EncodeError } from './errors.js';

export const U64_MAX = (1n << 64n) - 1n;

/** Grows as needed; `finish()` returns the written bytes. */
export class Writer {
  private buf: Uint8Array;
  private dv: DataView | undefined;
  private pos = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
  }

  // Created on first use: many small writers (accounts, receipts) never need one.
  private get view(): DataView {
    return (this.dv ??= new DataView(this.buf.buffer));
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.dv = undefined;
  }

  u8(v: number, field: string): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new EncodeError('encode-range', `${field} must be an integer in [0, 255], got ${v}`);
    this.reserve(1);
    this.buf[this.pos++] = v;
    return this;
  }

  u32(v: number, field: string): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new EncodeError('encode-range', `${field} must be an integer in [0, 2^32), got ${v}`);
    this.reserve(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
    return this;
  }

  u64(v: bigint, field: string): this {
    if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) throw new EncodeError('encode-range', `${field} must be a bigint in [0, 2^64), got ${String(v)}`);
    this.reserve(8);
    this.view.setBigUint64(this.pos, v, true);
    this.pos += 8;
    return this;
  }

  /** Bitcoin CompactSize, shortest form. Limited to safe integers (2^53 - 1). */
  varint(v: number, field: string): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new EncodeError('encode-range', `${field} must be a safe non-negative integer, got ${v}`);
    if (v < 0xfd) return this.u8(v, field);
    if (v <= 0xffff) {
      this.reserve(3);
      this.buf[this.pos] = 0xfd;
      this.view.setUint16(this.pos + 1, v, true);
      this.pos += 3;
    } else if (v <= 0xffffffff) {
      this.reserve(5);
      this.buf[this.pos] = 0xfe;
      this.view.setUint32(this.pos + 1, v, true);
      this.pos += 5;
    } else {
      this.reserve(9);
      this.buf[this.pos] = 0xff;
      this.view.setBigUint64(this.pos + 1, BigInt(v), true);
      this.pos += 9;
    }
    return this;
  }

  /** Exactly `length` bytes (fixed-width field). */
  fixed(b: Uint8Array, length: number, field: string): this {
    if (!(b instanceof Uint8Array) || b.length !== length) {
      throw new EncodeError('encode-length', `${field} must be a ${length}-byte Uint8Array, got ${b instanceof Uint8Array ? `${b.length} bytes` : typeof b}`);
    }
    return this.raw(b);
  }

  /** CompactSize length prefix + bytes, at most `max` bytes. */
  varbytes(b: Uint8Array, max: number, field: string): this {
    if (!(b instanceof Uint8Array)) throw new EncodeError('encode-length', `${field} must be a Uint8Array, got ${typeof b}`);
    if (b.length > max) throw new EncodeError('encode-oversize', `${field} is ${b.length} bytes, at most ${max} allowed`);
    this.varint(b.length, field);
    return this.raw(b);
  }

  raw(b: Uint8Array): this {
    this.reserve(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  get length(): number {
    return this.pos;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/** Bounded reader: every read checks the remaining length; `end()` rejects trailing bytes. */
export class Reader {
  private pos = 0;
  private dv: DataView | undefined;

  constructor(
    readonly bytes: Uint8Array,
    readonly what: string,
  ) {
    if (!(bytes instanceof Uint8Array)) throw new DecodeError('decode-type', `${what} must be a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  }

  // Created on first use: a reader of a short body may need none.
  private get view(): DataView {
    return (this.dv ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength));
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private need(n: number, field: string): void {
    if (this.pos + n > this.bytes.length) {
      throw new DecodeError('decode-truncated', `${this.what}: ${field} needs ${n} bytes at offset ${this.pos}, only ${this.remaining} left`);
    }
  }

  u8(field: string): number {
    this.need(1, field);
    return this.bytes[this.pos++];
  }

  u32(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  u64(field: string): bigint {
    this.need(8, field);
    // From the bytes, without a DataView: a body reader (one per transaction) then needs none.
    const b = this.bytes;
    const p = this.pos;
    const lo = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
    const hi = (b[p + 4] | (b[p + 5] << 8) | (b[p + 6] << 16) | (b[p + 7] << 24)) >>> 0;
    this.pos += 8;
    return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** CompactSize; rejects non-minimal forms and values above `max`. */
  varint(field: string, max: number): number {
    const at = this.pos;
    const tag = this.u8(field);
    let v: number;
    let min: number;
    if (tag < 0xfd) {
      v = tag;
      min = 0;
    } else if (tag === 0xfd) {
      this.need(2, field);
      v = this.view.getUint16(this.pos, true);
      this.pos += 2;
      min = 0xfd;
    } else if (tag === 0xfe) {
      v = this.u32(field);
      min = 0x10000;
    } else {
      const big = this.u64(field);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new DecodeError('decode-oversize', `${this.what}: ${field} at offset ${at} is ${big}, at most ${max} allowed`);
      }
      v = Number(big);
      min = 0x100000000;
    }
    if (v < min) {
      throw new DecodeError('decode-noncanonical', `${this.what}: ${field} at offset ${at} uses a ${tag === 0xfd ? 3 : tag === 0xfe ? 5 : 9}-byte form for ${v}; the shortest form is required`);
    }
    if (v > max) throw new DecodeError('decode-oversize', `${this.what}: ${field} at offset ${at} is ${v}, at most ${max} allowed`);
    return v;
  }

  /** A view (no copy) of the next `n` bytes. */
  view_(n: number, field: string): Uint8Array {
    this.need(n, field);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A copy of the next `n` bytes. */
  fixed(n: number, field: string): Uint8Array {
    return this.view_(n, field).slice();
  }

  varbytes(field: string, max: number): Uint8Array {
    const n = this.varint(`${field} length`, max);
    return this.fixed(n, field);
  }

  end(): void {
    if (this.pos !== this.bytes.length) {
      throw new DecodeError('decode-trailing-bytes', `${this.what}: ${this.bytes.length - this.pos} unexpected bytes after offset ${this.pos}`);
    }
  }
}

/** Encoded size of a CompactSize value. */
export function varintSize(v: number): number {
  return v < 0xfd ? 1 : v <= 0xffff ? 3 : v <= 0xffffffff ? 5 : 9;
}
