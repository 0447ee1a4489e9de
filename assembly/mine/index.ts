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
import { compressWords, initState } from "./compress";
import { JOB_WORDS, prepareJob, scanLanes, scanScalar } from "./rounds.generated";

const HEADER = memory.data(20 * 4, 16); // header as 20 big-endian words (FIPS 180-4 3.1)
const MID = memory.data(8 * 4, 16); // midstate after the first 64 bytes
const TARGET = memory.data(8 * 4, 16); // target limbs, least significant first
const JOB = memory.data(JOB_WORDS * 4, 16);
const BLOCK = memory.data(16 * 4, 16);
const STATE = memory.data(8 * 4, 16);

let foundNonce: u32 = 0;
// The job table's address, read through a mutable global so that the kernel keeps it in a
// register and addresses job words as base + constant offset (one load each); a constant
// address costs V8 an extra instruction per load.
let jobBase: usize = 0;

export function mine_setup(header: usize, target: usize): void {
  for (let i = 0; i < 20; i++) store<u32>(HEADER + (i << 2), bswap<u32>(load<u32>(header + (i << 2))));
  for (let i = 0; i < 8; i++) store<u32>(TARGET + (i << 2), load<u32>(target + (i << 2)));
  jobBase = JOB;
  initState(MID);
  compressWords(MID, HEADER);
  prepareJob(
    JOB,
    load<u32>(MID, 0), load<u32>(MID, 4), load<u32>(MID, 8), load<u32>(MID, 12),
    load<u32>(MID, 16), load<u32>(MID, 20), load<u32>(MID, 24), load<u32>(MID, 28),
    load<u32>(HEADER, 64), load<u32>(HEADER, 68), load<u32>(HEADER, 72),
  );
}

/** Full sha256d of the header with `nonce`, into STATE (8 big-endian digest words). */
function sha256d(nonce: u32): void {
  // Block 2 of the first hash: header bytes 64..79 then padding for 640 bits (FIPS 180-4 5.1.1).
  store<u32>(BLOCK, load<u32>(HEADER, 64), 0);
  store<u32>(BLOCK, load<u32>(HEADER, 68), 4);
  store<u32>(BLOCK, load<u32>(HEADER, 72), 8);
  store<u32>(BLOCK, bswap<u32>(nonce), 12);
  store<u32>(BLOCK, 0x80000000, 16);
  for (let i = 5; i < 15; i++) store<u32>(BLOCK + (i << 2), 0);
  store<u32>(BLOCK, 640, 60);
  for (let i = 0; i < 8; i++) store<u32>(STATE + (i << 2), load<u32>(MID + (i << 2)));
  compressWords(STATE, BLOCK);
  // Second hash: the 32-byte digest padded for 256 bits.
  for (let i = 0; i < 8; i++) store<u32>(BLOCK + (i << 2), load<u32>(STATE + (i << 2)));
  store<u32>(BLOCK, 0x80000000, 32);
  for (let i = 9; i < 15; i++) store<u32>(BLOCK + (i << 2), 0);
  store<u32>(BLOCK, 256, 60);
  initState(STATE);
  compressWords(STATE, BLOCK);
}

/** hash <= target, both read as little-endian 256-bit numbers (Bitcoin's CheckProofOfWork). */
function meetsTarget(nonce: u32): bool {
  sha256d(nonce);
  for (let i = 7; i >= 0; i--) {
    // Digest bytes 4i..4i+3 read little-endian: the byte swap of big-endian word i.
    const h = bswap<u32>(load<u32>(STATE + (i << 2)));
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
  const job = jobBase;
  let n = start;
  let left = count;
  while (left != 0) {
    if (ASC_FEATURE_SIMD) {
      const groups = (left >> 2) + u32((left & 3) != 0);
      const g = scanLanes(job, n, groups, top);
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
      const i = scanScalar(job, n, left, top);
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
  for (let i = 0; i < 8; i++) store<u32>(out + (i << 2), bswap<u32>(load<u32>(STATE + (i << 2))));
}
