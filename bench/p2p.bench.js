// The peer layer, old against new in one run: header-first sync of a regtest chain between
// two nodes on loopback (blocks/s) and transaction relay latency (RPC-side accept on A to
// B's mempool). "new" is this tree's dist (libp2p: Noise, yamux, gossipsub, binary
// request-response). "old" is the JSON-over-WebSocket layer it replaced, loaded from a build
// of the commit before it: HASHLANE_OLD_DIST=/path/to/old/dist (e.g. a `git worktree add
// /tmp/hl-old main` built with `npm ci && npm run build`); without it only "new" runs.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join, resolve } from 'node:path';
import { report } from './harness.js';

const BLOCKS = Number(process.env.P2P_BENCH_BLOCKS ?? 3000);
const TXS = Number(process.env.P2P_BENCH_TXS ?? 30);
const ROUNDS = Number(process.env.P2P_BENCH_ROUNDS ?? 2);

async function load(dist) {
  const u = (p) => pathToFileURL(join(dist, p)).href;
  const [{ HashlaneNode }, P, T, pow, tx, idx, sig] = await Promise.all(
    ['node/node.js', 'chain/params.js', 'chain/template.js', 'pow/index.js', 'chain/tx.js', 'index.js', 'sig/index.js'].map((p) => import(u(p))),
  );
  await idx.ready();
  const params = P.defineParams(P.regtestParams, { retargetInterval: 1_000_000, maxFutureBlockTime: 10_000_000 });
  const start = (o = {}) => HashlaneNode.start({ params, dataDir: null, p2pPort: 0, rpcPort: null, stratumPort: null, ...o });
  const generate = async (node, n, to) => {
    for (let i = 0; i < n; i++) {
      const t = node.template(to);
      const r = pow.scanNonces(pow.encodeHeader(t.header), t.target, 0, 0xffffffff);
      const why = await node.submitBlock(T.completeBlock(t, { nonce: r.nonce }));
      if (why !== null) throw new Error(`bench block rejected: ${why}`);
    }
  };
  const sk = new Uint8Array(32).fill(77);
  const key = { sk, pk: sig.ed25519.getPublicKey(sk) };
  const transfer = (nonce) => tx.createTransfer({ chainId: params.chainId, to: new Uint8Array(32).fill(3), amount: 1n, fee: 1000n, nonce }, sk);
  return { start, generate, key, transfer, txid: tx.txid };
}

const until = async (cond, ms, what) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`p2p bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
};

async function round(impl) {
  const a = await impl.start();
  await impl.generate(a, BLOCKS, impl.key.pk);
  const b = await impl.start({ peers: [`127.0.0.1:${a.network.listenPort}`] });
  const t0 = performance.now();
  await until(() => b.chain.height === BLOCKS, 300_000, 'sync');
  const syncS = (performance.now() - t0) / 1000;
  // Let the gossip mesh (new) form, as a running network would have it.
  await new Promise((r) => setTimeout(r, 1500));
  const lat = [];
  for (let i = 0; i < TXS; i++) {
    const t = impl.transfer(i);
    const id = impl.txid(t);
    const s = performance.now();
    a.sync.acceptTx(t);
    await until(() => b.mempool.has(id), 10_000, 'tx relay');
    lat.push(performance.now() - s);
  }
  await b.stop();
  await a.stop();
  lat.sort((x, y) => x - y);
  return { blocksPerSecond: BLOCKS / syncS, medianMs: lat[lat.length >> 1], p90Ms: lat[Math.floor(lat.length * 0.9)] };
}

export default async function run() {
  const impls = [['new (libp2p)', resolve('dist')]];
  const old = process.env.HASHLANE_OLD_DIST;
  if (old && existsSync(join(old, 'node/p2p/network.js'))) impls.unshift(['old (JSON/WebSocket)', resolve(old)]);
  else console.log('p2p bench: HASHLANE_OLD_DIST not set (or not a build of the old layer): new layer only');
  const loaded = [];
  for (const [name, dist] of impls) loaded.push([name, await load(dist)]);
  const best = new Map();
  for (let r = 0; r < ROUNDS; r++) {
    // Alternating, so that machine load hits both alike.
    for (const [name, impl] of loaded) {
      const res = await round(impl);
      console.log(`p2p bench round ${r + 1}: ${name}: sync ${res.blocksPerSecond.toFixed(0)} blocks/s, tx relay median ${res.medianMs.toFixed(1)} ms, p90 ${res.p90Ms.toFixed(1)} ms`);
      const cur = best.get(name);
      if (!cur || res.blocksPerSecond > cur.blocksPerSecond) best.set(name, { ...res, medianMs: Math.min(res.medianMs, cur?.medianMs ?? Infinity) });
    }
  }
  const rows = [];
  for (const [name] of loaded) {
    const b = best.get(name);
    rows.push({ task: `${name}: header-first sync of ${BLOCKS} blocks`, unit: 'blocks/s', perSecond: b.blocksPerSecond });
    rows.push({ task: `${name}: tx relay A -> B (median of ${TXS})`, unit: 'relays/s', perSecond: 1000 / b.medianMs });
  }
  report('p2p', rows, [`${loaded[0][0]}: header-first sync of ${BLOCKS} blocks`]);
}
