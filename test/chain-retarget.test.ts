import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../dist/index.js';
import * as C from '../dist/chain/index.js';
import { bitsToTarget, targetToBits } from '../dist/pow/index.js';

beforeAll(async () => {
  await ready();
});

const P = { powLimit: (1n << 255n) - 1n, retargetClamp: 4 };

describe('retargetTarget (target x clamp(actual) / expected)', () => {
  it('keeps the target when blocks come on schedule', () => {
    expect(C.retargetTarget(1000n, 600, 600, P)).toBe(1000n);
  });
  it('halves the target (doubles difficulty) when blocks come twice as fast', () => {
    expect(C.retargetTarget(1000n, 300, 600, P)).toBe(500n);
  });
  it('raises the target when blocks are slow: 1000 x 900 / 600 = 1500', () => {
    expect(C.retargetTarget(1000n, 900, 600, P)).toBe(1500n);
  });
  it('rounds down like integer division: 1000 x 601 / 600 = 1001', () => {
    expect(C.retargetTarget(1000n, 601, 600, P)).toBe(1001n);
  });
  it('clamps fast windows to expected / 4', () => {
    expect(C.retargetTarget(1000n, 1, 600, P)).toBe(250n);
    expect(C.retargetTarget(1000n, -50, 600, P)).toBe(250n);
  });
  it('clamps slow windows to expected x 4', () => {
    expect(C.retargetTarget(1000n, 100_000, 600, P)).toBe(4000n);
  });
  it('uses the configured clamp', () => {
    expect(C.retargetTarget(1000n, 100_000, 600, { ...P, retargetClamp: 2 })).toBe(2000n);
  });
  it('caps at powLimit', () => {
    expect(C.retargetTarget(P.powLimit, 2400, 600, P)).toBe(P.powLimit);
  });
  it('on Bitcoin-style compact bits: 1d00ffff twice as fast -> 1c7fff80', () => {
    // 0x00ffff * 256^26 / 2 = 0x7fff80 * 256^25
    const next = C.retargetTarget(bitsToTarget(0x1d00ffff), 604_800, 1_209_600, { powLimit: bitsToTarget(0x1d00ffff), retargetClamp: 4 });
    expect(targetToBits(next).toString(16)).toBe('1c7fff80');
  });
});

describe('nextBits over a header history', () => {
  const params = C.defineParams(C.regtestParams, { genesisBits: 0x1f00ffff, powLimit: bitsToTarget(0x207fffff), retargetInterval: 10, targetBlockTime: 10, powNoRetargeting: false });
  const chainOf = (spacings: number[]) => {
    const hs: C.HeaderInfo[] = [{ height: 0, time: 1000, bits: params.genesisBits }];
    for (const s of spacings) hs.push({ height: hs.length, time: hs[hs.length - 1].time + s, bits: params.genesisBits });
    return hs;
  };
  it('does not retarget between windows', () => {
    const hs = chainOf([1, 1, 1]);
    expect(C.nextBits(hs[3], (h) => hs[h], params)).toBe(params.genesisBits);
  });
  it('at height 10 measures 9 spacings from genesis (on schedule: unchanged)', () => {
    const hs = chainOf(Array(9).fill(10));
    expect(C.nextBits(hs[9], (h) => hs[h], params)).toBe(params.genesisBits);
  });
  it('at height 10, blocks twice as fast halve the target', () => {
    const hs = chainOf(Array(9).fill(5));
    const expected = targetToBits(bitsToTarget(0x1f00ffff) / 2n);
    expect(C.nextBits(hs[9], (h) => hs[h], params)).toBe(expected);
  });
  it('at height 20 measures 10 spacings; a slow window (x10) is clamped to x4', () => {
    const hs = chainOf([...Array(9).fill(10), ...Array(10).fill(100)]);
    const expected = targetToBits(bitsToTarget(0x1f00ffff) * 4n);
    expect(C.nextBits(hs[19], (h) => hs[h], params)).toBe(expected);
  });
  it('with powNoRetargeting (regtest) the bits never change, however fast the blocks', () => {
    const fixed = C.defineParams(params, { powNoRetargeting: true });
    const hs = chainOf(Array(219).fill(1));
    for (const h of [9, 19, 99, 218]) expect(C.nextBits(hs[h], (i) => hs[i], fixed)).toBe(params.genesisBits);
    expect(C.nextBits(hs[9], (i) => hs[i], params)).not.toBe(params.genesisBits);
    expect(C.regtestParams.powNoRetargeting).toBe(true);
    expect(C.devnetParams.powNoRetargeting).toBe(false);
  });
  it('medianTimePast is the median of the last 11 times', () => {
    const hs = chainOf([5, 1, 9, 2, 8, 3, 7, 4, 6, 5, 1, 1]);
    const last = hs[hs.length - 1];
    const times = hs.slice(-11).map((h) => h.time).sort((a, b) => a - b);
    expect(C.medianTimePast(last, (h) => hs[h], params)).toBe(times[5]);
  });
});

describe('params', () => {
  it('halves the subsidy every halvingInterval blocks', () => {
    const p = { blockReward: 5000n, halvingInterval: 100 };
    expect(C.blockSubsidy(0, p)).toBe(5000n);
    expect(C.blockSubsidy(99, p)).toBe(5000n);
    expect(C.blockSubsidy(100, p)).toBe(2500n);
    expect(C.blockSubsidy(250, p)).toBe(1250n);
    expect(C.blockSubsidy(6400, p)).toBe(0n);
  });
  it('devnet bits expect about 4 M hashes a block', () => {
    const expectedHashes = (1n << 256n) / bitsToTarget(C.devnetParams.genesisBits);
    expect(Number(expectedHashes)).toBeGreaterThan(3.9e6);
    expect(Number(expectedHashes)).toBeLessThan(4.1e6);
    expect(C.devnetParams.targetBlockTime).toBe(1);
  });
  it('rejects inconsistent params with ChainError(bad-params)', () => {
    expect(() => C.defineParams(C.regtestParams, { genesisBits: 0x2100ffff })).toThrow(/bad-params/);
    expect(() => C.defineParams(C.regtestParams, { retargetClamp: 0 })).toThrow(C.ChainError);
    expect(() => C.defineParams(C.regtestParams, { decimals: 19 })).toThrow(/decimals/);
    expect(() => C.defineParams(C.regtestParams, { coinName: '' })).toThrow(/coinName/);
  });
  it('names the coin and its 8 decimals', () => {
    expect([C.devnetParams.coinName, C.devnetParams.decimals]).toEqual(['HLN', 8]);
    expect(C.regtestParams.decimals).toBe(8);
  });
});
