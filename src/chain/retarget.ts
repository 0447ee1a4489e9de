// Difficulty retargeting as small pure functions over the params (Bitcoin Core pow.cpp
// style).
//
// The seed's rule T_next = T_current x target_time / actual_time is stated for the
// difficulty T (blocks too fast -> harder). On the 256-bit target threshold, which is what
// `bits` encodes, the same rule reads target_next = target x actual / expected. The
// measured timespan is clamped to [expected / clamp, expected x clamp] first, and the
// result is capped at powLimit.
//
// Unlike Bitcoin (which measures interval-1 spacings over an interval of blocks), the
// expected time uses exactly the number of spacings measured, so a chain mined exactly on
// schedule keeps its target.
import { bitsToTarget, targetToBits } from '../pow/index.js';
import type { ChainParams } from './params.js';

export type RetargetParams = Pick<ChainParams, 'powLimit' | 'retargetClamp' | 'targetBlockTime' | 'retargetInterval' | 'genesisBits' | 'medianTimeSpan'> &
  Partial<Pick<ChainParams, 'powNoRetargeting'>>;

/** What the retarget rule needs to know about a block. */
export interface HeaderInfo {
  height: number;
  time: number;
  bits: number;
}

/** target x clamp(actual) / expected, capped at powLimit and at least 1. */
export function retargetTarget(current: bigint, actualTimespan: number, expectedTimespan: number, params: Pick<ChainParams, 'powLimit' | 'retargetClamp'>): bigint {
  const expected = BigInt(expectedTimespan);
  const clamp = BigInt(params.retargetClamp);
  let actual = BigInt(Math.trunc(actualTimespan));
  const lo = expected / clamp;
  const hi = expected * clamp;
  if (actual < lo) actual = lo;
  if (actual > hi) actual = hi;
  if (actual < 1n) actual = 1n;
  let next = (current * actual) / expected;
  if (next > params.powLimit) next = params.powLimit;
  if (next < 1n) next = 1n;
  return next;
}

/** True when the block at `height` starts a new retarget window. */
export function isRetargetHeight(height: number, params: Pick<ChainParams, 'retargetInterval'>): boolean {
  return height > 1 && height % params.retargetInterval === 0;
}

/**
 * The bits the block after `parent` must carry. `ancestor(h)` returns the header info of
 * the parent's ancestor at height h (same branch).
 */
export function nextBits(parent: HeaderInfo, ancestor: (height: number) => HeaderInfo, params: RetargetParams): number {
  const height = parent.height + 1;
  // Bitcoin Core pow.cpp GetNextWorkRequired: with fPowNoRetargeting the parent's bits carry on.
  if (params.powNoRetargeting || !isRetargetHeight(height, params)) return parent.bits;
  // Spacings measured: from the block `retargetInterval` before the parent (or genesis).
  const spans = Math.min(params.retargetInterval, parent.height);
  const first = ancestor(parent.height - spans);
  const actual = parent.time - first.time;
  const next = retargetTarget(bitsToTarget(parent.bits), actual, spans * params.targetBlockTime, params);
  return targetToBits(next);
}

/** Median of the last `medianTimeSpan` block times ending at `tip` (Bitcoin GetMedianTimePast). */
export function medianTimePast(tip: HeaderInfo, ancestor: (height: number) => HeaderInfo, params: Pick<ChainParams, 'medianTimeSpan'>): number {
  const times: number[] = [];
  for (let h = tip.height; h >= 0 && times.length < params.medianTimeSpan; h--) times.push(h === tip.height ? tip.time : ancestor(h).time);
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
