import { afterAll, describe, expect, it } from 'vitest';
import type { HashlaneNode } from '../dist/node/node.js';
import { generate, keypair, rpc, startNode, stateOf, transferHex, until } from './support/node.js';
import { formatAmount } from '../dist/chain/amount.js';

const nodes: HashlaneNode[] = [];
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
});

const tipOf = (n: HashlaneNode) => Buffer.from(n.chain.tip.hash).toString('hex');

describe('three nodes on loopback', () => {
  it('one mines, transactions go to another, all converge; a partition heals to the most-work chain', async () => {
    const alice = keypair(1);
    const bob = keypair(2);
    // A mines to Alice; B dials A; C dials B. Transactions sent before a gossip mesh has
    // formed reach the miner by the mempool's push round (1 s here; see the test below).
    const rounds = { txRebroadcastMs: 1000 };
    const a = await startNode({ mine: true, threads: 1, blockIntervalMs: 40, minerAddress: alice.pk, ...rounds });
    const b = await startNode({ peers: [`127.0.0.1:${a.network.listenPort}`], ...rounds });
    const c = await startNode({ peers: [`127.0.0.1:${b.network.listenPort}`], ...rounds });
    nodes.push(a, b, c);
    await until(() => a.chain.height >= 5, 20_000, 'A mining');
    await until(() => c.chain.height >= 5, 20_000, 'C syncing through B');

    // Transactions from Alice, sent to C; they reach A's mempool and get mined.
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await rpc(c, 'sendrawtransaction', [transferHex(alice, bob.pk, 1000n + BigInt(i), i)]);
      expect(r.error, JSON.stringify(r.error)).toBeUndefined();
      sent.push(r.result);
    }
    await until(async () => (await rpc(b, 'getbalance', [Buffer.from(bob.pk).toString('hex')])).result === formatAmount(5n * 1000n + 10n), 20_000, 'transfers mined');
    await a.miner!.stop();
    await until(() => tipOf(a) === tipOf(b) && tipOf(b) === tipOf(c), 10_000, 'same tip');
    expect(stateOf(b)).toEqual(stateOf(a));
    expect(stateOf(c)).toEqual(stateOf(a));
    for (const id of sent) expect((await rpc(a, 'gettransaction', [id])).result.confirmations).toBeGreaterThan(0);
    expect(a.mempool.size + b.mempool.size + c.mempool.size).toBe(0);

    // Partition: {A, B} | {C}.
    c.network.removePeer(`127.0.0.1:${b.network.listenPort}`);
    await until(() => b.network.ready().length === 1 && c.network.ready().length === 0, 5000, 'partition');
    const forkHeight = c.chain.height;
    // C's half: a transfer from Alice mined into 2 blocks there.
    const undone = await rpc(c, 'sendrawtransaction', [transferHex(alice, bob.pk, 777n, 5)]);
    expect(undone.error).toBeUndefined();
    await generate(c, 2);
    expect(c.mempool.size).toBe(0);
    // A's half mines more work.
    await generate(a, 4);
    await until(() => tipOf(b) === tipOf(a), 5000, 'B follows A');
    expect(c.chain.height).toBe(forkHeight + 2);
    expect(a.chain.height).toBe(forkHeight + 4);

    // Heal.
    c.network.addPeer(`127.0.0.1:${b.network.listenPort}`);
    await until(() => tipOf(c) === tipOf(a), 10_000, 'C reorganises to the most-work chain');
    expect(stateOf(c)).toEqual(stateOf(a));
    // The transfer undone on C is pending again, on C and (gossiped) on A and B.
    const id = undone.result;
    for (const n of [a, b, c]) await until(async () => (await rpc(n, 'getrawmempool')).result.includes(id), 5000, 'undone tx back in the mempools');
    await generate(a, 1);
    await until(() => tipOf(c) === tipOf(a) && c.mempool.size === 0 && b.mempool.size === 0, 5000, 'mined after the heal');
    expect((await rpc(c, 'gettransaction', [id])).result.confirmations).toBe(1);
    expect(stateOf(c)).toEqual(stateOf(a));
  }, 60_000);
});

describe('transactions gossip missed', () => {
  it('a transaction waiting in a mempool is pushed to the peers again, so one that missed the gossip still gets it', async () => {
    const alice = keypair(1);
    const bob = keypair(2);
    const a = await startNode({ mine: true, threads: 1, blockIntervalMs: 40, minerAddress: alice.pk, txRebroadcastMs: 300 });
    nodes.push(a);
    await until(() => a.chain.height >= 3, 20_000, 'A mining');
    await a.miner!.stop();
    const b = await startNode({ peers: [`127.0.0.1:${a.network.listenPort}`], txRebroadcastMs: 300 });
    nodes.push(b);
    await until(() => b.chain.height === a.chain.height && a.network.ready().length === 1, 20_000, 'B synced');
    // Straight into A's mempool, as if its gossip had reached no mesh: no relay happens here.
    const tx = Buffer.from(transferHex(alice, bob.pk, 1234n, 0), 'hex');
    a.mempool.add(tx);
    expect(b.mempool.size).toBe(0);
    const t = Date.now();
    await until(() => b.mempool.size === 1, 5_000, 'the push reaches B');
    console.log(`rebroadcast: B had the waiting transaction after ${Date.now() - t} ms (round 300 ms)`);
  }, 60_000);
});
