/**
 * The peer protocols' binary messages: request-response bodies for status, header-first
 * sync and block download, each a fixed layout over the chain's own canonical encodings
 * (80-byte headers, encoded blocks and transactions). One message per length-prefixed
 * frame; nothing here is JSON or hex. Every decoder checks sizes and counts and throws
 * WireError, so the code behind it only sees well-formed messages.
 */
import type { ChainParams } from '../../chain/params.js';

export const PROTOCOL_VERSION = 1;
export const HASH_SIZE = 32;
export const HEADER_SIZE = 80;
export const MAX_HEADERS = 2000;
export const MAX_LOCATOR = 64;
/** Blocks asked for in one request (the answer is one frame per block). */
export const MAX_BLOCKS_PER_REQUEST = 128;
/** Block bytes in one blocks answer (past it the server sends empty frames, asked for again). */
export const MAX_RESPONSE_BYTES = 16 << 20;
export const STATUS_SIZE = 32 + 4 + 32 + 32;

export class WireError extends Error {
  override name = 'WireError';
}

/** "regtest-686c7274": the chain part of every protocol id and topic. */
export function chainTag(params: ChainParams): string {
  return `${params.name}-${(params.chainId >>> 0).toString(16).padStart(8, '0')}`;
}

export interface Protocols {
  status: string;
  sync: string;
  blocks: string;
  tx: string;
  blockTopic: string;
  txTopic: string;
  /** BFT chains: proposals, votes and decisions (src/node/bft-driver.ts). */
  bftTopic?: string;
}

/** A node of another chain (or protocol version) negotiates none of these and is dropped. */
export function protocolsFor(params: ChainParams): Protocols {
  const c = `/hashlane/${chainTag(params)}`;
  const v = PROTOCOL_VERSION;
  const P: Protocols = { status: `${c}/status/${v}`, sync: `${c}/sync/${v}`, blocks: `${c}/blocks/${v}`, tx: `${c}/tx/${v}`, blockTopic: `${c}/block/${v}`, txTopic: `${c}/txs/${v}` };
  if (params.consensus === 'bft') P.bftTopic = `${c}/bft/${v}`;
  return P;
}

export interface Status {
  genesis: Uint8Array;
  height: number;
  work: bigint;
  tip: Uint8Array;
}

export function encodeStatus(s: Status): Uint8Array {
  const out = new Uint8Array(STATUS_SIZE);
  out.set(s.genesis, 0);
  new DataView(out.buffer).setUint32(32, s.height >>> 0);
  let w = s.work;
  for (let i = 67; i >= 36; i--) {
    out[i] = Number(w & 0xffn);
    w >>= 8n;
  }
  out.set(s.tip, 68);
  return out;
}

export function decodeStatus(b: Uint8Array): Status {
  if (b.length !== STATUS_SIZE) throw new WireError(`status must be ${STATUS_SIZE} bytes, got ${b.length}`);
  let work = 0n;
  for (let i = 36; i < 68; i++) work = (work << 8n) | BigInt(b[i]!);
  return { genesis: b.slice(0, 32), height: new DataView(b.buffer, b.byteOffset).getUint32(32), work, tip: b.slice(68, 100) };
}

/** A list of 32-byte hashes: count (u16) then the hashes. */
export function encodeHashes(hashes: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(2 + hashes.length * HASH_SIZE);
  new DataView(out.buffer).setUint16(0, hashes.length);
  hashes.forEach((h, i) => out.set(h, 2 + i * HASH_SIZE));
  return out;
}

export function decodeHashes(b: Uint8Array, max: number, what: string): Uint8Array[] {
  if (b.length < 2) throw new WireError(`${what}: missing the count`);
  const n = new DataView(b.buffer, b.byteOffset).getUint16(0);
  if (n > max) throw new WireError(`${what}: ${n} hashes, at most ${max} allowed`);
  if (b.length !== 2 + n * HASH_SIZE) throw new WireError(`${what}: ${b.length} bytes for ${n} hashes, expected ${2 + n * HASH_SIZE}`);
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) out.push(b.subarray(2 + i * HASH_SIZE, 2 + (i + 1) * HASH_SIZE));
  return out;
}

/** Headers are simply concatenated 80-byte headers. */
export function splitHeaders(b: Uint8Array): Uint8Array[] {
  if (b.length % HEADER_SIZE !== 0) throw new WireError(`headers: ${b.length} bytes is not a multiple of ${HEADER_SIZE}`);
  const n = b.length / HEADER_SIZE;
  if (n > MAX_HEADERS) throw new WireError(`headers: ${n} headers, at most ${MAX_HEADERS} allowed`);
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) out.push(b.subarray(i * HEADER_SIZE, (i + 1) * HEADER_SIZE));
  return out;
}
