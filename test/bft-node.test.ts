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
