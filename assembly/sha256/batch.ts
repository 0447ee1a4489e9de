// N equal-length messages, four at a time through the lanes (simd.ts). A short last group
// fills its idle lanes with the group's first message and writes them to a scratch digest.
import { lanesCompress, lanesInit, lanesPad64, lanesStore } from "./simd";

// Four padded tails of up to two blocks each, and the sink for idle lanes.
const TAILS: usize = memory.data(4 * 128, 16);
const SINK: usize = memory.data(32, 16);

/** Hashes n messages of len bytes each, contiguous at msgs; digest i goes to out + 32i. */
export function batch(msgs: usize, n: usize, len: usize, out: usize): void {
  if (n == 0) return;
  const full = len >> 6;
  const rem = len & 63;
  // FIPS 180-4 5.1.1: the 0x80 marker, zeros and the bit length are the same for every
  // message, so the tails are prepared once; each group only copies its rem message bytes.
  const tailBlocks: usize = rem < 56 ? 1 : 2;
  if (len != 64) {
    for (let j: usize = 0; j < 4; j++) {
      const t = TAILS + (j << 7);
      memory.fill(t, 0, 128);
      store<u8>(t + rem, 0x80);
      store<u64>(t + (tailBlocks << 6) - 8, bswap<u64>(<u64>len << 3));
    }
  }
  for (let g: usize = 0; g < n; g += 4) {
    const live = min<usize>(n - g, 4);
    const p0 = msgs + g * len;
    const p1 = live > 1 ? p0 + len : p0;
    const p2 = live > 2 ? p0 + 2 * len : p0;
    const p3 = live > 3 ? p0 + 3 * len : p0;
    const o0 = out + (g << 5);
    lanesInit();
    for (let b: usize = 0; b < full; b++) {
      const off = b << 6;
      lanesCompress(p0 + off, p1 + off, p2 + off, p3 + off);
    }
    if (len == 64) {
      lanesPad64();
    } else {
      const off = full << 6;
      if (rem != 0) {
        memory.copy(TAILS, p0 + off, rem);
        memory.copy(TAILS + 128, p1 + off, rem);
        memory.copy(TAILS + 256, p2 + off, rem);
        memory.copy(TAILS + 384, p3 + off, rem);
      }
      lanesCompress(TAILS, TAILS + 128, TAILS + 256, TAILS + 384);
      if (tailBlocks == 2) lanesCompress(TAILS + 64, TAILS + 192, TAILS + 320, TAILS + 448);
    }
    lanesStore(o0, live > 1 ? o0 + 32 : SINK, live > 2 ? o0 + 64 : SINK, live > 3 ? o0 + 96 : SINK);
  }
}
