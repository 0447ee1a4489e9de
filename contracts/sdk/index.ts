// hashlane contract SDK (AssemblyScript). A contract is a module whose exported functions
// without parameters are its methods; arguments arrive through `input()` in the compact
// encoding below and results leave through `ret()`; `revert()` ends the call and undoes
// everything the call did (storage, transfers, events), keeping the gas it burned.
//
// Compact encoding (same on the TypeScript side, src/contracts/abi.ts): fields one after
// another, no tags: u8/bool 1 byte; u32 4 bytes LE; u64 8 bytes LE; address 32 bytes;
// bytes and strings a LEB128 length then the bytes (strings UTF-8).

@external("hashlane", "input_len") declare function _input_len(): i32;
@external("hashlane", "input_read") declare function _input_read(p: usize): void;
@external("hashlane", "return_data") declare function _return_data(p: usize, l: i32): void;
@external("hashlane", "revert") declare function _revert(p: usize, l: i32): void;
@external("hashlane", "storage_get") declare function _storage_get(kp: usize, kl: i32, vp: usize, vcap: i32): i32;
@external("hashlane", "storage_set") declare function _storage_set(kp: usize, kl: i32, vp: usize, vl: i32): void;
@external("hashlane", "storage_remove") declare function _storage_remove(kp: usize, kl: i32): void;
@external("hashlane", "emit") declare function _emit(tp: usize, tl: i32, dp: usize, dl: i32): void;
@external("hashlane", "caller") declare function _caller(p: usize): void;
@external("hashlane", "self") declare function _self(p: usize): void;
@external("hashlane", "value") declare function _value(): u64;
@external("hashlane", "balance") declare function _balance(p: usize): u64;
@external("hashlane", "block_height") declare function _block_height(): u64;
@external("hashlane", "block_time") declare function _block_time(): u64;
@external("hashlane", "transfer") declare function _transfer(p: usize, amount: u64): void;
@external("hashlane", "call") declare function _call(ap: usize, mp: usize, ml: i32, ip: usize, il: i32, value: u64, gas: u64): i32;
@external("hashlane", "result_len") declare function _result_len(): i32;
@external("hashlane", "result_read") declare function _result_read(p: usize): void;
@external("hashlane", "sha256") declare function _sha256(p: usize, l: i32, o: usize): void;
@external("hashlane", "sha256d") declare function _sha256d(p: usize, l: i32, o: usize): void;
@external("hashlane", "ed25519_verify") declare function _ed25519_verify(pk: usize, sig: usize, mp: usize, ml: i32): i32;
@external("hashlane", "ed25519_verify_batch") declare function _ed25519_verify_batch(p: usize, l: i32, n: i32): i32;

function ptr(b: Uint8Array): usize {
  return b.dataStart;
}

export function bytesOf(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export function equal(a: Uint8Array, b: Uint8Array): bool {
  if (a.length != b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] != b[i]) return false;
  return true;
}

export function input(): Uint8Array {
  const b = new Uint8Array(_input_len());
  _input_read(ptr(b));
  return b;
}

export function ret(data: Uint8Array): void {
  _return_data(ptr(data), data.length);
}

export function revert(reason: string): void {
  const b = bytesOf(reason);
  _revert(ptr(b), b.length);
}

/** Ends the call with `reason` unless `cond` holds. */
export function require(cond: bool, reason: string): void {
  if (!cond) revert(reason);
}

export namespace storage {
  export function get(key: Uint8Array): Uint8Array | null {
    let buf = new Uint8Array(64);
    const n = _storage_get(ptr(key), key.length, ptr(buf), buf.length);
    if (n < 0) return null;
    if (n > buf.length) {
      buf = new Uint8Array(n);
      _storage_get(ptr(key), key.length, ptr(buf), n);
    }
    return buf.subarray(0, n);
  }
  export function set(key: Uint8Array, value: Uint8Array): void {
    _storage_set(ptr(key), key.length, ptr(value), value.length);
  }
  export function remove(key: Uint8Array): void {
    _storage_remove(ptr(key), key.length);
  }
  export function getU64(key: Uint8Array): u64 {
    const v = get(key);
    if (v == null || v.length != 8) return 0;
    return load<u64>(v.dataStart);
  }
  export function setU64(key: Uint8Array, value: u64): void {
    if (value == 0) {
      remove(key);
      return;
    }
    const b = new Uint8Array(8);
    store<u64>(b.dataStart, value);
    set(key, b);
  }
}

export function emit(topic: string, data: Uint8Array): void {
  const t = bytesOf(topic);
  _emit(ptr(t), t.length, ptr(data), data.length);
}

export function caller(): Uint8Array {
  const b = new Uint8Array(32);
  _caller(ptr(b));
  return b;
}

export function self(): Uint8Array {
  const b = new Uint8Array(32);
  _self(ptr(b));
  return b;
}

export function value(): u64 {
  return _value();
}

export function balance(address: Uint8Array): u64 {
  return _balance(ptr(address));
}

export function blockHeight(): u64 {
  return _block_height();
}

export function blockTime(): u64 {
  return _block_time();
}

export function transfer(to: Uint8Array, amount: u64): void {
  _transfer(ptr(to), amount);
}

export class CallResult {
  constructor(
    public ok: bool,
    public data: Uint8Array,
  ) {}
}

/** Calls `method` of the contract at `to` (gas 0: all that is left). */
export function call(to: Uint8Array, method: string, args: Uint8Array, value: u64 = 0, gas: u64 = 0): CallResult {
  const m = bytesOf(method);
  const status = _call(ptr(to), ptr(m), m.length, ptr(args), args.length, value, gas);
  const out = new Uint8Array(_result_len());
  _result_read(ptr(out));
  return new CallResult(status == 0, out);
}

export function sha256(data: Uint8Array): Uint8Array {
  const o = new Uint8Array(32);
  _sha256(ptr(data), data.length, ptr(o));
  return o;
}

export function sha256d(data: Uint8Array): Uint8Array {
  const o = new Uint8Array(32);
  _sha256d(ptr(data), data.length, ptr(o));
  return o;
}

export function ed25519Verify(publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array): bool {
  return _ed25519_verify(ptr(publicKey), ptr(signature), ptr(message), message.length) == 1;
}

/** `records`: n times publicKey 32 | signature 64 | message length u32 LE | message. */
export function ed25519VerifyBatch(records: Uint8Array, n: i32): bool {
  return _ed25519_verify_batch(ptr(records), records.length, n) == 1;
}

/** Reads the compact encoding; a short input reverts the call. */
export class Reader {
  pos: i32 = 0;
  constructor(public buf: Uint8Array) {}
  private need(n: i32): void {
    if (this.pos + n > this.buf.length) revert("bad arguments: input too short");
  }
  u8(): u8 {
    this.need(1);
    return this.buf[this.pos++];
  }
  bool(): bool {
    return this.u8() != 0;
  }
  u32(): u32 {
    this.need(4);
    const v = load<u32>(this.buf.dataStart + this.pos);
    this.pos += 4;
    return v;
  }
  u64(): u64 {
    this.need(8);
    const v = load<u64>(this.buf.dataStart + this.pos);
    this.pos += 8;
    return v;
  }
  fixed(n: i32): Uint8Array {
    this.need(n);
    const v = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  address(): Uint8Array {
    return this.fixed(32);
  }
  len(): i32 {
    let v: u32 = 0;
    let shift: u32 = 0;
    while (true) {
      const b = this.u8();
      v |= (<u32>(b & 0x7f)) << shift;
      if ((b & 0x80) == 0) break;
      shift += 7;
      if (shift > 21) revert("bad arguments: length too long");
    }
    return <i32>v;
  }
  bytes(): Uint8Array {
    return this.fixed(this.len());
  }
  string(): string {
    return String.UTF8.decode(this.bytes().slice().buffer);
  }
}

/** Writes the compact encoding. */
export class Writer {
  buf: Uint8Array = new Uint8Array(64);
  pos: i32 = 0;
  private room(n: i32): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf, 0);
    this.buf = b;
  }
  u8(v: u8): Writer {
    this.room(1);
    this.buf[this.pos++] = v;
    return this;
  }
  bool(v: bool): Writer {
    return this.u8(v ? 1 : 0);
  }
  u32(v: u32): Writer {
    this.room(4);
    store<u32>(this.buf.dataStart + this.pos, v);
    this.pos += 4;
    return this;
  }
  u64(v: u64): Writer {
    this.room(8);
    store<u64>(this.buf.dataStart + this.pos, v);
    this.pos += 8;
    return this;
  }
  fixed(b: Uint8Array): Writer {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  bytes(b: Uint8Array): Writer {
    let n = <u32>b.length;
    while (n >= 0x80) {
      this.u8(<u8>((n & 0x7f) | 0x80));
      n >>= 7;
    }
    this.u8(<u8>n);
    return this.fixed(b);
  }
  string(s: string): Writer {
    return this.bytes(bytesOf(s));
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}
