// The state root against its written definition (state-root.ts header), computed here from
// scratch with node:crypto over every entry: the incremental tree, its caches and its
// batching must give exactly that root after any history of writes, deletes, reverts and
// undos, including buckets that hold many keys.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../dist/index.js';
import * as C from '../dist/chain/index.js';

beforeAll(async () => {
  await ready();
});

const DEPTH = 16;
const sha = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());
const bytesOf = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

function compactSize(n: number): number[] {
  if (n < 0xfd) return [n];
  if (n <= 0xffff) return [0xfd, n & 255, n >> 8];
  return [0xfe, n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24];
}

/** The definition: 2^16 buckets by the first 16 bits of sha256(key), leaves over the sorted entries, zero-pruned inner nodes. */
function referenceRoot(entries: Iterable<[string, Uint8Array]>): string {
  const buckets = new Map<number, [string, Uint8Array][]>();
  for (const [k, v] of entries) {
    const h = sha(bytesOf(k));
    const b = (h[0]! << 8) | h[1]!;
    let l = buckets.get(b);
    if (!l) buckets.set(b, (l = []));
    l.push([k, v]);
  }
  let level = new Map<number, Uint8Array>();
  for (const [b, list] of buckets) {
    list.sort((x, y) => (x[0] < y[0] ? -1 : 1));
    const parts: number[] = [0];
    for (const [k, v] of list) parts.push(...compactSize(k.length), ...bytesOf(k), ...compactSize(v.length), ...v);
    level.set(b, sha(Uint8Array.from(parts)));
  }
  for (let d = DEPTH - 1; d >= 0; d--) {
    const up = new Map<number, Uint8Array>();
    for (const p of new Set([...level.keys()].map((i) => i >> 1))) {
      const msg = new Uint8Array(65);
      msg[0] = 1;
      msg.set(level.get(2 * p) ?? new Uint8Array(32), 1);
      msg.set(level.get(2 * p + 1) ?? new Uint8Array(32), 33);
      up.set(p, sha(msg));
    }
    level = up;
  }
  return C.toHex(level.get(0) ?? new Uint8Array(32));
}

// Few namespaces and short keys, so that 3,000 live keys crowd some buckets with several entries.
const arbKey = fc.tuple(fc.constantFrom('a', 'bank', 'staking'), fc.integer({ min: 0, max: 3000 })).map(([ns, i]) => `${ns}/${String.fromCharCode(i >> 8, i & 255)}k`);
const arbValue = fc.oneof(fc.constant(undefined), fc.uint8Array({ minLength: 0, maxLength: 300 }));
const arbOp = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('set' as const), key: arbKey, value: arbValue }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('begin' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('end' as const), keep: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('root' as const) }) },
);

describe('state root', () => {
  it('an empty state has the zero root; one entry has the root of its definition', () => {
    const s = new C.JournaledState();
    expect(C.toHex(s.root())).toBe('00'.repeat(32));
    s.set('bank/x', new Uint8Array([1, 2, 3]));
    expect(C.toHex(s.root())).toBe(referenceRoot(s.entries()));
    s.set('bank/x', undefined);
    expect(C.toHex(s.root())).toBe('00'.repeat(32));
  });

  it('the format is pinned: 5,000 keys give the root computed when it was defined', () => {
    const s = new C.JournaledState();
    for (let i = 0; i < 5000; i++) s.set(`bank/${i}`, bytesOf(`bank/${i}`));
    expect(C.toHex(s.root())).toBe('14cd26d206d0f5b9265f7cd009a66093cfc04cd51086ea1681bb42cd0c465be3');
  });

  it('a bucket with many keys: the leaf covers them all in key order, whatever the write order', () => {
    // 40,000 keys put ~0.6 of them in shared buckets; writing them shuffled must give one root.
    const a = new C.JournaledState();
    const b = new C.JournaledState();
    const keys = Array.from({ length: 40_000 }, (_, i) => `bank/${i}`);
    for (const k of keys) a.set(k, bytesOf(k));
    a.root();
    for (let i = keys.length - 1; i >= 0; i--) b.set(keys[i]!, bytesOf(keys[i]!));
    expect(C.toHex(a.root())).toBe(C.toHex(b.root()));
    expect(C.toHex(a.root())).toBe(referenceRoot(a.entries()));
    // change and delete a few among many, with roots taken in between
    for (let i = 0; i < keys.length; i += 997) a.set(keys[i]!, i % 2 ? undefined : new Uint8Array([i & 255]));
    expect(C.toHex(a.root())).toBe(referenceRoot(a.entries()));
  });

  it('random writes, deletes, nested frames kept or reverted, roots taken at random points (fast-check, vs the definition)', () => {
    fc.assert(
      fc.property(fc.array(arbOp, { minLength: 1, maxLength: 400 }), fc.array(fc.tuple(arbKey, fc.uint8Array({ maxLength: 40 })), { maxLength: 2500 }), (ops, preload) => {
        const s = new C.JournaledState();
        for (const [k, v] of preload) s.set(k, v);
        s.root();
        let depth = 0;
        s.begin();
        for (const o of ops) {
          if (o.op === 'set') s.set(o.key, o.value);
          else if (o.op === 'begin') {
            s.begin();
            depth++;
          } else if (o.op === 'end' && depth > 0) {
            if (o.keep) s.commit();
            else s.revert();
            depth--;
          } else if (o.op === 'root') s.root();
        }
        while (depth-- > 0) s.commit();
        const mid = C.toHex(s.root());
        expect(mid).toBe(referenceRoot(s.entries()));
        // the block's undo puts back the preloaded state and its root
        const undo = s.commitBlock();
        s.undo(undo);
        const back = new C.JournaledState();
        for (const [k, v] of preload) back.set(k, v);
        expect(C.toHex(s.root())).toBe(C.toHex(back.root()));
        expect(C.toHex(s.root())).toBe(referenceRoot(s.entries()));
      }),
      { numRuns: 40 },
    );
  });
});
