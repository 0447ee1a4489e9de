import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { HashlaneNode } from '../dist/node/node.js';
import { encodeBlock } from '../dist/chain/block.js';
import { completeBlock } from '../dist/chain/template.js';
import { encodeHeader, scanNonces } from '../dist/pow/index.js';
import { defineParams, regtestParams } from '../dist/chain/params.js';
import { generate, keypair, rpc, startNode, transferHex, until } from './support/node.js';

const nodes: HashlaneNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
});

async function rawPeer(node: HashlaneNode) {
  const ws = new WebSocket(`ws://127.0.0.1:${node.network.listenPort}/`);
  let closed = false;
  ws.on('close', () => (closed = true));
  await new Promise((r) => ws.once('open', r));
  ws.send(
    JSON.stringify({
      t: 'hello',
      version: 1,
      chainId: `${node.params.name}:${node.params.chainId}`,
      genesis: Buffer.from(node.chain.genesisHash).toString('hex'),
      height: 0,
      work: '1',
      agent: 'test',
      listenPort: 0,
      nonce: '00112233aabbccdd',
    }),
  );
  await until(() => node.network.ready().length === 1, 5000, 'handshake');
  return { ws, closed: () => closed, peer: node.network.ready()[0]! };
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
    const p = await rawPeer(node);
    // A transaction with a broken signature: 10 points, no ban.
    const good = transferHex(keypair(41), keypair(42).pk, 1n, 0);
    const bad = good.slice(0, -2) + (good.endsWith('00') ? '01' : '00');
    p.ws.send(JSON.stringify({ t: 'tx', data: bad }));
    await until(() => p.peer.score === 10, 5000, 'tx penalty');
    expect(node.network.isBanned('127.0.0.1')).toBe(false);
    // A block whose hash misses its target: banned at once.
    const t = node.template(node.minerAddress);
    const header = encodeHeader(t.header);
    let nonce = 0;
    while (scanNonces(header, t.target, nonce, 1).nonce !== null) nonce++;
    const block = completeBlock(t, { nonce });
    p.ws.send(JSON.stringify({ t: 'block', data: Buffer.from(encodeBlock(block)).toString('hex') }));
    await until(() => p.closed(), 5000, 'disconnect');
    // Loopback: the ban is keyed by address:port, so other local nodes stay welcome.
    expect(node.network.isBanned(node.network.keyOf(p.peer))).toBe(true);
    expect(node.network.isBanned('127.0.0.1')).toBe(false);
    expect([...node.network.bans.values()][0]!.reason).toMatch(/high-hash/);
    expect(node.chain.height).toBe(1);
  });
});
