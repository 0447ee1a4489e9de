// A plain (rolled) scalar SHA-256 compression for the per-job and per-survivor work of the
// scanner: the midstate of the header's first 64 bytes, and the full sha256d of a nonce
// that passed the early reject. The per-nonce hot path is rounds.generated.ts.
import { K, IV0, IV1, IV2, IV3, IV4, IV5, IV6, IV7 } from "../sha256/consts";

const W = memory.data(64 * 4, 16);

/** Loads the SHA-256 initial hash value (FIPS 180-4 5.3.3) into 8 words at `state`. */
export function initState(state: usize): void {
  store<u32>(state, IV0, 0);
  store<u32>(state, IV1, 4);
  store<u32>(state, IV2, 8);
  store<u32>(state, IV3, 12);
  store<u32>(state, IV4, 16);
  store<u32>(state, IV5, 20);
  store<u32>(state, IV6, 24);
  store<u32>(state, IV7, 28);
}

/** FIPS 180-4 6.2.2: compresses 16 message words at `words` (host order u32s) into `state`. */
export function compressWords(state: usize, words: usize): void {
  for (let t = 0; t < 16; t++) store<u32>(W + (t << 2), load<u32>(words + (t << 2)));
  for (let t = 16; t < 64; t++) {
    const w15 = load<u32>(W + ((t - 15) << 2));
    const w2 = load<u32>(W + ((t - 2) << 2));
    const s0 = rotr<u32>(w15, 7) ^ rotr<u32>(w15, 18) ^ (w15 >>> 3);
    const s1 = rotr<u32>(w2, 17) ^ rotr<u32>(w2, 19) ^ (w2 >>> 10);
    store<u32>(W + (t << 2), s1 + load<u32>(W + ((t - 7) << 2)) + s0 + load<u32>(W + ((t - 16) << 2)));
  }
  let a = load<u32>(state, 0);
  let b = load<u32>(state, 4);
  let c = load<u32>(state, 8);
  let d = load<u32>(state, 12);
  let e = load<u32>(state, 16);
  let f = load<u32>(state, 20);
  let g = load<u32>(state, 24);
  let h = load<u32>(state, 28);
  for (let t = 0; t < 64; t++) {
    const t1 = h + (rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25)) + ((e & f) ^ (~e & g)) +
      unchecked(K[t]) + load<u32>(W + (t << 2));
    const t2 = (rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  store<u32>(state, load<u32>(state, 0) + a, 0);
  store<u32>(state, load<u32>(state, 4) + b, 4);
  store<u32>(state, load<u32>(state, 8) + c, 8);
  store<u32>(state, load<u32>(state, 12) + d, 12);
  store<u32>(state, load<u32>(state, 16) + e, 16);
  store<u32>(state, load<u32>(state, 20) + f, 20);
  store<u32>(state, load<u32>(state, 24) + g, 24);
  store<u32>(state, load<u32>(state, 28) + h, 28);
}
