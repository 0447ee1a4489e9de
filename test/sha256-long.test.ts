// A long input hashed by streaming (never allocated whole): 100 MiB of a pattern, fed in
// uneven chunks, against node:crypto fed the same chunks.
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSha256, ready, sha256, sha256d } from '../dist/index.js';

beforeAll(() => ready());

describe('sha256 long inputs', () => {
  it('100 MiB streamed in chunks equals node:crypto', () => {
    const chunk = new Uint8Array(1 << 20);
    for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 2654435761) >>> 24;
    const h = createSha256();
    const r = createHash('sha256');
    let total = 0;
    for (let i = 0; total < 100 << 20; i++) {
      const n = Math.min((100 << 20) - total, chunk.length - (i % 61) * 7);
      const part = chunk.subarray(0, n);
      h.update(part);
      r.update(part);
      total += n;
    }
    expect(Buffer.from(h.digest()).toString('hex')).toBe(r.digest('hex'));
  });

  it('one-shot inputs larger than the static I/O region (several chunks)', () => {
    const m = new Uint8Array(3 * 65536 + 17).map((_, i) => i * 7);
    const want = createHash('sha256').update(m).digest();
    expect(Buffer.from(sha256(m))).toEqual(want);
    expect(Buffer.from(sha256d(m))).toEqual(createHash('sha256').update(want).digest());
  });
});
