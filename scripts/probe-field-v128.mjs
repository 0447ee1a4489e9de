// Field-representation probe (issue 4: "choose the limb representation by measurement").
// Builds a throwaway module with the scalar radix-2^25.5 fe_mul of assembly/ed25519 and a
// 2-way v128 variant (two elements interleaved, i64x2.extmul_low_i32x4_s = two 32x32->64
// products per instruction), checks they agree, and times both per multiplication.
// Run: node scripts/probe-field-v128.mjs   (nothing here is part of the product)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const dir = mkdtempSync(join(tmpdir(), 'fe-probe-'));
const fm = readFileSync('assembly/ed25519/field_mul.ts', 'utf8');
let out = fm.replace(/^\/\/.*\n/gm, '');
// 2-way: A and B interleaved: limb i of A at 8i, of B at 8i+4.
const L = [];
L.push('export function fe_mul2(h: usize, f: usize, g: usize): void {');
for (let i = 0; i < 10; i++) L.push(`  const f${i} = v128.load64_zero(f + ${8 * i});`);
for (let i = 0; i < 10; i++) L.push(`  const g${i} = v128.load64_zero(g + ${8 * i});`);
for (const i of [1, 3, 5, 7, 9]) L.push(`  const f${i}_2 = i32x4.shl(f${i}, 1);`);
for (let k = 0; k < 10; k++) {
  const lo = [], hi = [];
  for (let i = 0; i < 10; i++) {
    const j = (k - i + 10) % 10;
    const fi = i % 2 && j % 2 ? `f${i}_2` : `f${i}`;
    (i + j >= 10 ? hi : lo).push(`i64x2.extmul_low_i32x4_s(${fi}, g${j})`);
  }
  const sum = (a) => a.reduce((x, y) => `i64x2.add(${x}, ${y})`);
  L.push(`  let h${k} = ${sum(lo)};`);
  if (hi.length) {
    L.push(`  { const t = ${sum(hi)}; h${k} = i64x2.add(h${k}, i64x2.add(i64x2.add(i64x2.shl(t, 4), i64x2.shl(t, 1)), t)); }`);
  }
}
const M26 = 'i64x2.splat(0x3ffffff)', M25 = 'i64x2.splat(0x1ffffff)';
const c = (a, b, w) => `  c = i64x2.shr_s(h${a}, ${w}); h${b} = i64x2.add(h${b}, c); h${a} = v128.and(h${a}, ${w === 26 ? M26 : M25});`;
L.push('  let c: v128;');
for (const [a, b, w] of [[0, 1, 26], [4, 5, 26], [1, 2, 25], [5, 6, 25], [2, 3, 26], [6, 7, 26], [3, 4, 25], [7, 8, 25], [4, 5, 26], [8, 9, 26]]) L.push(c(a, b, w));
L.push(`  c = i64x2.shr_s(h9, 25); h0 = i64x2.add(h0, i64x2.add(i64x2.add(i64x2.shl(c, 4), i64x2.shl(c, 1)), c)); h9 = v128.and(h9, ${M25});`);
L.push(c(0, 1, 26));
for (let k = 0; k < 10; k++) L.push(`  v128.store64_lane(h + ${8 * k}, i32x4.shuffle(h${k}, h${k}, 0, 2, 0, 2), 0);`);
L.push('}');
out += '\n' + L.join('\n') + `
export function bench_scalar(n: i32, a: usize, b: usize): void {
  for (let i = 0; i < n; i++) { fe_mul(a, a, b); fe_mul(a + 40, a + 40, b + 40); }
}
export function bench_simd(n: i32, a: usize, b: usize): void {
  for (let i = 0; i < n; i++) fe_mul2(a, a, b);
}
export function heapBase(): usize { return __heap_base; }
`;
writeFileSync(join(dir, 'probe.ts'), out);
execFileSync('npx', ['asc', join(dir, 'probe.ts'), '--runtime', 'stub', '--use', 'abort=', '--noAssert', '-O3', '--enable', 'simd', '-o', join(dir, 'probe.wasm')], { stdio: 'inherit' });

const x = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(join(dir, 'probe.wasm'))), {}).exports;
const base = (x.heapBase() + 63) & ~63;
const i32 = () => new Int32Array(x.memory.buffer);
const A = base, B = base + 128, C = base + 256, D = base + 384; // scalar A|A' and B|B'; interleaved C, D
const rnd = (w) => Math.floor(Math.random() * 2 ** w);
const W = [26, 25, 26, 25, 26, 25, 26, 25, 26, 25];
const m = i32();
for (let e = 0; e < 2; e++) for (let k = 0; k < 10; k++) {
  const a = rnd(W[k]), b = rnd(W[k]);
  m[(A >> 2) + 10 * e + k] = a; m[(B >> 2) + 10 * e + k] = b;
  m[(C >> 2) + 2 * k + e] = a; m[(D >> 2) + 2 * k + e] = b;
}
x.bench_scalar(1, A, B); x.bench_simd(1, C, D);
let same = true;
for (let e = 0; e < 2; e++) for (let k = 0; k < 10; k++) if (i32()[(A >> 2) + 10 * e + k] !== i32()[(C >> 2) + 2 * k + e]) same = false;
console.log('same results', same);
const N = 1000000;
for (let r = 0; r < 5; r++) {
  let t = performance.now(); x.bench_scalar(N, A, B); const ts = performance.now() - t;
  t = performance.now(); x.bench_simd(N, C, D); const tv = performance.now() - t;
  console.log(`scalar ${(ts * 1e6 / (2 * N)).toFixed(1)} ns/mul   v128 2-way ${(tv * 1e6 / (2 * N)).toFixed(1)} ns/mul   ratio ${(ts / tv).toFixed(2)}`);
}
