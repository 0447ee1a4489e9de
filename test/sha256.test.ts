import { beforeAll, describe, expect, it } from 'vitest';
import {
  EngineNotReadyError,
  HasherFinishedError,
  createSha256,
  merkleRoot,
  ready,
  sha256,
  sha256Batch,
  sha256d,
} from '../dist/index.js';
import { hex, loadVectors, unhex } from './support/vectors.js';

const text = (s: string) => new TextEncoder().encode(s);
const reversed = (b: Uint8Array) => b.slice().reverse();

describe('before ready()', () => {
  it('every sha256 call throws EngineNotReadyError', () => {
    const m = new Uint8Array(32);
    for (const call of [
      () => sha256(m),
      () => sha256d(m),
      () => createSha256(),
      () => sha256Batch(m, 32),
      () => merkleRoot(m),
    ]) {
      expect(call).toThrow(EngineNotReadyError);
      expect(call).toThrow(/await ready\(\)/);
    }
  });
});

describe('sha256 vectors', () => {
  beforeAll(() => ready());

  // FIPS 180-2 appendix B examples (B.1 one block, B.2 two blocks, B.3 one million 'a'),
  // the 896-bit example of the FIPS 180-4 example set, and NIST CAVS SHA256ShortMsg entries.
  const short: [string, Uint8Array][] = [
    ['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', new Uint8Array(0)],
    ['28969cdfa74a12c82f3bad960b0b000aca2ac329deea5c2328ebc6f2ba9802c1', unhex('d3')],
    ['5ca7133fa735326081558ac312c620eeca9970d1e70a4b95533d956f072d1f98', unhex('11af')],
    ['ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', text('abc')],
    ['248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1', text('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')],
    [
      'cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1',
      text('abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu'),
    ],
  ];

  it('FIPS 180 / CAVS short messages: one-shot, streaming byte by byte, batch of one', () => {
    for (const [want, msg] of short) {
      expect(hex(sha256(msg))).toBe(want);
      const h = createSha256();
      for (let i = 0; i < msg.length; i++) h.update(msg.subarray(i, i + 1));
      expect(hex(h.digest())).toBe(want);
      if (msg.length > 0) expect(hex(sha256Batch(msg, msg.length))).toBe(want);
    }
  });

  it("FIPS 180-2 B.3: one million 'a', streamed in uneven chunks", () => {
    const chunk = new Uint8Array(9973).fill(0x61);
    const h = createSha256();
    let left = 1_000_000;
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      h.update(chunk.subarray(0, n));
      left -= n;
    }
    expect(hex(h.digest())).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
    expect(hex(sha256(new Uint8Array(1_000_000).fill(0x61)))).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  });

  it('sha256d of real Bitcoin headers gives their block hash (display order = reversed)', () => {
    const { headers } = loadVectors('bitcoin-headers.json');
    expect(headers.length).toBeGreaterThan(0);
    const all = new Uint8Array(80 * headers.length);
    headers.forEach((h: { header_hex: string; hash: string }, i: number) => {
      const header = unhex(h.header_hex);
      expect(header.length).toBe(80);
      all.set(header, 80 * i);
      expect(hex(reversed(sha256d(header)))).toBe(h.hash);
      // sha256d = sha256 of the 32-byte sha256, through the batch kernel too.
      const once = sha256Batch(header, 80);
      expect(hex(reversed(sha256Batch(once, 32)))).toBe(h.hash);
    });
    const firsts = sha256Batch(all, 80);
    const seconds = sha256Batch(firsts, 32);
    headers.forEach((h: { hash: string }, i: number) => {
      expect(hex(reversed(seconds.subarray(32 * i, 32 * i + 32)))).toBe(h.hash);
    });
  });

  it('merkleRoot of real blocks: txids (display order) reversed to internal order', () => {
    const { blocks } = loadVectors('bitcoin-merkle.json');
    const { headers } = loadVectors('bitcoin-headers.json');
    expect(blocks.length).toBeGreaterThan(0);
    for (const b of blocks as { height: number; txids: string[]; merkle_root: string }[]) {
      const leaves = new Uint8Array(32 * b.txids.length);
      b.txids.forEach((t, i) => leaves.set(reversed(unhex(t)), 32 * i));
      expect(hex(reversed(merkleRoot(leaves)))).toBe(b.merkle_root);
      const header = headers.find((h: { height: number }) => h.height === b.height);
      if (header) expect(header.merkle_root).toBe(b.merkle_root);
    }
  });

  it('merkleRoot of one leaf is the leaf; of three leaves duplicates the third', () => {
    const a = sha256(text('a'));
    const b = sha256(text('b'));
    const c = sha256(text('c'));
    expect(hex(merkleRoot(a))).toBe(hex(a));
    const pair = (x: Uint8Array, y: Uint8Array) => sha256d(new Uint8Array([...x, ...y]));
    const want = pair(pair(a, b), pair(c, c));
    expect(hex(merkleRoot(new Uint8Array([...a, ...b, ...c])))).toBe(hex(want));
  });
});

describe('sha256 bad inputs', () => {
  beforeAll(() => ready());

  it('wrong types are TypeErrors naming the argument', () => {
    for (const bad of ['abc', [1, 2, 3], null, undefined, new ArrayBuffer(4), 42]) {
      expect(() => sha256(bad as never)).toThrow(TypeError);
      expect(() => sha256d(bad as never)).toThrow(/data must be a Uint8Array/);
      expect(() => createSha256().update(bad as never)).toThrow(/data must be a Uint8Array/);
      expect(() => sha256Batch(bad as never, 32)).toThrow(/messages must be a Uint8Array/);
      expect(() => merkleRoot(bad as never)).toThrow(/leaves must be a Uint8Array/);
    }
  });

  it('batch: a length that is not a multiple of messageLength is a RangeError saying so', () => {
    expect(() => sha256Batch(new Uint8Array(100), 64)).toThrow(RangeError);
    expect(() => sha256Batch(new Uint8Array(100), 64)).toThrow('messages.length (100) is not a multiple of messageLength (64)');
    expect(() => sha256Batch(new Uint8Array(64), 0)).toThrow(/messageLength must be a positive integer, got 0/);
    expect(() => sha256Batch(new Uint8Array(0), 0)).toThrow(RangeError);
    expect(() => sha256Batch(new Uint8Array(64), 1.5)).toThrow(RangeError);
    expect(() => sha256Batch(new Uint8Array(64), -64)).toThrow(RangeError);
    expect(sha256Batch(new Uint8Array(0), 64)).toEqual(new Uint8Array(0));
  });

  it('merkleRoot: zero leaves or a ragged length is a RangeError saying so', () => {
    expect(() => merkleRoot(new Uint8Array(0))).toThrow(RangeError);
    expect(() => merkleRoot(new Uint8Array(0))).toThrow(/at least one 32-byte leaf/);
    expect(() => merkleRoot(new Uint8Array(33))).toThrow('leaves.length (33) is not a multiple of 32');
  });

  it('a finished hasher refuses update() and digest()', () => {
    const h = createSha256().update(text('abc'));
    h.digest();
    expect(() => h.update(text('x'))).toThrow(HasherFinishedError);
    expect(() => h.digest()).toThrow(/digest\(\) called after digest\(\)/);
  });

  it('hashing does not modify its input', () => {
    const leaves = sha256Batch(new Uint8Array(64 * 8), 64);
    const copy = leaves.slice();
    merkleRoot(leaves);
    sha256Batch(leaves, 32);
    sha256d(leaves);
    expect(leaves).toEqual(copy);
  });
});
