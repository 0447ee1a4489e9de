// Exports of the mine kernels (see assembly/index.ts): the sha256d nonce scanner for an
// 80-byte Bitcoin header.
//
//   mine_setup(header, target)  once per job: midstate, nonce-independent words, target
//   mine_scan(start, count)     scans nonces [start, start + count mod 2^32); 1 if found
//   mine_found()                the nonce of the last successful scan
//   mine_hash(nonce, out)       sha256d(header with nonce), 32 bytes in internal order
//
// The header is read as bytes (Bitcoin wire layout); the target is 32 bytes little-endian
// (the byte order in which Bitcoin compares a hash as a 256-bit number).
import { IV0, IV1, IV2, IV3, IV4, IV5, IV6, IV7 } from "../sha256/consts";
import { compress } from "../sha256/compress.gen";
import { hashD } from "../sha256/scalar";
import { JOB_WORDS, prepareJob, scanLanes, scanScalar } from "./rounds.generated";

const HEADER = memory.data(80, 16); // the job's header bytes; the nonce field is rewritten per check
const MID = memory.data(8 * 4, 16); // midstate after the first 64 bytes
const TARGET = memory.data(8 * 4, 16); // target limbs, least significant first
const JOB = memory.data(JOB_WORDS * 4, 16);
const DIGEST = memory.data(32, 16);

let foundNonce: u32 = 0;

export function mine_setup(header: usize, target: usize): void {
  memory.copy(HEADER, header, 80);
  memory.copy(TARGET, target, 32);
  // FIPS 180-4 5.3.3 initial hash value, then the header's first block.
  store<u32>(MID, IV0, 0);
  store<u32>(MID, IV1, 4);
  store<u32>(MID, IV2, 8);
  store<u32>(MID, IV3, 12);
  store<u32>(MID, IV4, 16);
  store<u32>(MID, IV5, 20);
  store<u32>(MID, IV6, 24);
  store<u32>(MID, IV7, 28);
  compress(MID, HEADER);
  prepareJob(
    JOB,
    load<u32>(MID, 0), load<u32>(MID, 4), load<u32>(MID, 8), load<u32>(MID, 12),
    load<u32>(MID, 16), load<u32>(MID, 20), load<u32>(MID, 24), load<u32>(MID, 28),
    // Block-2 words 0..2: header bytes 64..75 read big-endian (FIPS 180-4 3.1).
    bswap<u32>(load<u32>(HEADER, 64)), bswap<u32>(load<u32>(HEADER, 68)), bswap<u32>(load<u32>(HEADER, 72)),
  );
}

/** sha256d of the header with `nonce` into DIGEST (internal byte order). */
function sha256d(nonce: u32): void {
  store<u32>(HEADER, nonce, 76);
  hashD(HEADER, 80, DIGEST);
}

/** hash <= target, both read as little-endian 256-bit numbers (Bitcoin's CheckProofOfWork). */
function meetsTarget(nonce: u32): bool {
  sha256d(nonce);
  for (let i = 7; i >= 0; i--) {
    const h = load<u32>(DIGEST + (i << 2));
    const t = load<u32>(TARGET + (i << 2));
    if (h != t) return h < t;
  }
  return true;
}

export function mine_scan(start: u32, count: u32): u32 {
  // The most significant 32 bits of the hash are bswap(H7) = bswap(IV7 + e60): a nonce
  // whose value there exceeds the target's top limb fails whatever the other 224 bits
  // are. With a zero top limb (any real difficulty) ~1 in 2^32 nonces survives to the
  // full check; with an easy target the full check decides more often.
  const top = load<u32>(TARGET, 28);
  let n = start;
  let left = count;
  while (left != 0) {
    if (ASC_FEATURE_SIMD) {
      const groups = (left >> 2) + u32((left & 3) != 0);
      const g = scanLanes(JOB, n, groups, top);
      if (g == groups) return 0;
      // A candidate in group g: check its lanes that lie inside the range, in nonce order.
      n += g << 2;
      left -= g << 2;
      const lanes: u32 = left < 4 ? left : 4;
      for (let i: u32 = 0; i < lanes; i++) {
        if (meetsTarget(n + i)) {
          foundNonce = n + i;
          return 1;
        }
      }
      n += lanes;
      left -= lanes;
    } else {
      const i = scanScalar(JOB, n, left, top);
      if (i == left) return 0;
      n += i;
      left -= i;
      if (meetsTarget(n)) {
        foundNonce = n;
        return 1;
      }
      n++;
      left--;
    }
  }
  return 0;
}

export function mine_found(): u32 {
  return foundNonce;
}

export function mine_hash(nonce: u32, out: usize): void {
  sha256d(nonce);
  memory.copy(out, DIGEST, 32);
}
