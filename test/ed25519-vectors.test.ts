// Wycheproof, the SUPERCOP selection and speccheck (test/vectors, see its README), each in
// file order, reversed and shuffled, singly and in batches, on fresh engines with the default
// cache and with a one-slot cache: a verdict must never depend on what was verified before.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadEngine } from '../dist/index.js';
import type { Engine } from '../dist/engine/index.js';
import {
  getPublicKeyWith, setKeyCacheSizeWith, signWith, verifyBatchDetailedWith, verifyBatchWith, verifyWith,
} from '../dist/sig/index.js';
import { prng } from './support/ed25519.js';
import { reference, type Item } from './support/forge.js';

const vector = (name: string) => readFileSync(new URL(`./vectors/${name}`, import.meta.url));
const unhex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

interface Case extends Item { name: string; expected: boolean }

// --- Wycheproof (eddsa_verify_schema_v1): strict RFC 8032 verdicts ---------------------------
interface WyTest { tcId: number; comment: string; flags: string[]; msg: string; sig: string; result: 'valid' | 'invalid' }
const wy = JSON.parse(vector('wycheproof-ed25519.json').toString('utf8')) as { testGroups: { publicKey: { pk: string }; tests: WyTest[] }[] };

/**
 * Where ZIP215 differs from Wycheproof's strict RFC 8032 verdict, and the ZIP215 rule that
 * decides it (https://zips.z.cash/zip-0215). Every other test case keeps its verdict.
 */
const ZIP215_DIFFERS: Record<number, { zip215: boolean; rule: string }> = {
  151: {
    zip215: true,
    rule: 'R is y = 1 with the x sign bit set. ZIP215 decodes A and R without the canonical-encoding ' +
      'checks of RFC 8032 5.1.3 (x = 0 with the sign bit set is accepted as x = 0), so R is the ' +
      'identity, and [8]S B = [8]R + [8]k A holds for this S.',
  },
};

const wyAll = wy.testGroups.flatMap((g) => g.tests.map((t) => ({ ...t, pk: g.publicKey.pk })));
// Signatures that are not 64 bytes (truncated, with garbage appended) cannot be passed at all:
// the API throws on a wrong length (a type error of the caller), checked below.
const wyWrongLength = wyAll.filter((t) => t.sig.length !== 128);
const wycheproof: Case[] = wyAll
  .filter((t) => t.sig.length === 128)
  .map((t) => ({
    name: `Wycheproof tcId ${t.tcId}`,
    signature: unhex(t.sig),
    message: unhex(t.msg),
    publicKey: unhex(t.pk),
    expected: ZIP215_DIFFERS[t.tcId]?.zip215 ?? t.result === 'valid',
  }));

// --- SUPERCOP's sign.input, Go's selection: sk || pk : pk : msg : sig || msg : --------------
const supercopLines = gunzipSync(vector('supercop-ed25519-sign.input.gz')).toString('utf8').split('\n').filter(Boolean);
const supercop = supercopLines.map((line, i) => {
  const [skpk, pk, msg, sigmsg] = line.split(':');
  return {
    name: `SUPERCOP line ${i + 1}`,
    seed: unhex(skpk.slice(0, 64)),
    publicKey: unhex(pk),
    message: unhex(msg),
    signature: unhex(sigmsg.slice(0, 128)),
    expected: true,
    skTail: skpk.slice(64),
    sigTail: sigmsg.slice(128),
  };
});

// --- speccheck (Chalkias, Garillot, Nikolaenko 2020): 12 edge cases -------------------------
const spec = JSON.parse(vector('speccheck-cases.json').toString('utf8')) as { message: string; pub_key: string; signature: string }[];
// The ZIP215 column of speccheck's table (ed25519-zebra): rejected only for S >= L (6, 7) and
// for case 8, whose challenge was computed over the reduced R, not over R as given.
const SPEC_ZIP215 = [true, true, true, true, true, true, false, false, false, true, true, true];
const speccheck: Case[] = spec.map((c, i) => ({
  name: `speccheck case ${i}`,
  signature: unhex(c.signature),
  message: unhex(c.message),
  publicKey: unhex(c.pub_key),
  expected: SPEC_ZIP215[i],
}));

function shuffled<T>(xs: T[], seed: number): T[] {
  const rnd = prng(seed);
  const out = xs.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = rnd(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const orders = <T>(xs: T[]): [string, T[]][] => [
  ['file order', xs],
  ['reversed', xs.slice().reverse()],
  ['shuffled', shuffled(xs, 0x5eed)],
];

const verify = (e: Engine, x: Item) => verifyWith(e, x.signature, x.message, x.publicKey);

// Singles, then batches (whole, chunked, each case beside accepted ones), then singles again
// on the now warm cache.
function runAll(e: Engine, cases: Case[]): void {
  const want = cases.map((c) => c.expected);
  const named = (got: boolean[]) => cases.filter((_, i) => got[i] !== want[i]).map((c) => c.name);
  expect(named(cases.map((c) => verify(e, c)))).toEqual([]);
  expect(named(verifyBatchDetailedWith(e, cases))).toEqual([]);
  expect(verifyBatchWith(e, cases)).toBe(want.every(Boolean));
  const accepted = cases.filter((c) => c.expected);
  expect(verifyBatchWith(e, accepted)).toBe(true);
  for (let i = 0; i < cases.length; i += 7) {
    const chunk = cases.slice(i, i + 7);
    expect(verifyBatchDetailedWith(e, chunk), chunk[0].name).toEqual(chunk.map((c) => c.expected));
    expect(verifyBatchWith(e, chunk)).toBe(chunk.every((c) => c.expected));
  }
  for (const c of cases.filter((x) => !x.expected)) {
    expect(verifyBatchWith(e, [accepted[0], c, accepted[accepted.length - 1]]), c.name).toBe(false);
    expect(verifyBatchDetailedWith(e, [c, ...accepted.slice(0, 3), c]), c.name).toEqual([false, true, true, true, false]);
  }
  expect(named(cases.map((c) => verify(e, c)))).toEqual([]);
}

const sets: [string, Case[]][] = [
  ['Wycheproof', wycheproof],
  ['SUPERCOP', supercop],
  ['speccheck', speccheck],
];

describe('ed25519 vectors: sets and expected verdicts', () => {
  let signer: Engine;
  beforeAll(async () => {
    signer = await loadEngine();
  });

  it('Wycheproof: 151 cases, 12 of the wrong length throw, ZIP215 differs from strict RFC 8032 only in the listed cases', () => {
    expect(wyAll.length).toBe(151);
    expect(wyWrongLength.map((t) => t.tcId)).toEqual([30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41]);
    for (const t of wyWrongLength) {
      expect(t.result).toBe('invalid');
      expect(() => verifyWith(signer, unhex(t.sig), unhex(t.msg), unhex(t.pk))).toThrow(/signature must be 64 bytes/);
    }
    // the reference verifier (no cache, zip215: true) agrees with every expected verdict
    const differs = wycheproof.filter((c) => reference(c) !== c.expected).map((c) => c.name);
    expect(differs).toEqual([]);
    const strict = wyAll.filter((t) => t.sig.length === 128 && (t.result === 'valid') !== (ZIP215_DIFFERS[t.tcId]?.zip215 ?? t.result === 'valid'));
    expect(strict.map((t) => t.tcId)).toEqual(Object.keys(ZIP215_DIFFERS).map(Number));
    expect(wycheproof.filter((c) => c.expected).length).toBe(89);
  });

  it('SUPERCOP: keys and signatures byte-identical to ours, every signature verifies', () => {
    expect(supercop.length).toBeGreaterThanOrEqual(128);
    for (const c of supercop) {
      expect(c.skTail, c.name).toBe(hex(c.publicKey));
      expect(c.sigTail, c.name).toBe(hex(c.message));
      expect(hex(getPublicKeyWith(signer, c.seed)), c.name).toBe(hex(c.publicKey));
      expect(hex(signWith(signer, c.message, c.seed)), c.name).toBe(hex(c.signature));
    }
  });

  it('speccheck: the ZIP215 column agrees with the reference verifier', () => {
    expect(speccheck.map(reference)).toEqual(SPEC_ZIP215);
  });
});

describe('ed25519 vectors: every order, singly and in batches, fresh engines', () => {
  for (const backend of ['simd', 'scalar'] as const) {
    for (const cache of ['default', 1] as const) {
      for (const [set, cases] of sets) {
        for (const [order, xs] of orders(cases)) {
          it(`${set}, ${order}, ${backend}, cache ${cache}`, async () => {
            const e = await loadEngine({ backend });
            if (cache !== 'default') setKeyCacheSizeWith(e, cache);
            runAll(e, xs);
          });
        }
      }
    }
  }
});
