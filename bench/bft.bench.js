// BFT: (1) verifying the commits of 1,000 blocks with 100 validators each (67 precommits,
// the least > 2/3): hashlane's range verifier (one batch call per 100-commit range) against
// node:crypto verifying each signature on its own, same run, same data; (2) time to
// finality of 4 validators in the in-process simulation with CometBFT-like timeouts and
// 1 s blocks (target: within 2 block intervals); (3) the same commits carried in real
// blocks (the LastCommit, transaction 1) connected by a syncing chain: each block's
// commit in its own batch when applied, against BftEngine.preverify per 100-block range.
import crypto from 'node:crypto';
import { ready, ed25519 } from '../dist/index.js';
import * as B from '../dist/bft/index.js';
import * as C from '../dist/chain/index.js';
import { runSchedule } from '../dist/bft/sim.js';
import { sha256 } from '../dist/hash/index.js';

const SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const CHAIN = 0x68_6c_62_68;

export default async function run() {
  await ready();
  const BLOCKS = Number(process.env.BFT_BENCH_BLOCKS ?? 1000);
  const VALIDATORS = 100;
  const SIGNERS = 67;
  const RANGE = 100;
  const keys = Array.from({ length: VALIDATORS }, (_, i) => sha256(new TextEncoder().encode(`bench validator ${i}`)));
  const set = B.ValidatorSet.create(keys.map((k) => ({ publicKey: ed25519.getPublicKey(k), power: 1n })));
  const bySet = set.validators.map((v) => keys.find((k) => Buffer.from(ed25519.getPublicKey(k)).equals(Buffer.from(v.publicKey))));
  const checks = [];
  const t0 = performance.now();
  for (let h = 1; h <= BLOCKS; h++) {
    const blockId = sha256(new Uint8Array([h & 255, h >> 8]));
    const msg = B.voteSignBytes(CHAIN, B.PRECOMMIT, h, 0, blockId);
    const signatures = [];
    for (let i = 0; i < SIGNERS; i++) signatures.push({ index: i, signature: ed25519.sign(msg, bySet[i]) });
    checks.push({ commit: { height: h, round: 0, blockId, signatures }, set, height: h, blockId });
  }
  console.log(`bft: signed ${BLOCKS * SIGNERS} precommits in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const nodeKeys = set.validators.map((v) => crypto.createPublicKey({ key: Buffer.concat([SPKI, v.publicKey]), format: 'der', type: 'spki' }));
  const timeHashlane = () => {
    const s = performance.now();
    for (let i = 0; i < checks.length; i += RANGE) B.verifyCommitRange(CHAIN, checks.slice(i, i + RANGE), ed25519.verifyBatch);
    return performance.now() - s;
  };
  const timeNode = () => {
    const s = performance.now();
    for (const c of checks) {
      const msg = B.voteSignBytes(CHAIN, B.PRECOMMIT, c.height, c.commit.round, c.commit.blockId);
      for (const sig of c.commit.signatures) {
        if (!crypto.verify(null, msg, nodeKeys[sig.index], sig.signature)) throw new Error('node:crypto rejected a valid precommit');
      }
    }
    return performance.now() - s;
  };
  // Interleaved, best of 3 each: the shared machine's load hits both alike.
  let hl = Infinity;
  let nd = Infinity;
  for (let r = 0; r < 3; r++) {
    hl = Math.min(hl, timeHashlane());
    nd = Math.min(nd, timeNode());
  }
  const sigs = BLOCKS * SIGNERS;
  console.log('| commit verification (%d blocks x %d precommits) | ms | signatures/s |', BLOCKS, SIGNERS);
  console.log('|---|---:|---:|');
  console.log(`| hashlane verifyCommitRange (one batch per ${RANGE} commits) | ${hl.toFixed(0)} | ${Math.round(sigs / (hl / 1000))} |`);
  console.log(`| node:crypto, one by one | ${nd.toFixed(0)} | ${Math.round(sigs / (nd / 1000))} |`);
  console.log(`| speed-up | ${(nd / hl).toFixed(2)}x | (target >= 3x) |`);

  const timeouts = { propose: 3000, proposeDelta: 500, prevote: 1000, prevoteDelta: 500, precommit: 1000, precommitDelta: 500, commit: 1000 };
  const r = runSchedule(1, { validators: 4, byzantine: 0, heights: 20, gst: 0, dropRate: 0, crashes: false, delta: 20, timeouts, livenessBound: 120_000 });
  if (!r.ok) throw new Error(`finality sim failed: ${r.violation}`);
  console.log('| finality, 4 validators, 1 s blocks, <= 20 ms links (simulated time) | ms |');
  console.log('|---|---:|');
  console.log(`| mean interval between finalized blocks | ${r.finalityMs.toFixed(0)} |`);
  console.log(`| consensus latency per block (interval - 1 s block pause) | ${(r.finalityMs - timeouts.commit).toFixed(0)} |`);
  console.log(`| target: within 2 block intervals | ${r.finalityMs <= 2 * timeouts.commit ? 'met' : 'missed'} |`);

  await chainSync(BLOCKS, VALIDATORS, SIGNERS, RANGE);
}

// (3) Real blocks of a consortium chain of VALIDATORS (power 1 each), every LastCommit with
// SIGNERS precommits, connected by a fresh follower chain.
export async function chainSync(BLOCKS, VALIDATORS, SIGNERS, RANGE) {
  const secrets = Array.from({ length: VALIDATORS }, (_, i) => sha256(new TextEncoder().encode(`bench chain validator ${i}`)));
  const byKey = new Map(secrets.map((sk) => [C.toHex(ed25519.getPublicKey(sk)), sk]));
  const genesisTime = 1_767_225_600;
  const params = C.withValidators(C.consortiumDevnetParams, [...byKey.keys()].map((k) => ({ publicKey: C.fromHex(k), power: 1n })), { genesisTime });
  // One second per block, so that block times never run ahead of the clock.
  let clock = genesisTime + 10_000_000;
  const now = () => clock;
  const src = await C.Chain.open({ params, now });
  const blocks = [];
  const t0 = performance.now();
  for (let h = 1; h <= BLOCKS; h++) {
    clock++;
    let lastCommit;
    if (h > 1) {
      const tip = src.tip;
      const set = C.lastSet(src.state);
      const msg = B.voteSignBytes(params.chainId, B.PRECOMMIT, tip.height, 0, tip.hash);
      const signatures = [];
      for (let i = 0; i < SIGNERS; i++) signatures.push({ index: i, signature: ed25519.sign(msg, byKey.get(C.toHex(set.at(i).publicKey))) });
      lastCommit = { height: tip.height, round: 0, blockId: tip.hash, signatures };
    }
    const block = C.createBlockTemplate(src, null, { coinbaseTo: new Uint8Array(32).fill(1), lastCommit }).block;
    await src.addBlock(block);
    blocks.push(block);
  }
  console.log(`bft chain: made ${BLOCKS} blocks of ${VALIDATORS} validators in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const follow = async (preverify) => {
    const chain = await C.Chain.open({ params, now });
    const s = performance.now();
    for (let i = 0; i < blocks.length; i += RANGE) {
      const range = blocks.slice(i, i + RANGE);
      if (preverify && !chain.consensus.preverify(range, chain.state)) throw new Error('preverify refused a valid range');
      for (const b of range) await chain.addBlock(b);
    }
    const ms = performance.now() - s;
    if (C.toHex(chain.tip.hash) !== C.toHex(src.tip.hash)) throw new Error('the follower did not reach the source tip');
    await chain.close();
    return ms;
  };
  let one = Infinity;
  let ranged = Infinity;
  for (let r = 0; r < 2; r++) {
    one = Math.min(one, await follow(false));
    ranged = Math.min(ranged, await follow(true));
  }
  await src.close();
  console.log('| connecting %d bft blocks (%d validators, %d precommits each) | ms | blocks/s |', BLOCKS, VALIDATORS, SIGNERS);
  console.log('|---|---:|---:|');
  console.log(`| each LastCommit verified when its block is applied (one batch per block) | ${one.toFixed(0)} | ${Math.round(BLOCKS / (one / 1000))} |`);
  console.log(`| BftEngine.preverify per ${RANGE}-block range (one batch per range), then apply | ${ranged.toFixed(0)} | ${Math.round(BLOCKS / (ranged / 1000))} |`);
}
