// The Bitcoin merkle root, in place: each level's parents overwrite the front of the same
// buffer (parent q is written to node q after the group that reads nodes 2q, 2q+1 has
// loaded them; later groups read only nodes >= 2q + 2). Four pairs per lane group.
import { lanesCompress, lanesInit, lanesPad64, lanesRehash32, lanesStore } from "./simd";

// The odd node duplicated next to itself (Bitcoin: an odd level repeats its last node), and
// the sink for idle lanes.
const DUP: usize = memory.data(64, 16);
const SINK: usize = memory.data(32, 16);

/** n >= 1 nodes of 32 bytes at nodes (internal byte order); the root ends up in node 0. */
export function merkle(nodes: usize, n: usize): void {
  let count = n;
  while (count > 1) {
    const pairs = (count + 1) >> 1;
    if (count & 1) {
      memory.copy(DUP, nodes + ((count - 1) << 5), 32);
      memory.copy(DUP + 32, DUP, 32);
    }
    for (let q: usize = 0; q < pairs; q += 4) {
      const live = min<usize>(pairs - q, 4);
      lanesInit();
      lanesCompress(pairInput(nodes, q, count), pairInput(nodes, q + 1, count), pairInput(nodes, q + 2, count), pairInput(nodes, q + 3, count));
      lanesPad64();
      lanesRehash32();
      const o = nodes + (q << 5);
      lanesStore(o, live > 1 ? o + 32 : SINK, live > 2 ? o + 64 : SINK, live > 3 ? o + 96 : SINK);
    }
    count = pairs;
  }
}

/** The 64 bytes hashed for parent q: nodes 2q and 2q+1, or the duplicated odd node. */
@inline function pairInput(nodes: usize, q: usize, count: usize): usize {
  const left = q << 1;
  if (left + 1 < count) return nodes + (left << 5);
  return DUP; // the odd last pair, or an idle lane (its digest goes to SINK)
}
