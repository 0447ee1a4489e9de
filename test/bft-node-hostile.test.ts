// Hostile BFT gossip against a validator: garbage, an oversized message, a vote by a key
// outside the set, a forged validator vote, another chain's message and a flood. Each is
// dropped and its sender penalised (then banned); the validators keep finalizing and the
// victim's signature queue stays bounded.
import { afterAll, describe, expect, it } from 'vitest';
import type { HashlaneNode } from '../dist/node/node.js';
import type { Peer } from '../dist/node/net/network.js';
import { encodeBftMessage, BFT_PROPOSAL } from '../dist/node/net/bft-wire.js';
import { PREVOTE, voteSignBytes, type Vote } from '../dist/bft/messages.js';
import { ed25519 } from '../dist/sig/index.js';
import { bftParams, keyOf, peerIdOf, startValidator, startValidators, type Key } from './support/bft-node.js';
import { until } from './support/node.js';

const nodes: HashlaneNode[] = [];
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
});

describe('hostile bft gossip', () => {
  it('is dropped and penalised without a crash; the chain goes on', async () => {
    const keys = [0, 1, 2, 3].map((i) => keyOf(`hostile ${i}`));
    const bad = [0, 1, 2, 3, 4, 5].map((i) => keyOf(`attacker ${i}`));
    // Small blocks, so that an oversized message is small too (the cap follows params.maxBlockSize).
    const params = bftParams(keys, { maxBlockSize: 100_000 });
    // Every attacker dials from 127.0.0.1: room for all of them beside the validators. A
    // per-peer budget of 50 messages/s (burst 300): well above what validators send, well
    // below what one process can flood on two shared cores.
    const vs = await startValidators(params, keys, { allowPeers: bad.map((k) => peerIdOf(k.pk)), nodeLimits: { p2pMaxPerAddress: 32, p2pMsgRate: 50, p2pMsgBurst: 300 } });
    nodes.push(...vs);
    const victim = vs[0]!;
    await until(() => victim.chain.height >= 2, 60_000, 'first blocks');
    const penalties: { peer: string; points: number; why: string }[] = [];
    victim.network.on('penalty', (p: Peer, points: number, why: string) => penalties.push({ peer: p.key, points, why }));
    const topic = victim.network.protocols.bftTopic!;

    const attack = async (k: Key) => {
      const a = await startValidator(params, k, { peers: [`127.0.0.1:${victim.network.listenPort}`] });
      nodes.push(a);
      const ps = a.network.libp2p.services.pubsub;
      await until(() => ps.getSubscribers(topic).some((id) => id.toString() === victim.network.peerId), 60_000, 'attacker sees the victim on the bft topic');
      return a;
    };
    const vote = (signer: Key, height: number, signature?: Uint8Array): Vote => {
      const blockId = ed25519.randomSecretKey();
      return { type: PREVOTE, height, round: 0, blockId, validator: signer.pk, signature: signature ?? ed25519.sign(voteSignBytes(params.chainId, PREVOTE, height, 0, blockId), signer.sk) };
    };
    const penaltiesOf = (k: Key) => penalties.filter((p) => p.peer === peerIdOf(k.pk));

    // One attacker per kind of message: gossipsub graylists a peer after its second rejected
    // message (invalid deliveries weigh -100, squared), so a third would not even be read.
    const h = () => victim.bft!.state().height;
    const huge = new Uint8Array(params.maxBlockSize + 2000);
    huge[0] = BFT_PROPOSAL;
    new DataView(huge.buffer).setUint32(1, params.chainId, true);
    const cases: { what: string; bytes: () => Uint8Array; why: RegExp }[] = [
      { what: 'garbage', bytes: () => Uint8Array.from([9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), why: /undecodable message: .*tag 9/ },
      { what: 'an oversized proposal', bytes: () => huge, why: /bft proposal of \d+ bytes, at most/ },
      { what: 'a vote by a key outside the set', bytes: () => encodeBftMessage(params.chainId, { kind: 'vote', vote: vote(bad[2]!, h()) }), why: /not a validator at height/ },
      { what: 'a forged validator vote', bytes: () => encodeBftMessage(params.chainId, { kind: 'vote', vote: vote(keys[1]!, h(), new Uint8Array(64).fill(7)) }), why: /vote: a signature does not verify/ },
      { what: "another chain's vote", bytes: () => encodeBftMessage(params.chainId ^ 1, { kind: 'vote', vote: vote(keys[1]!, h()) }), why: /bft message for chain 0x/ },
    ];
    for (const [i, c] of cases.entries()) {
      const k = bad[i]!;
      const a = await attack(k);
      // Sent again (a new message, at the height of the moment) until judged: the chain
      // moves on meanwhile, and a vote of a height already past is only ignored.
      for (let t = 0; t < 15 && penaltiesOf(k).length === 0; t++) {
        a.network.publish(topic, c.bytes());
        await until(() => penaltiesOf(k).length >= 1, 2_000, `${c.what} penalised`).catch(() => {});
      }
      expect(penaltiesOf(k).length, c.what).toBeGreaterThan(0);
      expect(penaltiesOf(k)[0]!.why, c.what).toMatch(c.why);
      // A second one, and gossipsub's own score turns against the sender too.
      a.network.publish(topic, c.bytes().length > 1000 ? c.bytes() : Uint8Array.from([...c.bytes(), 0]));
      await until(() => victim.network.gossipScore(victim.network.peers.get(peerIdOf(k.pk)) ?? ({ key: peerIdOf(k.pk) } as Peer)) < 0, 10_000, `${c.what}: gossip score drops`);
    }
    // Another chain's message costs the whole ban score at once.
    expect(victim.network.isBanned(peerIdOf(bad[4]!.pk))).toBe(true);

    // A flood of well-formed votes far ahead (ignored, never verified) runs into the rate limit.
    const flooder = bad[5]!;
    const c = await attack(flooder);
    const ignoredBefore = victim.bft!.stats.ignored;
    const verifiedBefore = victim.bft!.verifier.itemsVerified;
    for (let i = 0; i < 2500 && !victim.network.isBanned(peerIdOf(flooder.pk)); i++) {
      c.network.publish(topic, encodeBftMessage(params.chainId, { kind: 'vote', vote: vote(flooder, h() + 1000 + i) }));
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    await until(() => victim.network.isBanned(peerIdOf(flooder.pk)), 30_000, 'the flooding attacker banned');
    expect(penaltiesOf(flooder).some((p) => /rate limit/.test(p.why))).toBe(true);
    expect(victim.bft!.stats.ignored - ignoredBefore).toBeGreaterThan(250);
    // Far-ahead votes never reach the signature queue: what it verified meanwhile is the validators' own traffic.
    expect(victim.bft!.verifier.itemsVerified - verifiedBefore).toBeLessThan(500);

    // The validators never stopped.
    const at = victim.chain.height;
    await until(() => vs.every((n) => n.chain.height >= at + 2), 60_000, 'validators go on after the attacks');
    const tips = new Set(vs.map((n) => Buffer.from(n.chain.getHashAtHeight(at + 1)!).toString('hex')));
    expect(tips.size).toBe(1);
  }, 240_000);
});
