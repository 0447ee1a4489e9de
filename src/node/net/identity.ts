import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { writeFileAtomic } from '../storage.js';

export const IDENTITY_FILE = 'p2p-identity.key';

/**
 * The node's libp2p identity: an Ed25519 key kept in the data dir (0600, libp2p's protobuf
 * encoding), so that the peer id survives restarts and can be put on an allowlist. `dir`
 * null gives a fresh key per process.
 */
export async function loadIdentity(dir: string | null, log?: (line: string) => void): Promise<PrivateKey> {
  if (dir === null) return generateKeyPair('Ed25519');
  const path = join(dir, IDENTITY_FILE);
  let bytes: Uint8Array | null = null;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (bytes) {
    try {
      const key = privateKeyFromProtobuf(bytes);
      if (key.type !== 'Ed25519') throw new Error(`key type ${key.type}, expected Ed25519`);
      return key;
    } catch (err) {
      throw new Error(`${path}: not a libp2p Ed25519 private key (${(err as Error).message}); move it away to create a new identity`);
    }
  }
  const key = await generateKeyPair('Ed25519');
  await writeFileAtomic(path, privateKeyToProtobuf(key), 0o600);
  log?.(`created the P2P identity ${path}`);
  return key;
}
