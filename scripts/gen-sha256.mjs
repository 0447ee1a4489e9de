// Generates the fully unrolled SHA-256 compression variants:
//   assembly/sha256/compress.gen.ts   (u32, one message)
//   assembly/sha256/compress4.gen.ts  (v128, four independent messages, one per i32x4 lane)
// Run: node scripts/gen-sha256.mjs   (the outputs are committed; never edit them by hand)
//
// Why generate: each variant is 64 straight-line rounds with the working variables renamed
// per round instead of shifted (no moves), and every message word known at generation time
// (the padding of 32-, 64- and 80-byte messages, FIPS 180-4 5.1.1) is folded into the
// schedule, so W[t] + K[t] becomes one literal wherever the schedule is constant.
import { readFileSync, writeFileSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const constsSrc = readFileSync(new URL('assembly/sha256/consts.ts', root), 'utf8');
const K = [...constsSrc.slice(constsSrc.indexOf('K:'), constsSrc.indexOf('];')).matchAll(/0x[0-9a-f]{8}/gi)].map((m) => Number(m[0]) >>> 0);
const IV = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => Number(constsSrc.match(new RegExp(`IV${i}: u32 = (0x[0-9a-f]+)`, 'i'))[1]) >>> 0);
if (K.length !== 64 || IV.some(Number.isNaN)) throw new Error('could not parse consts.ts');

// FIPS 180-4 4.1.2, evaluated at generation time for constant words.
const rotr = (x, n) => ((x >>> n) | (x << (32 - n))) >>> 0;
const sig0 = (x) => (rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3)) >>> 0;
const sig1 = (x) => (rotr(x, 17) ^ rotr(x, 19) ^ (x >>> 10)) >>> 0;
const hex = (x) => '0x' + (x >>> 0).toString(16).padStart(8, '0');

const scalar = {
  T: 'u32',
  lit: (c) => hex(c),
  add: (xs) => xs.join(' + '),
  xor: (a, b) => `(${a} ^ ${b})`,
  and: (a, b) => `(${a} & ${b})`,
  call: (f, x) => `${f}(${x})`,
};
const vector = {
  T: 'v128',
  lit: (c) => `i32x4.splat(${hex(c)})`,
  add: (xs) => xs.slice(1).reduce((acc, x) => `i32x4.add(${acc}, ${x})`, xs[0]),
  xor: (a, b) => `v128.xor(${a}, ${b})`,
  and: (a, b) => `v128.and(${a}, ${b})`,
  call: (f, x) => `${f}(${x})`,
};

/**
 * One compression. words[i] (i < 16) is either a number (known) or a string (an expression
 * of the function's parameters). state: 'mem' loads/stores the chaining value at `st`
 * (and adds it back, FIPS 180-4 6.2.2 step 4); 'iv' starts from H(0) and writes IV + result.
 */
function compression(B, { name, params, doc, words, state, store }) {
  const out = [];
  out.push(`/** ${doc} */`);
  out.push(`export function ${name}(${params}): void {`);
  const W = [];
  for (let i = 0; i < 16; i++) {
    if (typeof words[i] === 'number') W.push({ c: words[i] >>> 0 });
    else {
      out.push(`  const w${i}: ${B.T} = ${words[i]};`);
      W.push({ v: `w${i}` });
    }
  }
  // FIPS 180-4 6.2.2 step 1, with known words folded. Each word is emitted just before the
  // round that consumes it, so that only a 16-word window is live at any time.
  const scheduleLine = [];
  for (let t = 16; t < 64; t++) {
    const parts = [
      [W[t - 2], sig1, 'ssig1'],
      [W[t - 7], null, null],
      [W[t - 15], sig0, 'ssig0'],
      [W[t - 16], null, null],
    ];
    let c = 0;
    const terms = [];
    for (const [w, f, fname] of parts) {
      if ('c' in w) c = (c + (f ? f(w.c) : w.c)) >>> 0;
      else terms.push(f ? B.call(fname, w.v) : w.v);
    }
    if (terms.length === 0) W.push({ c });
    else {
      if (c !== 0) terms.push(B.lit(c));
      scheduleLine[t] = `  const w${t}: ${B.T} = ${B.add(terms)};`;
      W.push({ v: `w${t}` });
    }
  }
  const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  for (let r = 0; r < 8; r++) {
    const init = state === 'mem' ? (B.T === 'u32' ? `load<u32>(st, ${4 * r})` : `v128.load(st, ${16 * r})`) : B.lit(IV[r]);
    out.push(`  let ${names[r]}: ${B.T} = ${init};`);
  }
  out.push(`  let bc: ${B.T} = ${B.xor('b', 'c')};`);
  for (let t = 0; t < 64; t++) {
    const role = (r) => names[(r - t + 64) % 8];
    const [a, b, , d, e, f, g, h] = [0, 1, 2, 3, 4, 5, 6, 7].map(role);
    const kw = 'c' in W[t] ? B.lit((K[t] + W[t].c) >>> 0) : B.add([W[t].v, B.lit(K[t])]);
    // FIPS 180-4 4.1.2: Ch(e,f,g) = g ^ (e & (f ^ g)); Maj(a,b,c) = b ^ ((a ^ b) & (b ^ c)),
    // where this round's b ^ c is the previous round's a ^ b.
    const ch = B.xor(g, B.and(e, B.xor(f, g)));
    out.push(`  // round ${t}`);
    if (scheduleLine[t]) out.push(scheduleLine[t]);
    out.push(`  const t${t}: ${B.T} = ${B.add([h, B.call('bsig1', e), ch, kw])};`);
    out.push(`  ${d} = ${B.add([d, `t${t}`])};`);
    out.push(`  const ab${t}: ${B.T} = ${B.xor(a, b)};`);
    out.push(`  ${h} = ${B.add([`t${t}`, B.call('bsig0', a), B.xor(b, B.and(`ab${t}`, 'bc'))])};`);
    out.push(`  bc = ab${t};`);
  }
  // After 64 rounds the renaming has come full circle: a..h hold their own roles again.
  for (let r = 0; r < 8; r++) {
    const v = state === 'mem' ? B.add([names[r], B.T === 'u32' ? `load<u32>(st, ${4 * r})` : `v128.load(st, ${16 * r})`]) : B.add([names[r], B.lit(IV[r])]);
    out.push(`  ${store(r, v)};`);
  }
  out.push('}');
  return out.join('\n');
}

// Padding (FIPS 180-4 5.1.1) of an L-byte message, as words of its last block.
function padWords(bytesInLastBlock, totalBytes) {
  const w = new Array(16).fill(0);
  w[bytesInLastBlock >> 2] = (0x80 << (24 - 8 * (bytesInLastBlock & 3))) >>> 0;
  w[14] = Math.floor((totalBytes * 8) / 2 ** 32);
  w[15] = (totalBytes * 8) >>> 0;
  return w;
}

const header = (what) => `// GENERATED by scripts/gen-sha256.mjs — do not edit; change the generator and rerun it.
// ${what}
// FIPS 180-4 6.2.2, fully unrolled; known message words are folded into the schedule.
// K and H(0) are read from consts.ts at generation time and appear here as literals.
`;

const bytesBE = (p, i) => `bswap<u32>(load<u32>(${p}, ${4 * i}))`;
const scalarFiles = [
  header('Scalar (u32) compression variants for one message.'),
  `@inline function bsig0(x: u32): u32 {
  return rotr<u32>(x, 2) ^ rotr<u32>(x, 13) ^ rotr<u32>(x, 22);
}
@inline function bsig1(x: u32): u32 {
  return rotr<u32>(x, 6) ^ rotr<u32>(x, 11) ^ rotr<u32>(x, 25);
}
@inline function ssig0(x: u32): u32 {
  return rotr<u32>(x, 7) ^ rotr<u32>(x, 18) ^ (x >>> 3);
}
@inline function ssig1(x: u32): u32 {
  return rotr<u32>(x, 17) ^ rotr<u32>(x, 19) ^ (x >>> 10);
}
`,
  compression(scalar, {
    name: 'compress',
    params: 'st: usize, p: usize',
    doc: 'One 64-byte block at p (big-endian words) into the chaining value at st (8 native u32).',
    words: Array.from({ length: 16 }, (_, i) => bytesBE('p', i)),
    state: 'mem',
    store: (r, v) => `store<u32>(st, ${v}, ${4 * r})`,
  }),
  compression(scalar, {
    name: 'compressPad64',
    params: 'st: usize',
    doc: 'The padding block of a 64-byte message: its schedule is constant, only W + K literals remain.',
    words: padWords(0, 64),
    state: 'mem',
    store: (r, v) => `store<u32>(st, ${v}, ${4 * r})`,
  }),
  compression(scalar, {
    name: 'compressTail80',
    params: 'st: usize, p: usize',
    doc: 'The last block of an 80-byte message (a block header): 16 bytes at p, then known padding.',
    words: padWords(16, 80).map((c, i) => (i < 4 ? bytesBE('p', i) : c)),
    state: 'mem',
    store: (r, v) => `store<u32>(st, ${v}, ${4 * r})`,
  }),
];
for (const [inKind, outKind] of [
  ['B', 'B'],
  ['B', 'W'],
  ['W', 'B'],
  ['W', 'W'],
]) {
  scalarFiles.push(
    compression(scalar, {
      name: `hash32${inKind}${outKind}`,
      params: 'p: usize, out: usize',
      doc: `SHA-256 of one 32-byte message (${inKind === 'B' ? 'bytes' : '8 native u32 words'} at p) from H(0); writes ${outKind === 'B' ? 'the digest bytes' : 'the 8 digest words (native)'} at out.`,
      words: padWords(32, 32).map((c, i) => (i < 8 ? (inKind === 'B' ? bytesBE('p', i) : `load<u32>(p, ${4 * i})`) : c)),
      state: 'iv',
      store: (r, v) => (outKind === 'B' ? `store<u32>(out, bswap<u32>(${v}), ${4 * r})` : `store<u32>(out, ${v}, ${4 * r})`),
    }),
  );
}
writeFileSync(new URL('assembly/sha256/compress.gen.ts', root), scalarFiles.join('\n\n') + '\n');

// v128: word t of lane j is lane j of one i32x4. Loads gather word t of four messages
// (load32_lane) and swap bytes within each lane with one shuffle.
const lanesBE = (i) =>
  `bswap4(v128.load32_lane(p3, v128.load32_lane(p2, v128.load32_lane(p1, v128.load32_zero(p0, ${4 * i}), 1, ${4 * i}), 2, ${4 * i}), 3, ${4 * i}))`;
const vectorFiles = [
  header('4-lane (v128) compression variants: four independent messages, one per i32x4 lane.\n// Only compiled into the SIMD build (referenced from ASC_FEATURE_SIMD branches only).'),
  `// Rotations cost two shifts and an or in v128 (no rotate instruction); the six shifts of a
// Sigma are independent, which keeps the dependency chain short.
@inline function rotr4(x: v128, n: i32): v128 {
  return v128.or(i32x4.shr_u(x, n), i32x4.shl(x, 32 - n));
}
@inline function bsig0(x: v128): v128 {
  return v128.xor(v128.xor(rotr4(x, 2), rotr4(x, 13)), rotr4(x, 22));
}
@inline function bsig1(x: v128): v128 {
  return v128.xor(v128.xor(rotr4(x, 6), rotr4(x, 11)), rotr4(x, 25));
}
@inline function ssig0(x: v128): v128 {
  return v128.xor(v128.xor(rotr4(x, 7), rotr4(x, 18)), i32x4.shr_u(x, 3));
}
@inline function ssig1(x: v128): v128 {
  return v128.xor(v128.xor(rotr4(x, 17), rotr4(x, 19)), i32x4.shr_u(x, 10));
}
/** Big-endian <-> native within each 32-bit lane. */
@inline export function bswap4(x: v128): v128 {
  return i8x16.shuffle(x, x, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
}
`,
  compression(vector, {
    name: 'compress4',
    params: 'st: usize, p0: usize, p1: usize, p2: usize, p3: usize',
    doc: 'One 64-byte block per lane (lane j at pj) into the 4-lane chaining value at st (8 x v128).',
    words: Array.from({ length: 16 }, (_, i) => lanesBE(i)),
    state: 'mem',
    store: (r, v) => `v128.store(st, ${v}, ${16 * r})`,
  }),
  compression(vector, {
    name: 'compress4Pad64',
    params: 'st: usize',
    doc: 'The constant padding block of 64-byte messages, in all four lanes.',
    words: padWords(0, 64),
    state: 'mem',
    store: (r, v) => `v128.store(st, ${v}, ${16 * r})`,
  }),
  compression(vector, {
    name: 'hash4x32',
    params: 'st: usize',
    doc: 'In place: st (8 x v128 words of four 32-byte messages) becomes their SHA-256 words.',
    words: padWords(32, 32).map((c, i) => (i < 8 ? `v128.load(st, ${16 * i})` : c)),
    state: 'iv',
    store: (r, v) => `v128.store(st, ${v}, ${16 * r})`,
  }),
];
writeFileSync(new URL('assembly/sha256/compress4.gen.ts', root), vectorFiles.join('\n\n') + '\n');
console.log('wrote assembly/sha256/compress.gen.ts and compress4.gen.ts');
