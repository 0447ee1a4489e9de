import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { decryptKey, encryptKey, KeystoreError } from '../dist/node/keystore.js';

const FAST = { iterations: 1, memoryKiB: 256, parallelism: 1 };

describe('encrypted keystore (argon2id + AES-256-GCM)', () => {
  const sk = new Uint8Array(randomBytes(32));
  const pk = new Uint8Array(randomBytes(32));

  it('round-trips and hides the secret', async () => {
    const f = await encryptKey(sk, pk, 'correct horse', FAST);
    expect(JSON.stringify(f)).not.toContain(Buffer.from(sk).toString('hex'));
    expect(f.publicKey).toBe(Buffer.from(pk).toString('hex'));
    const out = await decryptKey(JSON.parse(JSON.stringify(f)), 'correct horse');
    expect(out.secretKey).toEqual(sk);
    expect(out.publicKey).toEqual(pk);
  });

  it('rejects a wrong passphrase and any tampering', async () => {
    const f = await encryptKey(sk, pk, 'pw', FAST);
    await expect(decryptKey(f, 'pw2')).rejects.toThrow(KeystoreError);
    await expect(decryptKey({ ...f, publicKey: '00'.repeat(32) }, 'pw')).rejects.toThrow(/wrong passphrase|modified/);
    await expect(decryptKey({ ...f, kdf: { ...f.kdf, iterations: 2 } }, 'pw')).rejects.toThrow(KeystoreError);
    const ct = f.ciphertext.slice(0, -2) + (f.ciphertext.endsWith('00') ? '01' : '00');
    await expect(decryptKey({ ...f, ciphertext: ct }, 'pw')).rejects.toThrow(KeystoreError);
    await expect(decryptKey({ version: 2 }, 'pw')).rejects.toThrow(/not a hashlane keystore/);
    await expect(decryptKey({ ...f, kdf: { ...f.kdf, memoryKiB: 1 << 30 } }, 'pw')).rejects.toThrow(/out of range/);
  });

  it('uses argon2id with the default RFC 9106 parameters when not told otherwise', async () => {
    const f = await encryptKey(sk, pk, 'pw');
    expect(f.kdf).toMatchObject({ name: 'argon2id', iterations: 3, memoryKiB: 65536, parallelism: 4 });
  }, 30_000);
});
