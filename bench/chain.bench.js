// Validating a block of 10 000 transfers: decode, stateless checks with the merkle root,
// every signature, and the state apply with the state and receipts roots checked against
// the coinbase's commitment (undone after each run so every run sees the same state). hashlane runs the signatures as ONE batch call (this thread) or on the worker
// pool (all cores); the baseline in the same run hashes with node:crypto and verifies each
// signature with node:crypto, importing each raw public key as a real node must.
import os from 'node:os';
import { createHash, createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { ready } from '../dist/index.js';
import * as C from '../dist/chain/index.js';
import { encodeHeader, scanNonces } from '../dist/pow/index.js';
import { report, runSuite } from './harness.js';

const TXS = Number(process.env.CHAIN_BENCH_TXS ?? 10_000);
const SENDERS = Math.max(1, Math.floor(TXS / 5));
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

const sha256dNode = (b) => createHash('sha256').update(createHash('sha256').update(b).digest()).digest();

function merkleNode(ids) {
  let level = ids;
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i < level.length; i += 2) next.push(sha256dNode(Buffer.concat([level[i], level[i + 1] ?? level[i]])));
    level = next;
  }
  return level[0];
}

function buildBlock(params) {
  const senders = [];
  for (let s = 0; s < SENDERS; s++) {
    const seed = Buffer.alloc(32);
    seed.writeUInt32LE(s + 1, 0);
    const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    const pk = new Uint8Array(createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(12));
    senders.push({ key, pk });
  }
  const txs = [];
  for (let i = 0; i < TXS; i++) {
    const s = senders[i % SENDERS];
    const unsigned = {
      chainId: params.chainId, kind: C.TxKind.Transfer, from: s.pk, nonce: Math.floor(i / SENDERS), fee: 500n,
      body: { to: senders[(i + 1) % SENDERS].pk, amount: 1000n + BigInt(i), payload: new Uint8Array(0) },
    };
    const signature = new Uint8Array(nodeSign(null, C.txSigningMessage(unsigned), s.key));
    txs.push({ ...unsigned, version: C.TX_VERSION, signature });
  }
  const premine = senders.map((s) => ({ publicKey: s.pk, amount: 10n ** 12n }));
  const p = C.defineParams(params, { premine });
  const state = new C.ChainState(p);
  C.applyBlock(state, C.genesisBlock(p), 0, new C.ProofOfWork(p), { genesis: true });
  const draft = C.createCoinbase(params.chainId, 1, senders[0].pk, params.blockReward + 500n * BigInt(TXS));
  const cb = C.withRoots(draft, C.previewRoots(state, { header: C.genesisBlock(p).header, txs: [draft, ...txs] }, 1, new C.ProofOfWork(p)));
  const all = [cb, ...txs];
  const header = { version: 1, prevHash: new Uint8Array(32), merkleRoot: C.computeMerkleRoot(all), time: params.genesisTime + 1, bits: params.genesisBits, nonce: 0 };
  header.nonce = scanNonces(encodeHeader(header), (1n << 255n) - 1n, 0, 0xffffffff).nonce;
  return { bytes: C.encodeBlock({ header, txs: all }), state };
}

export default async function () {
  await ready();
  const params = C.defineParams(C.regtestParams, { maxBlockSize: 8 * 1024 * 1024 });
  const consensus = new C.ProofOfWork(params);
  const { bytes, state } = buildBlock(params);
  const threads = os.cpus().length;

  const applyAndUndo = (block) => C.undoBlock(state, C.applyBlock(state, block, 1, consensus).undo);

  const hashlaneOne = () => {
    const block = C.decodeBlock(bytes, params.maxBlockSize);
    C.checkBlock(block, params, consensus);
    C.checkBlockSignaturesSync(block.txs);
    applyAndUndo(block);
  };
  const hashlaneAll = async () => {
    const block = C.decodeBlock(bytes, params.maxBlockSize);
    C.checkBlock(block, params, consensus);
    await C.checkBlockSignatures(block.txs, { threads, parallelThreshold: 0 });
    applyAndUndo(block);
  };
  const baseline = (keyCache) => () => {
    const block = C.decodeBlock(bytes, params.maxBlockSize);
    const ids = block.txs.map((tx) => sha256dNode(C.encodeTx(tx)));
    consensus.checkSeal(block.header, sha256dNode(encodeHeader(block.header)));
    if (!merkleNode(ids).equals(Buffer.from(block.header.merkleRoot))) throw new Error('merkle');
    const seen = new Set();
    const spends = new Set();
    for (let i = 0; i < block.txs.length; i++) {
      const tx = block.txs[i];
      C.checkTransaction(tx, params);
      seen.add(C.binKey(ids[i]));
      if (i === 0) continue;
      spends.add(C.binKey(tx.from) + tx.nonce);
      const hex = C.binKey(tx.from);
      let pub = keyCache?.get(hex);
      if (!pub) {
        pub = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, tx.from]), format: 'der', type: 'spki' });
        keyCache?.set(hex, pub);
      }
      if (!nodeVerify(null, C.txSigningMessage(tx), pub, tx.signature)) throw new Error('signature');
    }
    applyAndUndo(block);
  };

  // Sanity: every path accepts the block.
  hashlaneOne();
  await hashlaneAll();
  baseline(null)();

  const rows = await runSuite('chain', [
    { name: 'hashlane 1 core (batch)', items: TXS, unit: 'tx/s', fn: hashlaneOne },
    { name: `hashlane ${threads} cores (pool)`, items: TXS, unit: 'tx/s', fn: hashlaneAll },
    { name: 'baseline node:crypto', items: TXS, unit: 'tx/s', fn: baseline(null) },
    { name: 'baseline node:crypto, keys cached', items: TXS, unit: 'tx/s', fn: baseline(new Map()) },
  ], { time: 1500, warmupTime: 0, iterations: 3, warmupIterations: 2 });
  return report('chain', rows, ['baseline node:crypto']);
}
