// The consensus write-ahead log. Every input the state machine acts on (proposals and
// votes received, timeouts fired, decisions learned) and every message it signs is
// appended BEFORE it takes effect. A restarted validator replays its inputs (the machine
// is deterministic, so it reaches the same state) and, as a hard guard, never signs a
// vote for a (height, round, step) that the log already holds a signature for unless it
// is the very same vote (CometBFT's WAL plus privval's last-sign state in one log).
import { Reader, Writer } from '../chain/codec.js';
import { DecodeError } from '../chain/errors.js';

export const WAL_PROPOSAL = 1;
export const WAL_VOTE = 2;
export const WAL_TIMEOUT = 3;
export const WAL_SIGNED_VOTE = 4;
export const WAL_SIGNED_PROPOSAL = 5;
export const WAL_DECISION = 6;

export interface WalRecord {
  tag: number;
  height: number;
  payload: Uint8Array;
}

/** Synchronous on purpose: a record must be durable before the machine acts on it. */
export interface Wal {
  append(record: WalRecord): void;
  records(): WalRecord[];
  /** Drops the records of heights below `height` (they are decided and stored by the chain). */
  compact(height: number): void;
}

/** `tag u8 | height u64 | payload varbytes`. */
export function encodeWalRecord(r: WalRecord): Uint8Array {
  return new Writer(r.payload.length + 16).u8(r.tag, 'wal.tag').u64(BigInt(r.height), 'wal.height').varbytes(r.payload, 1 << 26, 'wal.payload').finish();
}

export function decodeWalRecord(bytes: Uint8Array): WalRecord {
  const rd = new Reader(bytes, 'wal record');
  const tag = rd.u8('wal.tag');
  if (tag < WAL_PROPOSAL || tag > WAL_DECISION) throw new DecodeError('decode-bad-wal-tag', `wal record tag ${tag}, expected 1..6`);
  const h = rd.u64('wal.height');
  const payload = rd.varbytes('wal.payload', 1 << 26);
  rd.end();
  return { tag, height: Number(h), payload };
}

export class MemoryWal implements Wal {
  private list: Uint8Array[] = [];
  append(record: WalRecord): void {
    // Stored encoded, as a file would hold it: replay then exercises the decoder too.
    this.list.push(encodeWalRecord(record));
  }
  records(): WalRecord[] {
    return this.list.map(decodeWalRecord);
  }
  compact(height: number): void {
    this.list = this.list.filter((b) => decodeWalRecord(b).height >= height);
  }
  get length(): number {
    return this.list.length;
  }
}
