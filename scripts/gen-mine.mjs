#!/usr/bin/env node
// Generates assembly/mine/rounds.generated.ts: the fully unrolled sha256d of an 80-byte
// header up to round 60 of the second hash, as a function of the nonce only.
//
// The generator evaluates both compressions symbolically. Every value is one of
//   C  a number known now (IV, K, padding, and anything computed only from those),
//   J  known once per job (midstate, header words 16..18 and everything derived from them),
//   L  depends on the nonce (one v128 of 4 lanes, or one u32 in the scalar build).
// C values are folded here, J values are computed once in `prepareJob` and stored in the
// job table, and only L values become per-nonce code. Sums are reassociated so that all
// C and J terms of a sum collapse into one job word (FIPS 180-4 6.2.2 step 3 adds
// h + Sigma1 + Ch + K + W; only the nonce-dependent terms stay in the loop).
//
// K and IV are read from assembly/sha256/consts.ts, the single source of the constants.
//
// Usage: node scripts/gen-mine.mjs   (rewrites both outputs; `npm run build` does not run it)
// Second output: src/gpu/kernel.generated.ts, the same graph as TypeScript (host job setup)
// and WGSL (the WebGPU per-nonce body).
// Measuring knobs: MINE_CH=sel|xor and MINE_MAJ=sel|xor pick the Ch/Maj forms (default
// sel/xor: V8 lowers bitselect to 3 instructions, the same as the xor form of Ch, and the
// xor form of Maj reuses the previous round's a ^ b: 3 instead of 4); MINE_OUT=path writes
// elsewhere.
import { readFileSync, writeFileSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const consts = readFileSync(new URL('assembly/sha256/consts.ts', root), 'utf8');
const K = [...consts.match(/StaticArray<u32> = \[([^\]]*)\]/)[1].matchAll(/0x[0-9a-f]+/gi)].map((m) => Number(m[0]) >>> 0);
const IV = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => Number(consts.match(new RegExp(`IV${i}: u32 = (0x[0-9a-f]+)`, 'i'))[1]) >>> 0);
if (K.length !== 64) throw new Error(`expected 64 round constants in consts.ts, found ${K.length}`);

// ---- the expression graph --------------------------------------------------------------

const nodes = [];
const interned = new Map();

function node(kind, op, args, extra = {}) {
  const key = `${op}|${args.map((a) => (a.kind === 'C' ? `c${a.value}` : a.id)).join(',')}|${extra.n ?? extra.name ?? ''}`;
  const hit = interned.get(key);
  if (hit) return hit;
  const n = { id: `n${nodes.length}`, kind, op, args, ...extra };
  nodes.push(n);
  interned.set(key, n);
  return n;
}

const C = (value) => ({ kind: 'C', value: value >>> 0 });
const input = (kind, name) => node(kind, 'input', [], { name });
const kindOf = (args) => (args.some((a) => a.kind === 'L') ? 'L' : args.some((a) => a.kind === 'J') ? 'J' : 'C');
const rotr32 = (x, n) => ((x >>> n) | (x << (32 - n))) >>> 0;

const fold = {
  xor: (a, b) => (a ^ b) >>> 0,
  and: (a, b) => (a & b) >>> 0,
  or: (a, b) => (a | b) >>> 0,
  add: (a, b) => (a + b) >>> 0,
  sel: (a, b, m) => ((a & m) | (b & ~m)) >>> 0,
};

function op(name, ...args) {
  if (args.every((a) => a.kind === 'C')) return C(fold[name](...args.map((a) => a.value)));
  return node(kindOf(args), name, args);
}
function shift(name, x, n) {
  if (x.kind === 'C') return C(name === 'rotr' ? rotr32(x.value, n) : x.value >>> n);
  return node(x.kind, name, [x], { n });
}
const xor = (...xs) => xs.reduce((a, b) => op('xor', a, b));
const rotr = (x, n) => shift('rotr', x, n);
const shr = (x, n) => shift('shr', x, n);

/**
 * A sum, reassociated: nonce-dependent terms first, then one term holding every C and J
 * part. A term that is itself such a split sum is opened up so its constant part joins ours.
 */
function add(...terms) {
  const lanes = [];
  const fixed = [];
  let c = 0;
  const take = (t) => {
    if (t.kind === 'C') c = (c + t.value) >>> 0;
    else if (t.kind === 'J') fixed.push(t);
    else if (t.op === 'add' && t.split) {
      lanes.push(t.args[0]);
      take(t.args[1]);
    } else lanes.push(t);
  };
  terms.forEach(take);
  let k = fixed.length ? fixed.reduce((a, b) => op('add', a, b)) : null;
  if (c !== 0 || !k) k = k ? op('add', k, C(c)) : C(c);
  if (!lanes.length) return k;
  const l = lanes.reduce((a, b) => op('add', a, b));
  if (k.kind === 'C' && k.value === 0) return l;
  const n = op('add', l, k);
  n.split = true;
  return n;
}

// FIPS 180-4 4.1.2. Ch and Maj as selects: Ch(e,f,g) picks f where e is set, else g;
// Maj(a,b,c) is a where a == b, else c. v128.bitselect does either in one instruction.
const bsig0 = (x) => xor(rotr(x, 2), rotr(x, 13), rotr(x, 22));
const bsig1 = (x) => xor(rotr(x, 6), rotr(x, 11), rotr(x, 25));
const ssig0 = (x) => xor(rotr(x, 7), rotr(x, 18), shr(x, 3));
const ssig1 = (x) => xor(rotr(x, 17), rotr(x, 19), shr(x, 10));
const VARIANT = { ch: process.env.MINE_CH ?? 'sel', maj: process.env.MINE_MAJ ?? 'xor' };
const ch = (e, f, g) => (VARIANT.ch === 'sel' ? op('sel', f, g, e) : xor(g, op('and', e, xor(f, g))));
// The xor form reuses b ^ c, which the previous round computed as its a ^ b (interning
// finds it), so only a ^ b is new.
const maj = (a, b, c) => (VARIANT.maj === 'sel' ? op('sel', c, a, xor(a, b)) : xor(b, op('and', xor(a, b), xor(b, c))));

/** FIPS 180-4 6.2.2: rounds [0, rounds) of one compression; returns the working state. */
function compress(state, w, rounds) {
  const W = [...w];
  let [a, b, c, d, e, f, g, h] = state;
  for (let t = 0; t < rounds; t++) {
    // Each schedule word just before its round: the emitted order is the creation order,
    // and this keeps ~16 words live instead of 48.
    if (t >= 16) W[t] = add(ssig1(W[t - 2]), W[t - 7], ssig0(W[t - 15]), W[t - 16]);
    const t1 = add(h, bsig1(e), ch(e, f, g), C(K[t]), W[t]);
    const t2 = add(bsig0(a), maj(a, b, c));
    h = g;
    g = f;
    f = e;
    e = add(d, t1);
    d = c;
    c = b;
    b = a;
    a = add(t1, t2);
  }
  return [a, b, c, d, e, f, g, h];
}

// First hash, second block (FIPS 180-4 5.1.1 padding of an 80-byte message): header words
// 16..18, the nonce word (big-endian read of the little-endian nonce), 0x80000000, zeros,
// and the bit length 640.
const mid = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => input('J', `m${i}`));
const block2 = [input('J', 'w0'), input('J', 'w1'), input('J', 'w2'), input('L', 'nonceWord'), C(0x80000000)];
while (block2.length < 15) block2.push(C(0));
block2.push(C(640));
const s1 = compress(mid, block2, 64);
const digest1 = s1.map((v, i) => add(mid[i], v));

// Second hash: the 32-byte digest, 0x80000000, zeros, bit length 256, from the IV.
const block3 = [...digest1, C(0x80000000)];
while (block3.length < 15) block3.push(C(0));
block3.push(C(256));
// After round 60 the new e is the final h (it shifts through f, g, h in rounds 61..63),
// so H7 = IV7 + e60: the early-reject word.
const s2 = compress(IV.map(C), block3, 61);
const h7 = add(C(IV[7]), s2[4]);

// ---- liveness and job slots ------------------------------------------------------------

const live = new Set();
(function mark(n) {
  if (n.kind === 'C' || live.has(n.id)) return;
  live.add(n.id);
  n.args.forEach(mark);
})(h7);

const slot = new Map();
for (const n of nodes) {
  if (!live.has(n.id) || n.kind !== 'L') continue;
  for (const a of n.args) if (a.kind === 'J' && !slot.has(a.id)) slot.set(a.id, slot.size);
}

// ---- emitters --------------------------------------------------------------------------

const hex = (v) => `0x${v.toString(16).padStart(8, '0')}`;
let lanesOps = 0;

// One u32 per nonce; the dialects differ only in how they write a rotate and a shift.
const SHIFTS = {
  as: { rotr: (a, k) => `rotr<u32>(${a}, ${k})`, shr: (a, k) => `${a} >>> ${k}` },
  ts: { rotr: (a, k) => `rotr(${a}, ${k})`, shr: (a, k) => `${a} >>> ${k}` },
  wgsl: { rotr: (a, k) => `rotr(${a}, ${k}u)`, shr: (a, k) => `${a} >> ${k}u` },
};

function scalarExpr(n, ref, dialect = 'as') {
  const [a, b, m] = n.args.map(ref);
  switch (n.op) {
    case 'xor': return `${a} ^ ${b}`;
    case 'and': return `${a} & ${b}`;
    case 'or': return `${a} | ${b}`;
    case 'add': return `${a} + ${b}`;
    case 'sel': return `(${a} & ${m}) | (${b} & ~${m})`;
    case 'rotr': return SHIFTS[dialect].rotr(a, n.n);
    case 'shr': return SHIFTS[dialect].shr(a, n.n);
  }
  throw new Error(`no scalar form for ${n.op}`);
}

function vectorExpr(n, ref) {
  const [a, b, m] = n.args.map(ref);
  lanesOps += n.op === 'rotr' ? 3 : 1;
  switch (n.op) {
    case 'xor': return `v128.xor(${a}, ${b})`;
    case 'and': return `v128.and(${a}, ${b})`;
    case 'or': return `v128.or(${a}, ${b})`;
    case 'add': return `i32x4.add(${a}, ${b})`;
    case 'sel': return `v128.bitselect(${a}, ${b}, ${m})`;
    // v128 has no rotate: two shifts and an or.
    case 'rotr': return `v128.or(i32x4.shr_u(${a}, ${n.n}), i32x4.shl(${a}, ${32 - n.n}))`;
    case 'shr': return `i32x4.shr_u(${a}, ${n.n})`;
  }
  throw new Error(`no vector form for ${n.op}`);
}

// prepareJob: every live J value, in creation order (a topological order).
const prep = [];
for (const n of nodes) {
  if (!live.has(n.id) || n.kind !== 'J' || n.op === 'input') continue;
  const ref = (a) => (a.kind === 'C' ? hex(a.value) : a.op === 'input' ? a.name : a.id);
  prep.push(`  const ${n.id}: u32 = ${scalarExpr(n, ref)};`);
}
for (const [id, s] of slot) {
  const n = nodes.find((x) => x.id === id);
  prep.push(`  store<u32>(job, ${n.op === 'input' ? n.name : id}, ${s * 4});`);
}

// The loop that scans groups: job words are loaded once before it (as splatted v128 or u32
// locals, which V8 keeps in registers or stack slots) rather than once per use.
function scanLoop(vector) {
  const out = [];
  const jobName = (id) => `j${slot.get(id)}`;
  for (const [id, s] of slot) {
    out.push(vector ? `  const ${jobName(id)} = v128.load32_splat(job, ${s * 4});` : `  const ${jobName(id)} = load<u32>(job, ${s * 4});`);
  }
  const ref = (a) => {
    if (a.kind === 'C') return vector ? `i32x4.splat(${hex(a.value)})` : hex(a.value);
    if (a.kind === 'J') return jobName(a.id);
    return a.op === 'input' ? 'w3' : a.id;
  };
  const body = [];
  for (const n of nodes) {
    if (!live.has(n.id) || n.kind !== 'L' || n.op === 'input') continue;
    body.push(`    const ${n.id}${vector ? '' : ': u32'} = ${vector ? vectorExpr(n, ref) : scalarExpr(n, ref)};`);
  }
  if (vector) {
    out.push(
      '  const limit = i32x4.splat(top);',
      '  const step = i32x4(0, 1, 2, 3);',
      '  for (let i: u32 = 0; i < groups; i++) {',
      '    const nonces = i32x4.add(i32x4.splat(n + (i << 2)), step);',
      '    const w3 = i8x16.shuffle(nonces, nonces, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);',
      ...body,
      `    const hi = i8x16.shuffle(${h7.id}, ${h7.id}, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);`,
      '    if (v128.any_true(i32x4.le_u(hi, limit))) return i;',
      '  }',
      '  return groups;',
    );
  } else {
    out.push(
      '  for (let i: u32 = 0; i < count; i++) {',
      '    const w3 = bswap<u32>(n + i);',
      ...body,
      `    if (bswap<u32>(${h7.id}) <= top) return i;`,
      '  }',
      '  return count;',
    );
  }
  return out;
}

const vectorBody = scanLoop(true);
const scalarBody = scanLoop(false);

const text = `// GENERATED by scripts/gen-mine.mjs from assembly/sha256/consts.ts. Do not edit.
//
// sha256d of an 80-byte header as a function of its nonce, up to the early-reject word
// H7 = IV7 + e60 of the second hash (${slot.size} job words, ${lanesOps} v128 ops per 4 nonces).
// A nonce is a candidate when bswap(H7), the hash's most significant 32 bits read as
// Bitcoin reads it, is <= top (the target's most significant 32 bits).

/** Words of the job table that prepareJob fills and the scan loops read. */
export const JOB_WORDS: i32 = ${slot.size};

/** Everything that does not depend on the nonce: midstate m0..m7, block-2 words w0..w2. */
// prettier-ignore
@inline
export function prepareJob(job: usize, m0: u32, m1: u32, m2: u32, m3: u32, m4: u32, m5: u32, m6: u32, m7: u32, w0: u32, w1: u32, w2: u32): void {
${prep.join('\n')}
}

/**
 * Scans \`groups\` groups of 4 nonces from n (lane j of group i is nonce n + 4i + j, mod 2^32)
 * and returns the index of the first group with a candidate lane, or \`groups\`.
 */
// prettier-ignore
@inline
export function scanLanes(job: usize, n: u32, groups: u32, top: u32): u32 {
${vectorBody.join('\n')}
}

/** Scans nonces n .. n + count - 1 one at a time; returns the offset of the first candidate, or count. */
// prettier-ignore
@inline
export function scanScalar(job: usize, n: u32, count: u32, top: u32): u32 {
${scalarBody.join('\n')}
}
`;

writeFileSync(process.env.MINE_OUT ?? new URL('assembly/mine/rounds.generated.ts', root), text);
console.log(`assembly/mine/rounds.generated.ts: ${slot.size} job words, ${lanesOps} v128 ops per 4 nonces`);

// ---- the WebGPU kernel (src/gpu) ------------------------------------------------------
// The same graph once more: prepareJob as TypeScript for the host (it runs once per job on
// the CPU), and the per-nonce body as WGSL, one invocation per nonce. WGSL u32 arithmetic
// wraps, as the kernel needs; every per-nonce expression has a runtime operand, so none is
// a constant expression (whose overflow WGSL would refuse).

// JS numbers are not u32: every op but the unsigned shifts is wrapped back with >>> 0.
const tsExpr = (n, ref) => (n.op === 'rotr' || n.op === 'shr' ? scalarExpr(n, ref, 'ts') : `(${scalarExpr(n, ref, 'ts')}) >>> 0`);

const tsPrep = [];
for (const n of nodes) {
  if (!live.has(n.id) || n.kind !== 'J' || n.op === 'input') continue;
  const ref = (a) => (a.kind === 'C' ? hex(a.value) : a.op === 'input' ? a.name : a.id);
  tsPrep.push(`  const ${n.id} = ${tsExpr(n, ref)};`);
}
for (const [id, s] of slot) {
  const n = nodes.find((x) => x.id === id);
  tsPrep.push(`  job[${s}] = ${n.op === 'input' ? n.name : id};`);
}

const wgslBody = [];
for (const [id, s] of slot) wgslBody.push(`  let j${s} = jobs[base + ${s}u];`);
{
  const ref = (a) => {
    if (a.kind === 'C') return `${hex(a.value)}u`;
    if (a.kind === 'J') return `j${slot.get(a.id)}`;
    return a.op === 'input' ? 'w3' : a.id;
  };
  for (const n of nodes) {
    if (!live.has(n.id) || n.kind !== 'L' || n.op === 'input') continue;
    wgslBody.push(`  let ${n.id} = ${scalarExpr(n, ref, 'wgsl')};`);
  }
}

const gpuText = `// GENERATED by scripts/gen-mine.mjs from assembly/sha256/consts.ts. Do not edit.
//
// The WebGPU form of assembly/mine/rounds.generated.ts (the same expression graph): the
// host computes the ${slot.size} nonce-independent job words once per job with prepareJob, and
// the WGSL body computes H7 = IV7 + e60 of the second hash from the nonce word w3.
/* eslint-disable */

/** FIPS 180-4 4.2.2 round constants. */
export const K: readonly number[] = [${K.map(hex).join(', ')}];
/** FIPS 180-4 5.3.3 initial hash value. */
export const IV: readonly number[] = [${IV.map(hex).join(', ')}];

/** Words of the job table that prepareJob fills and the WGSL body reads. */
export const JOB_WORDS = ${slot.size};

const rotr = (x: number, n: number): number => ((x >>> n) | (x << (32 - n))) >>> 0;

/** Everything that does not depend on the nonce, from midstate m0..m7 and block-2 words w0..w2. */
// prettier-ignore
export function prepareJob(job: Uint32Array, m0: number, m1: number, m2: number, m3: number, m4: number, m5: number, m6: number, m7: number, w0: number, w1: number, w2: number): void {
${tsPrep.join('\n')}
}

/**
 * WGSL statements that read the job words at jobs[base ..] and the nonce word w3 (the
 * nonce, byte-swapped) and leave H7 in ${h7.id} (see H7_NAME).
 */
export const SCAN_BODY_WGSL = \`
${wgslBody.join('\n')}
\`;

/** The WGSL name of the early-reject word H7. */
export const H7_NAME = '${h7.id}';
`;

writeFileSync(process.env.MINE_GPU_OUT ?? new URL('src/gpu/kernel.generated.ts', root), gpuText);
console.log(`src/gpu/kernel.generated.ts: ${slot.size} job words, ${wgslBody.length - slot.size} WGSL statements per nonce`);
