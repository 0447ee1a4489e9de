// The BFT write-ahead log on disk: length-prefixed records (u32 LE length | record),
// each write fsynced before the machine acts on it. A torn last record (a crash in the
// middle of a write) is dropped on reading; compaction writes a new file and renames it
// over the old one, so a crash during compaction leaves one of the two whole.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, truncateSync, writeSync } from 'node:fs';
import { decodeWalRecord, encodeWalRecord, type Wal, type WalRecord } from '../bft/wal.js';

export class FileWal implements Wal {
  private fd: number;

  constructor(readonly path: string) {
    // A torn tail is cut off first, so later appends are not hidden behind it.
    if (existsSync(path)) truncateSync(path, this.scan().length);
    this.fd = openSync(path, 'a');
  }

  private static frame(r: WalRecord): Uint8Array {
    const body = encodeWalRecord(r);
    const out = new Uint8Array(4 + body.length);
    new DataView(out.buffer).setUint32(0, body.length, true);
    out.set(body, 4);
    return out;
  }

  append(record: WalRecord): void {
    writeSync(this.fd, FileWal.frame(record));
    fsyncSync(this.fd);
  }

  records(): WalRecord[] {
    return this.scan().records;
  }

  /** The whole records and the byte length they span (a torn tail is not counted). */
  private scan(): { records: WalRecord[]; length: number } {
    if (!existsSync(this.path)) return { records: [], length: 0 };
    const b = readFileSync(this.path);
    const records: WalRecord[] = [];
    let p = 0;
    while (p + 4 <= b.length) {
      const n = b.readUInt32LE(p);
      if (p + 4 + n > b.length) break;
      records.push(decodeWalRecord(new Uint8Array(b.buffer, b.byteOffset + p + 4, n).slice()));
      p += 4 + n;
    }
    return { records, length: p };
  }

  compact(height: number): void {
    const keep = this.records().filter((r) => r.height >= height);
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w');
    for (const r of keep) writeSync(fd, FileWal.frame(r));
    fsyncSync(fd);
    closeSync(fd);
    closeSync(this.fd);
    renameSync(tmp, this.path);
    this.fd = openSync(this.path, 'a');
  }

  close(): void {
    closeSync(this.fd);
  }
}
