// Staking: what a block costs as the number of stakers grows, and what an epoch costs as
// the number of validator candidates grows.
//   1. apply (+ undo) of the same block — 20 transfers, 10 delegations into a validator,
//      2 claims, and the staking endBlock (reward accumulator, releases) — on a state with
//      10 delegators and on one with 100,000 (target: within 1.2x; the F1 accumulator makes
//      the per-block work independent of the number of stakers);
//   2. the epoch transition with 10,000 registered validators (top K = 100 recomputed):
//      an empty block at an epoch height against one at a plain height.
// Signatures are not part of apply (they are checked in one batch before it), so the
// stakers' keys here are random bytes and the signatures zero.
import { randomBytes } from 'node:crypto';
import { ready } from '../dist/index.js';
import * as C from '../dist/chain/index.js';
import { report, runSuite } from './harness.js';

const COIN = 100_000_000n;
const BIG = Number(process.env.STAKING_BENCH_DELEGATORS ?? 100_000);
const CANDIDATES = Number(process.env.STAKING_BENCH_VALIDATORS ?? 10_000);
const registry = C.defaultRegistry.with(C.staking);
const ZERO_SIG = new Uint8Array(64);

function tx(params, kind, from, nonce, body) {
  return { version: C.TX_VERSION, chainId: params.chainId, kind, from, nonce, fee: 100n, body, signature: ZERO_SIG };
}

/** A state with `validators` validators and `delegators` delegators (bonded through blocks of delegate txs). */
function build(delegators, validators) {
  const vals = Array.from({ length: validators }, () => randomBytes(32));
  const dels = Array.from({ length: delegators }, () => randomBytes(32));
  const extra = Array.from({ length: 40 }, () => randomBytes(32));
  const genesisCount = Math.min(validators, 4);
  const params = C.defineParams(C.regtestParams, {
    halvingInterval: 0,
    premine: [...vals, ...dels, ...extra].map((pk) => ({ publicKey: pk, amount: 10_000n * COIN })),
    staking: { genesis: vals.slice(0, genesisCount).map((pk) => ({ operator: pk, consensusKey: pk, stake: 1000n * COIN, commission: 500 })), epochLength: 1000, maxValidators: 100 },
  });
  const engine = new C.ProofOfWork(params);
  const state = new C.ChainState(params, registry);
  C.applyBlock(state, C.genesisBlock(params), 0, engine, { genesis: true });
  let height = 0;
  const apply = (txs) => {
    height++;
    const cb = C.createCoinbase(params.chainId, height, new Uint8Array(32), 0n);
    C.applyBlock(state, { header: C.genesisBlock(params).header, txs: [cb, ...txs] }, height, engine, { checkRoots: false });
  };
  const regs = vals.slice(genesisCount).map((pk) => tx(params, C.StakingKind.Register, pk, 0, { consensusKey: pk, commission: 100, amount: BigInt(1 + Math.floor(Math.random() * 5000)) * COIN }));
  for (let i = 0; i < regs.length; i += 5000) apply(regs.slice(i, i + 5000));
  const delegs = dels.map((pk, i) => tx(params, C.StakingKind.Delegate, pk, 0, { validator: vals[i % genesisCount], amount: 10n * COIN }));
  for (let i = 0; i < delegs.length; i += 10_000) apply(delegs.slice(i, i + 10_000));
  // the measured block sits at a plain height (not an epoch boundary)
  while ((height + 1) % 1000 === 0) apply([]);
  return { params, engine, state, vals, dels, extra, height };
}

function blockOf(w, transfersOnly = false) {
  const { params, vals, dels, extra } = w;
  const h = w.height + 1;
  const txs = [];
  for (let i = 0; i < 20; i++) txs.push(tx(params, C.TxKind.Transfer, extra[i], 0, { to: extra[i + 20], amount: 1000n, payload: new Uint8Array(0) }));
  if (transfersOnly) return { block: { header: C.genesisBlock(params).header, txs: [C.createCoinbase(params.chainId, h, new Uint8Array(32), 0n), ...txs] }, height: h };
  for (let i = 0; i < 10; i++) txs.push(tx(params, C.StakingKind.Delegate, extra[20 + i], 0, { validator: vals[0], amount: 5n * COIN }));
  txs.push(tx(params, C.StakingKind.Claim, dels[0], 1, {}));
  txs.push(tx(params, C.StakingKind.Claim, vals[0], 0, {}));
  const cb = C.createCoinbase(params.chainId, h, new Uint8Array(32), 0n);
  return { block: { header: C.genesisBlock(params).header, txs: [cb, ...txs] }, height: h };
}

/** The staking module's end-of-block step alone (reward accumulator, releases, epoch check), reverted after. */
function endBlockOnly(w, height) {
  const { state, params } = w;
  state.begin();
  C.staking.endBlock({
    params, height, time: params.genesisTime + height, prevHash: new Uint8Array(32), store: state.storeOf(C.staking),
    call: (n) => state.keeperOf(n, height), frame: (fn) => fn(), reward: params.blockReward, fees: 3200n, claimed: 0n,
  });
  state.revert();
}

function applyUndo(w, block, height) {
  const r = C.applyBlock(w.state, block, height, w.engine, { checkRoots: false });
  w.state.undo(r.undo);
}

export default async function main() {
  await ready();
  let t = performance.now();
  const small = build(10, 4);
  const big = build(BIG, 4);
  console.log(`setup: 10 and ${BIG} delegators in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const bs = blockOf(small);
  const bb = blockOf(big);
  const ts = blockOf(small, true);
  const tb = blockOf(big, true);
  t = performance.now();
  const many = build(0, CANDIDATES);
  console.log(`setup: ${CANDIDATES} validators in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const cb = (h) => ({ header: C.genesisBlock(many.params).header, txs: [C.createCoinbase(many.params.chainId, h, new Uint8Array(32), 0n)] });
  const plainHeight = many.height + 1;
  const epochHeight = Math.ceil((many.height + 1) / 1000) * 1000;
  const rows = await runSuite(
    'staking',
    [
      { name: 'block apply, 10 delegators', items: 1, unit: 'blocks/s', fn: () => applyUndo(small, bs.block, bs.height) },
      { name: `block apply, ${BIG} delegators`, items: 1, unit: 'blocks/s', fn: () => applyUndo(big, bb.block, bb.height) },
      { name: 'staking endBlock, 10 delegators', items: 1, unit: 'blocks/s', fn: () => endBlockOnly(small, bs.height) },
      { name: `staking endBlock, ${BIG} delegators`, items: 1, unit: 'blocks/s', fn: () => endBlockOnly(big, bb.height) },
      // control: the same 20 transfers without staking txs, on the same two states (what any state growth costs)
      { name: 'transfers only, 10 delegators', items: 1, unit: 'blocks/s', fn: () => applyUndo(small, ts.block, ts.height) },
      { name: `transfers only, ${BIG} delegators`, items: 1, unit: 'blocks/s', fn: () => applyUndo(big, tb.block, tb.height) },
      { name: `empty block, ${CANDIDATES} validators`, items: 1, unit: 'blocks/s', fn: () => applyUndo(many, cb(plainHeight), plainHeight) },
      { name: `epoch block, ${CANDIDATES} validators`, items: 1, unit: 'blocks/s', fn: () => applyUndo(many, cb(epochHeight), epochHeight) },
    ],
    { time: 1500, warmupTime: 300, warmupIterations: 3, iterations: 5 },
  );
  const out = report('staking', rows, ['block apply, 10 delegators']);
  const ms = (name) => 1000 / rows.find((r) => r.task === name).perSecond;
  console.log(`block apply: ${ms('block apply, 10 delegators').toFixed(2)} ms with 10 delegators, ${ms(`block apply, ${BIG} delegators`).toFixed(2)} ms with ${BIG} (x${(ms(`block apply, ${BIG} delegators`) / ms('block apply, 10 delegators')).toFixed(2)}; target <= 1.2)`);
  console.log(`staking endBlock alone: ${(1000 * ms('staking endBlock, 10 delegators')).toFixed(1)} us with 10 delegators, ${(1000 * ms(`staking endBlock, ${BIG} delegators`)).toFixed(1)} us with ${BIG} (x${(ms(`staking endBlock, ${BIG} delegators`) / ms('staking endBlock, 10 delegators')).toFixed(2)})`);
  console.log(`control, 20 transfers only: ${ms('transfers only, 10 delegators').toFixed(2)} ms with 10 delegators, ${ms(`transfers only, ${BIG} delegators`).toFixed(2)} ms with ${BIG} (x${(ms(`transfers only, ${BIG} delegators`) / ms('transfers only, 10 delegators')).toFixed(2)})`);
  console.log(`epoch transition with ${CANDIDATES} candidates: ${ms(`epoch block, ${CANDIDATES} validators`).toFixed(1)} ms (a plain block on that state: ${ms(`empty block, ${CANDIDATES} validators`).toFixed(2)} ms)`);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
