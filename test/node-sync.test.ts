import { afterEach, describe, expect, it } from 'vitest';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { Network } from '../dist/node/net/network.js';
import { protocolsFor } from '../dist/node/net/wire.js';
import type { HashlaneNode } from '../dist/node/node.js';
import { encodeBlock } from '../dist/chain/block.js';
import { completeBlock } from '../dist/chain/template.js';
import { encodeHeader, scanNonces } from '../dist/pow/index.js';
import { defineParams, regtestParams } from '../dist/chain/params.js';
import { generate, keypair, rpc, startNode, transferHex, until } from './support/node.js';

const nodes: HashlaneNode[] = [];
const nets: Network[] = [];
afterEach(async () => {
  await Promise.all(nets.splice(0).map((n) => n.close()));
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
});

/** A libp2p peer of the node's chain that publishes what the test hands it on gossipsub. */
async function gossiper(node: HashlaneNode): Promise<Network> {
  const P = protocolsFor(node.params);
  const status = { genesis: node.chain.genesisHash, height: 0, work: 1n, tip: node.chain.genesisHash };
  const limits = { maxMessageBytes: 8 << 20, msgRate: 1e6, msgBurst: 1e6, byteRate: 1e9, byteBurst: 1e9, banScore: 100, handshakeTimeoutMs: 5000, stallMs: 5000, maxInbound: 8, maxOutbound: 8, maxPerAddress: 8 };
  const net = new Network({ protocols: P, privateKey: await generateKeyPair('Ed25519'), port: 0, limits, status: () => status, onGossip: async () => 'ignore' as never });
  await net.start();
  nets.push(net);
  net.addPeer(`127.0.0.1:${node.network.listenPort}`);
  await until(() => node.network.ready().length === 1 && net.libp2p.services.pubsub.getSubscribers(P.txTopic).length > 0, 10_000, 'gossip peer');
  return net;
}

describe('sync and misbehaviour', () => {
  it('header-first sync of a 400-block chain, and RPC latency', async () => {
    // No retargets: regtest blocks generated this fast would otherwise get 4x harder every 20.
    const params = defineParams(regtestParams, { retargetInterval: 1_000_000 });
    const a = await startNode({ params });
    nodes.push(a);
    await generate(a, 400);
    // Tight message rate limits on B: answers to its own requests must not count against A.
    const b = await startNode({ params, limits: { msgRate: 20, msgBurst: 40 }, peers: [`127.0.0.1:${a.network.listenPort}`] });
    nodes.push(b);
    const t0 = performance.now();
    await until(() => b.chain.height === 400, 60_000, 'sync');
    const secs = (performance.now() - t0) / 1000;
    expect(Buffer.from(b.chain.tip.hash)).toEqual(Buffer.from(a.chain.tip.hash));
    expect(b.network.bans.size).toBe(0);
    const lat: number[] = [];
    for (let i = 0; i < 100; i++) {
      const s = performance.now();
      await rpc(b, 'getblockcount');
      lat.push(performance.now() - s);
    }
    lat.sort((x, y) => x - y);
    console.log(`sync: 400 blocks in ${secs.toFixed(2)} s (${(400 / secs).toFixed(0)} blocks/s); RPC getblockcount median ${lat[50]!.toFixed(2)} ms, p90 ${lat[90]!.toFixed(2)} ms`);
  }, 90_000);

  it('bans a peer that sends a block with invalid proof of work; scores an invalid transaction', async () => {
    const node = await startNode();
    nodes.push(node);
    await generate(node, 1);
    const g = await gossiper(node);
    const P = protocolsFor(node.params);
    const peer = node.network.ready()[0]!;
    // A transaction with a broken signature: 10 points, no ban.
    const good = transferHex(keypair(41), keypair(42).pk, 1n, 0);
    const bad = good.slice(0, -2) + (good.endsWith('00') ? '01' : '00');
    g.publish(P.txTopic, Buffer.from(bad, 'hex'));
    await until(() => peer.score === 10, 5000, 'tx penalty');
    expect(node.network.isBanned(node.network.keyOf(peer))).toBe(false);
    // A block whose hash misses its target: banned at once.
    const t = node.template(node.minerAddress);
    const header = encodeHeader(t.header);
    let nonce = 0;
    while (scanNonces(header, t.target, nonce, 1).nonce !== null) nonce++;
    const block = completeBlock(t, { nonce });
    g.publish(P.blockTopic, encodeBlock(block));
    await until(() => g.ready().length === 0, 5000, 'disconnect');
    // Loopback: the ban is keyed by peer id, so other local nodes stay welcome.
    expect(node.network.isBanned(g.peerId)).toBe(true);
    expect(node.network.isBanned('127.0.0.1')).toBe(false);
    expect([...node.network.bans.values()][0]!.reason).toMatch(/high-hash/);
    expect(node.chain.height).toBe(1);
  });
});
