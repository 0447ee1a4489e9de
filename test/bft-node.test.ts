// Four BFT validators as HashlaneNodes in one process (libp2p on loopback, gossipsub),
// finalizing blocks; the loss of one; a follower that syncs and follows.
import { afterAll, describe, expect, it } from 'vitest';
import type { HashlaneNode } from '../dist/node/node.js';
import { bftParams, hashAt, keyOf, peerIdOf, startValidator, startValidators } from './support/bft-node.js';
import { rpc, until } from './support/node.js';

const nodes: HashlaneNode[] = [];
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
});

describe('four validators on loopback', () => {
  const keys = [0, 1, 2, 3].map((i) => keyOf(`node ${i}`));
  const observer = keyOf('observer');
  const params = bftParams(keys);

  it('finalize blocks with identical hashes; one stops, the other three go on; a follower syncs and follows', async () => {
    const vs = await startValidators(params, keys, { allowPeers: [peerIdOf(observer.pk)] });
    nodes.push(...vs);
    await until(() => vs.every((n) => n.chain.height >= 5), 60_000, 'five blocks on every validator');
    for (let h = 1; h <= 5; h++) {
      const x = hashAt(vs[0]!, h);
      expect(x).not.toBeNull();
      for (const n of vs) expect(hashAt(n, h)).toBe(x);
    }
    // Every block of height >= 2 carries its parent's commit; the tip's is held by the driver.
    for (const n of vs) expect(n.finalizedHeight()).toBeGreaterThanOrEqual(n.chain.height - 1);

    await vs[3]!.stop();
    const at = Math.max(...vs.slice(0, 3).map((n) => n.chain.height));
    await until(() => vs.slice(0, 3).every((n) => n.chain.height >= at + 3), 60_000, 'three validators go on');
    for (let h = 1; h <= at + 3; h++) expect(new Set(vs.slice(0, 3).map((n) => hashAt(n, h))).size).toBe(1);

    const f = await startValidator(params, observer, { peers: [`127.0.0.1:${vs[0]!.network.listenPort}`, `127.0.0.1:${vs[1]!.network.listenPort}`] });
    nodes.push(f);
    expect(f.bft!.isValidator).toBe(false);
    const target = vs[0]!.chain.height + 2;
    await until(() => f.chain.height >= target, 60_000, 'the follower syncs and follows');
    for (let h = 1; h <= target; h++) expect(hashAt(f, h)).toBe(hashAt(vs[0]!, h));
    // It came up by block sync (its machine restarted at the synced height) and went on by decisions.
    expect(f.bft!.stats.restarts).toBeGreaterThan(0);
    expect(f.bft!.stats.decided).toBeGreaterThan(0);

    const info = (await rpc(f, 'getblockchaininfo')).result;
    expect(info.consensus).toBe('bft');
    expect(info.finalized).toBeGreaterThanOrEqual(target - 1);
    const cs = (await rpc(vs[0]!, 'getconsensusstate')).result;
    expect(cs.validator).toBe(true);
    expect((await rpc(f, 'getconsensusstate')).result.validator).toBe(false);
    const vals = (await rpc(f, 'getvalidators')).result;
    expect(vals.map((v: { address: string }) => v.address).sort()).toEqual(keys.map((k) => Buffer.from(k.pk).toString('hex')).sort());
  }, 180_000);
});

describe('the consortium peer allowlist follows the validator set', () => {
  it('refuses a peer outside the set, then admits it once > 2/3 voted it in, and it votes', async () => {
    const { createValidatorVoteTx } = await import('../dist/chain/modules/bft/builders.js');
    const { encodeTx } = await import('../dist/chain/tx.js');
    const keys = [0, 1, 2, 3].map((i) => keyOf(`allow ${i}`));
    const newcomer = keyOf('allow newcomer');
    const params = bftParams(keys, { premine: [...keys, newcomer].map((k) => ({ publicKey: k.pk, amount: 1_000_000_000n })) });
    const vs = await startValidators(params, keys);
    nodes.push(...vs);
    await until(() => vs[0]!.chain.height >= 2, 60_000, 'first blocks');
    expect(vs[0]!.network.allowedPeers!.sort()).toEqual(keys.map((k) => peerIdOf(k.pk)).sort());

    const n = await startValidator(params, newcomer, { peers: vs.map((v) => `127.0.0.1:${v.network.listenPort}`) });
    nodes.push(n);
    await new Promise((r) => setTimeout(r, 2000));
    expect(n.network.ready().length).toBe(0);
    expect(vs.every((v) => !v.network.ready().some((p) => p.key === peerIdOf(newcomer.pk)))).toBe(true);

    // Three of four validators vote the newcomer in (> 2/3 of the set).
    for (const k of keys.slice(0, 3)) {
      const nonce = vs[0]!.mempool.nextNonce(k.pk);
      const tx = createValidatorVoteTx({ chainId: params.chainId, nonce, fee: 10_000n, action: 'add', subject: newcomer.pk }, k.sk);
      const r = await rpc(vs[0]!, 'sendrawtransaction', [Buffer.from(encodeTx(tx)).toString('hex')]);
      expect(r.error, JSON.stringify(r.error)).toBeUndefined();
    }
    await until(() => vs.every((v) => v.bft!.validatorSet.indexOf(newcomer.pk) >= 0), 60_000, 'the newcomer joins the set');
    expect(vs[0]!.network.allowedPeers).toContain(peerIdOf(newcomer.pk));
    await until(() => n.network.ready().length >= 3, 30_000, 'the newcomer is admitted by the validators');
    await until(() => n.bft!.isValidator && n.chain.height >= vs[0]!.chain.height - 1, 60_000, 'the newcomer catches up as a validator');
    // Five validators need four precommits: with one of the first four gone, blocks are
    // decided only if the newcomer votes.
    await vs[3]!.stop();
    const at = vs[0]!.chain.height;
    await until(() => [vs[0]!, vs[1]!, vs[2]!, n].every((x) => x.chain.height >= at + 3), 90_000, 'four of five (the newcomer among them) decide');
    expect(new Set([vs[0]!, vs[1]!, vs[2]!, n].map((x) => hashAt(x, at + 3))).size).toBe(1);
  }, 240_000);
});

describe('RPC on a proof-of-work chain', () => {
  it('getblockchaininfo says pow, finalized 0 (genesis); the bft views say there are no validators', async () => {
    const { startNode } = await import('./support/node.js');
    const n = await startNode();
    nodes.push(n);
    const info = (await rpc(n, 'getblockchaininfo')).result;
    expect(info).toMatchObject({ consensus: 'pow', finalized: 0, finalizedhash: info.genesis });
    for (const m of ['getvalidators', 'getconsensusstate']) {
      const r = await rpc(n, m);
      expect(r.error.message).toMatch(/runs proof of work; it has no validators/);
    }
    expect(n.status()).toMatchObject({ consensus: 'pow', finalized: 0, round: 0 });
  }, 60_000);
});

describe('equivocation over gossip', () => {
  it('two conflicting signed votes of a validator become an evidence tx; the validator is removed', async () => {
    const { encodeBftMessage } = await import('../dist/node/net/bft-wire.js');
    const { PREVOTE, voteSignBytes } = await import('../dist/bft/messages.js');
    const { ed25519 } = await import('../dist/sig/index.js');
    const { BftKind } = await import('../dist/chain/modules/bft/index.js');
    const keys = [0, 1, 2, 3].map((i) => keyOf(`equivocate ${i}`));
    const harness = keyOf('equivocate harness');
    const params = bftParams(keys);
    const vs = await startValidators(params, keys, { allowPeers: [peerIdOf(harness.pk)] });
    nodes.push(...vs);
    await until(() => vs[0]!.chain.height >= 2, 60_000, 'first blocks');
    const h = await startValidator(params, harness, { peers: vs.map((v) => `127.0.0.1:${v.network.listenPort}`) });
    nodes.push(h);
    const topic = vs[0]!.network.protocols.bftTopic!;
    await until(() => h.network.libp2p.services.pubsub.getSubscribers(topic).length >= 4, 60_000, 'harness on the bft topic');

    // The harness holds validator 3's key and signs two prevotes for one height and round.
    const liar = keys[3]!;
    // Any node that sees both votes of one round reports them. The harness's mesh may still
    // be forming, and a loaded machine may move a round on before both arrive: send again
    // for the current round until some node has seen it, on a time budget.
    const evidenceSeen = () => vs.reduce((n, v) => n + v.bft!.stats.evidence, 0);
    const deadline = Date.now() + 60_000;
    while (evidenceSeen() === 0 && Date.now() < deadline) {
      const { height, round } = vs[0]!.bft!.state();
      for (const _ of [0, 1]) {
        const blockId = ed25519.randomSecretKey();
        const vote = { type: PREVOTE as 1, height, round, blockId, validator: liar.pk, signature: ed25519.sign(voteSignBytes(params.chainId, PREVOTE, height, round, blockId), liar.sk) };
        h.network.publish(topic, encodeBftMessage(params.chainId, { kind: 'vote', vote }));
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(evidenceSeen()).toBeGreaterThan(0);
    await until(() => vs.slice(0, 3).every((v) => v.bft!.validatorSet.indexOf(liar.pk) < 0), 60_000, 'the equivocator leaves the set');
    // An evidence transaction naming the liar is in a block. Every node that saw both votes
    // submits one (the liar's own node and the harness too), and only the first for this
    // (height, round, type, key) is accepted, so which node signed it is a race.
    let found = false;
    for (let x = 2; x <= vs[0]!.chain.height && !found; x++) {
      const b = await vs[0]!.chain.getBlockAtHeight(x);
      for (const tx of b!.txs) {
        if (tx.kind !== BftKind.Evidence) continue;
        const e = tx.body as { a: { validator: Uint8Array }; b: { validator: Uint8Array } };
        if (Buffer.from(e.a.validator).equals(Buffer.from(liar.pk)) && Buffer.from(e.b.validator).equals(Buffer.from(liar.pk))) found = true;
      }
    }
    expect(found).toBe(true);
    // Three validators remain and go on.
    const at = vs[0]!.chain.height;
    await until(() => vs.slice(0, 3).every((v) => v.chain.height >= at + 2), 60_000, 'three validators go on');
    expect(vs[0]!.bft!.validatorSet.size).toBe(3);
  }, 240_000);
});
