// The staking and dpos modules under the real BFT engine (pos-devnet / dpos-devnet): the
// engine's set is the module's, templates claim nothing and the module pays every staker,
// evidence from the bft module slashes, missing LastCommit signatures jail, and four
// in-process validators keep finalizing while stake moves between them.
import { describe, expect, it } from 'vitest';
import * as B from '../dist/bft/index.js';
import * as C from '../dist/chain/index.js';
import { ed25519 } from '../dist/sig/index.js';
import { ChainNet, GENESIS_TIME, keyOf, Producer, TIMEOUTS, type Key } from './support/bft-chain.js';

const COIN = 100_000_000n;
const keys = [0, 1, 2, 3].map((i) => keyOf(`pos ${i}`));
const user = keyOf('pos user');
const premine = [...keys, user].map((k) => ({ publicKey: k.pk, amount: 1_000_000n * COIN }));

function posParams(extra: Partial<C.ChainParams> = {}): C.ChainParams {
  return C.withValidators(C.posDevnetParams, keys.map((k, i) => ({ publicKey: k.pk, power: 1n, name: `v${i}` })), { genesisTime: GENESIS_TIME, bftTimeouts: TIMEOUTS, premine, ...extra });
}

function signed<B>(chain: C.Chain, key: Key, kind: number, body: B, nonce = chain.getAccount(key.pk).nonce): C.Transaction {
  return C.signTx({ chainId: chain.params.chainId, kind, from: key.pk, nonce, fee: 1000n, body }, key.sk, chain.registry) as C.Transaction;
}

const powers = (chain: C.Chain) => {
  const set = (chain.consensus as B.BftEngine).validatorSetAt(chain.state);
  return new Map(set.validators.map((v) => [C.toHex(v.publicKey), v.power]));
};

describe('pos-devnet on the BFT engine', () => {
  it('the genesis validators are bonded, templates claim 0, and every block pays the stakers exactly what it issued', async () => {
    const chain = await C.Chain.open({ params: posParams(), now: () => GENESIS_TIME + 10_000 });
    expect(chain.consensus.claimsReward).toBe(false);
    const p = new Producer(chain, keys);
    expect([...powers(chain).values()]).toEqual([1000n * COIN, 1000n * COIN, 1000n * COIN, 1000n * COIN]);
    const blocks = await p.extend(12);
    for (const b of blocks) expect((b.txs[0].body as C.CoinbaseBody).amount).toBe(0n);
    const issued = 12n * chain.params.blockReward;
    expect(C.stakingLedger(chain.state).issued).toBe(issued);
    expect(chain.getAccount(C.STAKING_REWARDS).balance).toBe(issued);
    // equal stakes: a quarter each, exactly
    for (const k of keys) expect(C.pendingRewardsScaled(chain.state, k.pk)).toBe((issued * C.REWARD_SCALE) / 4n);
    await chain.close();
  });

  it('stake moved mid-epoch changes voting power at the next epoch boundary only', async () => {
    const chain = await C.Chain.open({ params: posParams(), now: () => GENESIS_TIME + 10_000 });
    const p = new Producer(chain, keys);
    await p.extend(2);
    p.mempool.add(signed(chain, user, C.StakingKind.Delegate, { validator: keys[0].pk, amount: 500n * COIN }));
    await p.extend(1);
    expect(C.stakingOfAccount(chain.state, user.pk).bonded).toBe((500n * COIN).toString());
    const epoch = C.stakingOf(chain.params).epochLength;
    while (chain.height < epoch - 1) {
      expect(powers(chain).get(C.toHex(keys[0].pk))).toBe(1000n * COIN);
      await p.extend(1);
    }
    await p.extend(1);
    expect(chain.height % epoch).toBe(0);
    expect(powers(chain).get(C.toHex(keys[0].pk))).toBe(1500n * COIN);
    await chain.close();
  });

  it('double-sign evidence through the bft module slashes 5 % of the validator and its delegators and takes it out of the set', async () => {
    const chain = await C.Chain.open({ params: posParams(), now: () => GENESIS_TIME + 10_000 });
    const p = new Producer(chain, keys);
    await p.extend(1);
    p.mempool.add(signed(chain, user, C.StakingKind.Delegate, { validator: keys[3].pk, amount: 200n * COIN }));
    await p.extend(2);
    const h = chain.height;
    const vote = (id: number): B.Vote => {
      const blockId = new Uint8Array(32).fill(id);
      return { type: B.PRECOMMIT, height: h, round: 0, blockId, validator: keys[3].pk, signature: ed25519.sign(B.voteSignBytes(chain.params.chainId, B.PRECOMMIT, h, 0, blockId), keys[3].sk) };
    };
    p.mempool.add(C.createEvidenceTx({ chainId: chain.params.chainId, nonce: chain.getAccount(user.pk).nonce, fee: 1000n, evidence: { a: vote(1), b: vote(2) } }, user.sk));
    const escrow = chain.getAccount(C.STAKING_ESCROW).balance;
    const [b] = await p.extend(1);
    expect(b.txs.some((t) => t.kind === C.BftKind.Evidence)).toBe(true);
    const v = C.stakingOfAccount(chain.state, keys[3].pk);
    expect(v.validator!.jailed).toBe(true);
    expect(v.delegations[0].amount).toBe((950n * COIN).toString());
    expect(C.stakingOfAccount(chain.state, user.pk).delegations[0].amount).toBe((190n * COIN).toString());
    expect(chain.getAccount(C.STAKING_ESCROW).balance).toBe(escrow - 60n * COIN);
    expect(powers(chain).has(C.toHex(keys[3].pk))).toBe(false);
    // the three left keep sealing (> 2/3 of the new set)
    await p.extend(3);
    expect(powers(chain).size).toBe(3);
    await chain.close();
  });

  it('a validator missing from the LastCommits is jailed for downtime', async () => {
    const chain = await C.Chain.open({ params: posParams({ staking: { signedWindow: 10, minSigned: 5000, epochLength: 10 } }), now: () => GENESIS_TIME + 10_000 });
    const p = new Producer(chain, keys);
    await p.extend(1);
    const set = (chain.consensus as B.BftEngine).validatorSetAt(chain.state);
    const absent = set.at(3).publicKey; // tipCommit signs with the first 3 of the set's order
    let jailedAt = 0;
    for (let i = 0; i < 30 && !jailedAt; i++) {
      const b = p.block({ signers: 3 });
      p.mempool.update(await chain.addBlock(b));
      if (C.stakingOfAccount(chain.state, absent).validator?.jailed) jailedAt = chain.height;
    }
    expect(jailedAt).toBeGreaterThan(0);
    expect(powers(chain).has(C.toHex(absent))).toBe(false);
    await chain.close();
  });
});

describe('pos-devnet and dpos-devnet from a genesis file (what hashlane testnet --consensus pos|dpos writes)', () => {
  for (const preset of [C.posDevnetParams, C.dposDevnetParams]) {
    it(`${preset.name}: genesisJson -> paramsFromGenesisJson keeps the preset and the set, and the chain opens with the module's set`, async () => {
      const params = C.withValidators(preset, keys.map((k, i) => ({ publicKey: k.pk, power: 1n, name: `node-${i}` })));
      const back = C.paramsFromGenesisJson(JSON.stringify(C.genesisJson(params)));
      expect(back.name).toBe(preset.name);
      expect(back.validatorSetModule).toBe(preset.validatorSetModule);
      const chain = await C.Chain.open({ params: back, now: () => GENESIS_TIME + 10_000 });
      expect(chain.consensus.claimsReward).toBe(false);
      expect(C.toHex(chain.genesisHash)).toBe(C.toHex((await C.Chain.open({ params, now: () => GENESIS_TIME + 10_000 })).genesisHash));
      const set = (chain.consensus as B.BftEngine).validatorSetAt(chain.state);
      expect(set.validators.map((v) => C.toHex(v.publicKey)).sort()).toEqual(keys.map((k) => C.toHex(k.pk)).sort());
      expect(new Set(set.validators.map((v) => v.power))).toEqual(new Set([preset === C.posDevnetParams ? 1000n * COIN : 1n]));
      await chain.close();
    });
  }
});

describe('four in-process validators (Tendermint over a simulated network)', () => {
  it('pos: keep finalizing while stake moves between validators; every node agrees on sets, stakes and rewards', async () => {
    const net = await ChainNet.create(posParams({ staking: { epochLength: 4 } }), keys);
    expect(await net.runToHeight(3)).toBe(true);
    const n0 = net.nodes[0];
    // the user delegates to 0, then moves it to 1, then unbonds part: stake moves across epochs
    const send = async (kind: number, body: unknown) => {
      const tx = signed(n0.chain, user, kind, body);
      for (const n of net.nodes) n.mempool.add(tx);
      const target = n0.chain.height + 2;
      expect(await net.runToHeight(target)).toBe(true);
    };
    await send(C.StakingKind.Delegate, { validator: keys[0].pk, amount: 3000n * COIN });
    await send(C.StakingKind.Redelegate, { from: keys[0].pk, to: keys[1].pk, amount: 2000n * COIN });
    await send(C.StakingKind.Undelegate, { validator: keys[1].pk, amount: 500n * COIN });
    expect(await net.runToHeight(n0.chain.height + 5)).toBe(true);
    expect(net.agree()).toBe(true);
    const view = C.stakingOfAccount(n0.chain.state, user.pk);
    expect(view.delegations.map((d) => d.amount).sort()).toEqual([(1000n * COIN).toString(), (1500n * COIN).toString()].sort());
    const h = Math.min(...net.nodes.map((n) => n.chain.height));
    expect(h).toBeGreaterThanOrEqual(12);
    // every node at the same height has the same set (the state says it)
    for (const n of net.nodes) {
      if (n.chain.height === n0.chain.height) expect([...powers(n.chain)]).toEqual([...powers(n0.chain)]);
    }
    // after an epoch boundary the powers reflect the moved stake
    expect(powers(n0.chain).get(C.toHex(keys[1].pk))).toBe(2500n * COIN);
    const ledger = C.stakingLedger(n0.chain.state);
    expect(n0.chain.getAccount(C.STAKING_REWARDS).balance).toBe(ledger.issued);
    await net.close();
  }, 120_000);

  it('dpos: four delegates elected by their own votes keep finalizing; voters share the rewards', async () => {
    const params = C.withValidators(C.dposDevnetParams, keys.map((k, i) => ({ publicKey: k.pk, power: 1n, name: `d${i}` })), { genesisTime: GENESIS_TIME, bftTimeouts: TIMEOUTS, premine, dpos: { epochLength: 4 } });
    const net = await ChainNet.create(params, keys);
    expect(await net.runToHeight(3)).toBe(true);
    const n0 = net.nodes[0];
    const stake = signed(n0.chain, user, C.DposKind.Stake, { amount: 500n * COIN });
    const vote = signed(n0.chain, user, C.DposKind.Vote, { delegates: [keys[2].pk] }, n0.chain.getAccount(user.pk).nonce + 1);
    for (const n of net.nodes) {
      n.mempool.add(stake);
      n.mempool.add(vote);
    }
    expect(await net.runToHeight(14)).toBe(true);
    expect(net.agree()).toBe(true);
    const set = (n0.chain.consensus as B.BftEngine).validatorSetAt(n0.chain.state);
    expect(set.validators.map((v) => v.power)).toEqual([1n, 1n, 1n, 1n]);
    const v = C.voterOf(n0.chain.state, user.pk);
    expect(v.bonded).toBe((500n * COIN).toString());
    expect(BigInt(v.pendingrewards)).toBeGreaterThan(0n);
    const ledger = C.dposLedger(n0.chain.state);
    expect(n0.chain.getAccount(C.DPOS_REWARDS).balance).toBe(ledger.issued);
    await net.close();
  }, 120_000);
});
