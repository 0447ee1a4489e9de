import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Level } from 'level';
import { LevelStore, memoryStore, type ChainStore, type LevelLike } from '../chain/store.js';

/**
 * Data directory layout, one folder per chain:
 *   <dataDir>/<chain>/chain/       LevelDB (classic-level): blocks, header index, state, undo,
 *                                  tx index, tip — every block connect/disconnect is ONE
 *                                  atomic LevelDB write batch (see src/chain/chain.ts)
 *   <dataDir>/<chain>/miner-key.json   the key the node mines to when no address is given
 * LevelDB appends each batch to its write-ahead log before it returns, so a process killed
 * at any moment restarts at the last committed batch (a whole block, or nothing of it).
 */
export function chainDir(dataDir: string, chain: string): string {
  return join(dataDir, chain);
}

export class StorageError extends Error {
  override name = 'StorageError';
}

/** Opens the chain database under the data dir (null: in memory). */
export async function openChainStore(dir: string | null): Promise<ChainStore> {
  if (dir === null) return memoryStore();
  await mkdir(dir, { recursive: true });
  const db = new Level<Uint8Array, Uint8Array>(join(dir, 'chain'), { keyEncoding: 'view', valueEncoding: 'view' });
  const store = new LevelStore(db as unknown as LevelLike);
  return {
    async open() {
      try {
        await store.open();
      } catch (err) {
        const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
        throw new StorageError(
          /lock/i.test(cause) ? `the data dir ${dir} is in use by another node (LevelDB lock held)` : `cannot open the database in ${dir}: ${cause}`,
        );
      }
    },
    close: () => store.close(),
    get: (k) => store.get(k),
    commit: (ops) => store.commit(ops),
    entries: (p) => store.entries(p),
  };
}

/** Writes a small file atomically (temp file + rename), so a crash never leaves half of it. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data, { mode });
  await rename(tmp, path);
}

export async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StorageError(`cannot read ${path}: ${(err as Error).message}`);
  }
}
