// SHA-256 against the anchors, every task in one run (interleaved rounds, medians):
// one-shot 32/64/80 bytes, a batch of 4096 x 64 bytes, 1 MiB, the merkle root of 4096 leaves.
import crypto from 'node:crypto';
import * as asSha from '@chainsafe/as-sha256';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { createSHA256, sha256 as hashWasmSha256 } from 'hash-wasm';
import { merkleRoot, ready, sha256, sha256Batch } from '../dist/index.js';
import { report, runSuite } from './harness.js';

const REPS = 256; // small messages per task call, so the timer's overhead stays out of the rate

function messages(count, len, seed) {
  const all = new Uint8Array(count * len);
  for (let i = 0; i < all.length; i++) all[i] = (i * 131 + seed) & 0xff;
  return { all, list: Array.from({ length: count }, (_, i) => all.subarray(i * len, (i + 1) * len)) };
}

export default async function () {
  await ready();
  const hw = await createSHA256();
  const hwDigest = (m) => {
    hw.init();
    hw.update(m);
    return hw.digest('binary');
  };
  let sink = 0;
  const tasks = [];

  for (const len of [32, 64, 80]) {
    const { list } = messages(REPS, len, len);
    const add = (lib, fn) => tasks.push({ name: `${len}B ${lib}`, items: REPS, fn });
    add('hashlane sha256', () => {
      for (let i = 0; i < REPS; i++) sink ^= sha256(list[i])[0];
    });
    add('hash-wasm reused', () => {
      for (let i = 0; i < REPS; i++) sink ^= hwDigest(list[i])[0];
    });
    add('hash-wasm one-shot', async () => {
      for (let i = 0; i < REPS; i++) sink ^= (await hashWasmSha256(list[i])).charCodeAt(0);
    });
    add('@noble/hashes', () => {
      for (let i = 0; i < REPS; i++) sink ^= nobleSha256(list[i])[0];
    });
    add('node:crypto', () => {
      for (let i = 0; i < REPS; i++) sink ^= crypto.hash('sha256', list[i], 'buffer')[0];
    });
    add(len === 64 ? 'as-sha256 digest64' : 'as-sha256 digest', len === 64
      ? () => { for (let i = 0; i < REPS; i++) sink ^= asSha.digest64(list[i])[0]; }
      : () => { for (let i = 0; i < REPS; i++) sink ^= asSha.digest(list[i])[0]; });
  }

  const N = 4096;
  const batch = messages(N, 64, 7);
  const batchOut = new Uint8Array(N * 32);
  const addBatch = (lib, fn) => tasks.push({ name: `batch ${lib}`, items: N, fn });
  addBatch('hashlane sha256Batch', () => {
    sink ^= sha256Batch(batch.all, 64)[0];
  });
  addBatch('as-sha256 hashInto', () => {
    asSha.hashInto(batch.all, batchOut);
    sink ^= batchOut[0];
  });
  addBatch('hash-wasm reused', () => {
    for (let i = 0; i < N; i++) sink ^= hwDigest(batch.list[i])[0];
  });
  addBatch('hash-wasm one-shot', async () => {
    for (let i = 0; i < N; i++) sink ^= (await hashWasmSha256(batch.list[i])).charCodeAt(0);
  });
  addBatch('@noble/hashes', () => {
    for (let i = 0; i < N; i++) sink ^= nobleSha256(batch.list[i])[0];
  });
  addBatch('node:crypto', () => {
    for (let i = 0; i < N; i++) sink ^= crypto.hash('sha256', batch.list[i], 'buffer')[0];
  });

  const big = messages(1, 1 << 20, 3).all;
  const addBig = (lib, fn) => tasks.push({ name: `1MiB ${lib}`, items: 1, unit: 'MiB/s', fn });
  addBig('hashlane sha256', () => {
    sink ^= sha256(big)[0];
  });
  addBig('hash-wasm reused', () => {
    sink ^= hwDigest(big)[0];
  });
  addBig('hash-wasm one-shot', async () => {
    sink ^= (await hashWasmSha256(big)).charCodeAt(0);
  });
  addBig('@noble/hashes', () => {
    sink ^= nobleSha256(big)[0];
  });
  addBig('node:crypto', () => {
    sink ^= crypto.hash('sha256', big, 'buffer')[0];
  });
  addBig('as-sha256 digest', () => {
    sink ^= asSha.digest(big)[0];
  });

  // Bitcoin merkle root: parent = sha256(sha256(left || right)), odd levels repeat the last node.
  const leaves = messages(N, 32, 11).all;
  const addMerkle = (lib, fn) => tasks.push({ name: `merkle4096 ${lib}`, items: 1, unit: 'roots/s', fn });
  const levelBuf = new Uint8Array(N * 32 + 32);
  const halfBuf = new Uint8Array(N * 16 + 32);
  const merkleWith = (pairHash) => {
    let level = levelBuf;
    level.set(leaves);
    let count = N;
    while (count > 1) {
      if (count & 1) level.copyWithin(count * 32, (count - 1) * 32, count * 32), count++;
      count = pairHash(level, count / 2);
    }
    return level[0];
  };
  addMerkle('hashlane merkleRoot', () => {
    sink ^= merkleRoot(leaves)[0];
  });
  addMerkle('as-sha256 hashInto+digest', () => {
    // hashInto does the first hash of every pair in 4-lane batches; the 32-byte second hash
    // has no batched call, so it is one digest per node.
    sink ^= merkleWith((level, pairs) => {
      const out = halfBuf.subarray(0, pairs * 32);
      asSha.hashInto(level.subarray(0, pairs * 64), out);
      for (let i = 0; i < pairs; i++) level.set(asSha.digest(out.subarray(i * 32, i * 32 + 32)), i * 32);
      return pairs;
    });
  });
  addMerkle('hash-wasm reused', () => {
    sink ^= merkleWith((level, pairs) => {
      for (let i = 0; i < pairs; i++) level.set(hwDigest(hwDigest(level.subarray(i * 64, i * 64 + 64))), i * 32);
      return pairs;
    });
  });
  addMerkle('@noble/hashes', () => {
    sink ^= merkleWith((level, pairs) => {
      for (let i = 0; i < pairs; i++) level.set(nobleSha256(nobleSha256(level.subarray(i * 64, i * 64 + 64))), i * 32);
      return pairs;
    });
  });
  addMerkle('node:crypto', () => {
    sink ^= merkleWith((level, pairs) => {
      for (let i = 0; i < pairs; i++) {
        level.set(crypto.hash('sha256', crypto.hash('sha256', level.subarray(i * 64, i * 64 + 64), 'buffer'), 'buffer'), i * 32);
      }
      return pairs;
    });
  });

  const only = process.env.BENCH_ONLY;
  const chosen = only ? tasks.filter((t) => t.name.includes(only)) : tasks;
  const rows = await runSuite('sha256', chosen);
  const section = (prefix, anchors) => {
    const sub = rows.filter((r) => r.task.startsWith(prefix));
    if (sub.length) report(`sha256-${prefix.trim()}`, sub, anchors.map((a) => `${prefix}${a}`));
  };
  section('32B ', ['hash-wasm reused']);
  section('64B ', ['hash-wasm reused']);
  section('80B ', ['hash-wasm reused']);
  section('batch ', ['as-sha256 hashInto', 'hash-wasm one-shot', 'hash-wasm reused']);
  section('1MiB ', ['hash-wasm reused']);
  section('merkle4096 ', ['as-sha256 hashInto+digest', 'hash-wasm reused']);
  if (sink === 0.5) console.log(sink);
}
