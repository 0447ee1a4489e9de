// The module seam's cost, old against new in ONE process, interleaved rounds, medians:
//   node bench/chain-seam.js <dist of the code before the seam>
// e.g.  git worktree add /tmp/old <commit> && (cd /tmp/old && npm ci && npm run build)
//       node bench/chain-seam.js /tmp/old/dist
// Each side validates its own encoding of the same 10,000 signed transfers: decode, the
// stateless checks with the merkle root, every signature in ONE batch call on this thread,
// and the state apply (the new side also computes and checks the state and receipts
// roots), undone after each run so every run sees the same state.
import { createPrivateKey, createPublicKey, sign as nodeSign } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const oldDist = process.argv[2];
if (!oldDist) {
  console.error('usage: node bench/chain-seam.js <path to the old dist/>');
  process.exit(2);
}
const TXS = Number(process.env.CHAIN_BENCH_TXS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const SENDERS = Math.max(1, Math.floor(TXS / 5));
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

const senders = [];
for (let s = 0; s < SENDERS; s++) {
  const seed = Buffer.alloc(32);
  seed.writeUInt32LE(s + 1, 0);
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  senders.push({ key, pk: new Uint8Array(createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(12)) });
}

async function side(dist, isNew) {
  const base = pathToFileURL(resolve(dist)).href;
  const { ready } = await import(`${base}/index.js`);
  const C = await import(`${base}/chain/index.js`);
  const { encodeHeader, scanNonces } = await import(`${base}/pow/index.js`);
  await ready();
  const params = C.defineParams(C.regtestParams, { maxBlockSize: 8 * 1024 * 1024, premine: senders.map((s) => ({ publicKey: s.pk, amount: 10n ** 12n })) });
  const consensus = new C.ProofOfWork(params);
  const txs = [];
  for (let i = 0; i < TXS; i++) {
    const s = senders[i % SENDERS];
    const to = senders[(i + 1) % SENDERS].pk;
    const amount = 1000n + BigInt(i);
    const nonce = Math.floor(i / SENDERS);
    const unsigned = isNew
      ? { chainId: params.chainId, kind: C.TxKind.Transfer, from: s.pk, nonce, fee: 500n, body: { to, amount, payload: new Uint8Array(0) } }
      : { chainId: params.chainId, kind: C.TxKind.Transfer, from: s.pk, to, amount, fee: 500n, nonce, payload: new Uint8Array(0) };
    txs.push({ ...unsigned, version: C.TX_VERSION, signature: new Uint8Array(nodeSign(null, C.txSigningMessage(unsigned), s.key)) });
  }
  let state;
  let cb = C.createCoinbase(params.chainId, 1, senders[0].pk, params.blockReward + 500n * BigInt(TXS));
  if (isNew) {
    state = new C.ChainState(params);
    C.applyBlock(state, C.genesisBlock(params), 0, consensus, { genesis: true });
    cb = C.withRoots(cb, C.previewRoots(state, { header: C.genesisBlock(params).header, txs: [cb, ...txs] }, 1, consensus));
  } else {
    state = new C.AccountState();
    C.applyBlock(state, C.genesisBlock(params), 0, consensus, true);
  }
  const all = [cb, ...txs];
  const header = { version: 1, prevHash: new Uint8Array(32), merkleRoot: C.computeMerkleRoot(all), time: params.genesisTime + 1, bits: params.genesisBits, nonce: 0 };
  header.nonce = scanNonces(encodeHeader(header), (1n << 255n) - 1n, 0, 0xffffffff).nonce;
  const bytes = C.encodeBlock({ header, txs: all });
  return () => {
    const block = C.decodeBlock(bytes, params.maxBlockSize);
    C.checkBlock(block, params, consensus);
    C.checkBlockSignaturesSync(block.txs);
    C.undoBlock(state, C.applyBlock(state, block, 1, consensus).undo);
  };
}

const sides = [
  { name: 'before the seam', run: await side(oldDist, false), times: [] },
  { name: 'module seam + state root', run: await side('dist', true), times: [] },
];
for (const s of sides) for (let i = 0; i < 2; i++) s.run(); // warm-up (tier-up)
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 ? [...sides].reverse() : sides;
  for (const s of order) {
    const t = performance.now();
    s.run();
    s.times.push(performance.now() - t);
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(`validating a ${TXS}-transfer block, ${ROUNDS} interleaved rounds, one process (medians):`);
for (const s of sides) console.log(`  ${s.name.padEnd(28)} ${median(s.times).toFixed(1).padStart(8)} ms   ${Math.round(TXS / (median(s.times) / 1000)).toString().padStart(8)} tx/s   rounds ${s.times.map((t) => t.toFixed(0)).join(' ')}`);
console.log(`  new / old throughput: ${(median(sides[0].times) / median(sides[1].times)).toFixed(3)}x (ratio of medians)`);
// Each round ran both sides back to back: the per-round ratio cancels most of the load
// that other processes put on the machine.
const paired = sides[0].times.map((t, i) => t / sides[1].times[i]);
console.log(`  new / old throughput: ${median(paired).toFixed(3)}x (median of per-round ratios: ${paired.map((r) => r.toFixed(2)).join(' ')})`);
