// The compact argument/return encoding of contracts/sdk, for callers in TypeScript:
// fields in order, no tags; u8/bool 1 byte, u32 4 LE, u64 8 LE, address 32 bytes, bytes and
// strings a LEB128 length then the bytes (UTF-8).
export class AbiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AbiError';
  }
}

const U64_MAX = (1n << 64n) - 1n;

export class AbiWriter {
  private parts: number[] = [];
  u8(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new AbiError(`u8 must be in [0, 255], got ${v}`);
    this.parts.push(v);
    return this;
  }
  bool(v: boolean): this {
    return this.u8(v ? 1 : 0);
  }
  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new AbiError(`u32 must be in [0, 2^32), got ${v}`);
    for (let i = 0; i < 4; i++) this.parts.push((v >>> (8 * i)) & 0xff);
    return this;
  }
  u64(v: bigint): this {
    if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) throw new AbiError(`u64 must be a bigint in [0, 2^64), got ${v}`);
    for (let i = 0n; i < 8n; i++) this.parts.push(Number((v >> (8n * i)) & 0xffn));
    return this;
  }
  fixed(b: Uint8Array, length?: number): this {
    if (length !== undefined && b.length !== length) throw new AbiError(`expected ${length} bytes, got ${b.length}`);
    for (const x of b) this.parts.push(x);
    return this;
  }
  address(a: Uint8Array): this {
    return this.fixed(a, 32);
  }
  bytes(b: Uint8Array): this {
    let n = b.length;
    while (n >= 0x80) {
      this.parts.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    this.parts.push(n);
    return this.fixed(b);
  }
  string(s: string): this {
    return this.bytes(new TextEncoder().encode(s));
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export class AbiReader {
  private pos = 0;
  constructor(private readonly buf: Uint8Array) {}
  private take(n: number, what: string): Uint8Array {
    if (this.pos + n > this.buf.length) throw new AbiError(`${what}: needs ${n} bytes at offset ${this.pos}, the data has ${this.buf.length}`);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  u8(): number {
    return this.take(1, 'u8')[0];
  }
  bool(): boolean {
    return this.u8() !== 0;
  }
  u32(): number {
    const b = this.take(4, 'u32');
    return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
  }
  u64(): bigint {
    const b = this.take(8, 'u64');
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    return v;
  }
  fixed(n: number): Uint8Array {
    return this.take(n, `${n} bytes`).slice();
  }
  address(): Uint8Array {
    return this.fixed(32);
  }
  bytes(): Uint8Array {
    let n = 0;
    for (let shift = 0; ; shift += 7) {
      if (shift > 21) throw new AbiError('length prefix longer than 4 bytes');
      const b = this.u8();
      n |= (b & 0x7f) << shift;
      if (!(b & 0x80)) break;
    }
    return this.fixed(n);
  }
  string(): string {
    return new TextDecoder('utf-8', { fatal: true }).decode(this.bytes());
  }
  get done(): boolean {
    return this.pos === this.buf.length;
  }
}
