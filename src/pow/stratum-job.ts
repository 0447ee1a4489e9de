// Stratum V1 job -> block header (the byte orders pools and cgminer use; see
// ../shared/vectors/stratum-share.json for a real job checked end to end).
import { sha256d } from '../hash/index.js';
import { bytesToHex, hexToBytes } from './display.js';

export interface StratumJob {
  jobId: string;
  /** As sent: the previous hash in internal order with each 4-byte word byte-swapped. */
  prevHash: string;
  coinb1: string;
  coinb2: string;
  /** Hashes in internal byte order, hex. */
  merkleBranch: string[];
  /** 8 hex digits, big-endian renderings of u32 values. */
  version: string;
  nbits: string;
  ntime: string;
  cleanJobs: boolean;
}

/** Thrown for a message from the pool that does not follow Stratum V1. */
export class StratumProtocolError extends Error {
  override name = 'StratumProtocolError';
}

function hexParam(v: unknown, name: string, bytes?: number): string {
  if (typeof v !== 'string' || v.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(v) || (bytes !== undefined && v.length !== bytes * 2)) {
    throw new StratumProtocolError(`mining.notify: ${name} must be ${bytes ? `${bytes} bytes of` : ''} hex, got ${JSON.stringify(v)}`);
  }
  return v.toLowerCase();
}

/** mining.notify params: [job_id, prevhash, coinb1, coinb2, merkle_branch, version, nbits, ntime, clean_jobs]. */
export function parseNotify(params: unknown): StratumJob {
  if (!Array.isArray(params) || params.length < 9) {
    throw new StratumProtocolError(`mining.notify needs 9 params, got ${JSON.stringify(params)?.slice(0, 200)}`);
  }
  const [jobId, prevHash, coinb1, coinb2, branch, version, nbits, ntime, clean] = params;
  if (typeof jobId !== 'string' && typeof jobId !== 'number') throw new StratumProtocolError('mining.notify: job_id must be a string');
  if (!Array.isArray(branch)) throw new StratumProtocolError('mining.notify: merkle_branch must be an array');
  return {
    jobId: String(jobId),
    prevHash: hexParam(prevHash, 'prevhash', 32),
    coinb1: hexParam(coinb1, 'coinb1'),
    coinb2: hexParam(coinb2, 'coinb2'),
    merkleBranch: branch.map((b, i) => hexParam(b, `merkle_branch[${i}]`, 32)),
    version: hexParam(version, 'version', 4),
    nbits: hexParam(nbits, 'nbits', 4),
    ntime: hexParam(ntime, 'ntime', 4),
    cleanJobs: Boolean(clean),
  };
}

/** coinb1 || extranonce1 || extranonce2 || coinb2 (the non-witness coinbase transaction). */
export function buildCoinbase(job: StratumJob, extranonce1: string, extranonce2: string): Uint8Array {
  return hexToBytes(job.coinb1 + extranonce1 + extranonce2 + job.coinb2, 'coinbase');
}

/** The merkle root (internal order): the coinbase txid folded with each branch hash, sha256d(h || b). */
export function merkleRootFromBranch(coinbaseTxid: Uint8Array, branch: string[]): Uint8Array {
  let h = coinbaseTxid;
  const buf = new Uint8Array(64);
  for (const b of branch) {
    buf.set(h, 0);
    buf.set(hexToBytes(b, 'merkle branch'), 32);
    h = sha256d(buf);
  }
  return h;
}

/** Each 4-byte word of `bytes` byte-swapped (Stratum's prevhash order <-> internal order). */
export function swap32(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += 4) {
    out[i] = bytes[i + 3]!;
    out[i + 1] = bytes[i + 2]!;
    out[i + 2] = bytes[i + 1]!;
    out[i + 3] = bytes[i]!;
  }
  return out;
}

/** The 80-byte header of a job with the given extranonces, ntime (default the job's) and nonce. */
export function buildHeader(job: StratumJob, extranonce1: string, extranonce2: string, nonce = 0, ntime = job.ntime): Uint8Array {
  const txid = sha256d(buildCoinbase(job, extranonce1, extranonce2));
  const root = merkleRootFromBranch(txid, job.merkleBranch);
  const header = new Uint8Array(80);
  const dv = new DataView(header.buffer);
  dv.setUint32(0, parseInt(job.version, 16) >>> 0, true);
  header.set(swap32(hexToBytes(job.prevHash)), 4);
  header.set(root, 36);
  dv.setUint32(68, parseInt(ntime, 16) >>> 0, true);
  dv.setUint32(72, parseInt(job.nbits, 16) >>> 0, true);
  dv.setUint32(76, nonce >>> 0, true);
  return header;
}

/** extranonce2 from a counter: `size` bytes, little-endian (as cgminer writes it), hex. */
export function extranonce2Hex(counter: bigint, size: number): string {
  const b = new Uint8Array(size);
  let c = counter;
  for (let i = 0; i < size; i++) {
    b[i] = Number(c & 0xffn);
    c >>= 8n;
  }
  return bytesToHex(b);
}

/** A u32 as 8 big-endian hex digits (nonce and ntime in mining.submit). */
export function u32Hex(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
