// Ed25519 on one core: verify/s (single, batches of 8/64/256/1024 per signature, warm and
// cold key cache) and sign/s, against node:crypto (OpenSSL), libsodium-wrappers,
// @noble/ed25519 and @noble/curves, all in one interleaved run (bench/harness.js).
import crypto from 'node:crypto';
import sodium from 'libsodium-wrappers';
import * as nobleEd from '@noble/ed25519';
import { ed25519 as nobleCurves } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { ed25519, loadEngine, ready } from '../dist/index.js';
import { setKeyCacheSizeWith, verifyWith } from '../dist/sig/index.js';
import { report, runSuite } from './harness.js';

const SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');

export default async function run() {
  await ready();
  await sodium.ready;
  nobleEd.hashes.sha512 = sha512;

  const N = 1024;
  const items = [];
  for (let i = 0; i < N; i++) {
    const seed = crypto.randomBytes(32);
    const message = new Uint8Array(crypto.randomBytes(100));
    const publicKey = ed25519.getPublicKey(seed);
    items.push({ seed, message, publicKey, signature: ed25519.sign(message, seed) });
  }
  const nodePub = items.map((x) => crypto.createPublicKey({ key: Buffer.concat([SPKI, x.publicKey]), format: 'der', type: 'spki' }));
  const nodePriv = crypto.createPrivateKey({ key: Buffer.concat([PKCS8, items[0].seed]), format: 'der', type: 'pkcs8' });
  const sodiumSk = Uint8Array.from([...items[0].seed, ...items[0].publicKey]);
  // A second engine whose key cache holds one key: every verification decodes its key.
  const cold = await loadEngine();
  setKeyCacheSizeWith(cold, 1);
  // Warm the default engine's key cache.
  ed25519.verifyBatch(items);

  const S = 64; // items per call of the single-verification tasks
  const single = items.slice(0, S);
  const slow = items.slice(0, 8);
  let sink = 0;
  const check = (ok) => {
    if (!ok) throw new Error('a valid signature did not verify');
    sink++;
  };
  const tasks = [
    { name: 'node:crypto verify', items: S, fn: () => { for (let i = 0; i < S; i++) check(crypto.verify(null, single[i].message, nodePub[i], single[i].signature)); } },
    { name: 'libsodium verify', items: S, fn: () => { for (const x of single) check(sodium.crypto_sign_verify_detached(x.signature, x.message, x.publicKey)); } },
    { name: '@noble/ed25519 verify', items: 8, fn: () => { for (const x of slow) check(nobleEd.verify(x.signature, x.message, x.publicKey)); } },
    { name: '@noble/curves verify', items: 8, fn: () => { for (const x of slow) check(nobleCurves.verify(x.signature, x.message, x.publicKey, { zip215: true })); } },
    { name: 'hashlane verify (warm key cache)', items: S, fn: () => { for (const x of single) check(ed25519.verify(x.signature, x.message, x.publicKey)); } },
    { name: 'hashlane verify (key cache miss)', items: S, fn: () => { for (const x of single) check(verifyWith(cold, x.signature, x.message, x.publicKey)); } },
  ];
  for (const b of [8, 64, 256, 1024]) {
    const groups = [];
    for (let i = 0; i + b <= Math.max(N, b); i += b) groups.push(items.slice(i, i + b));
    let g = 0;
    tasks.push({ name: `hashlane verifyBatch ${b}`, items: b, fn: () => { check(ed25519.verifyBatch(groups[g++ % groups.length])); } });
  }
  const msg = items[0].message;
  tasks.push(
    { name: 'node:crypto sign', items: S, fn: () => { for (let i = 0; i < S; i++) sink += crypto.sign(null, msg, nodePriv).length; } },
    { name: 'libsodium sign', items: S, fn: () => { for (let i = 0; i < S; i++) sink += sodium.crypto_sign_detached(msg, sodiumSk).length; } },
    { name: 'hashlane sign', items: S, fn: () => { for (let i = 0; i < S; i++) sink += ed25519.sign(msg, items[0].seed).length; } },
  );
  const rows = await runSuite('ed25519', tasks);
  report('ed25519', rows, ['node:crypto verify', 'libsodium verify', 'node:crypto sign', 'libsodium sign']);
  if (sink < 0) console.log(sink);
}
