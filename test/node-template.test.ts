// A block template runs the block on the tip (state and receipts roots), so the node reuses
// one while nothing it depends on changed: a client asking for jobs in a loop (web /ws
// getjob, Stratum) costs a lookup, not a block execution per request.
import { describe, expect, it } from 'vitest';
import { generate, keypair, rpc, startNode, transferHex } from './support/node.js';

describe('node block templates', () => {
  it('are reused at an unchanged tip, mempool and payee, and rebuilt when any of them moves', async () => {
    const node = await startNode();
    try {
      const alice = keypair(31);
      const bob = keypair(32);
      const t1 = node.template(alice.pk);
      expect(node.template(alice.pk)).toBe(t1);
      expect(node.template(bob.pk)).not.toBe(t1);
      await generate(node, 2, alice.pk);
      const t2 = node.template(alice.pk);
      expect(t2).not.toBe(t1);
      expect(t2.height).toBe(3);
      expect(node.template(alice.pk)).toBe(t2);
      const sent = await rpc(node, 'sendrawtransaction', [transferHex(alice, bob.pk, 1000n, 0)]);
      expect(sent.error).toBeUndefined();
      const t3 = node.template(alice.pk);
      expect(t3).not.toBe(t2);
      expect(t3.block.txs).toHaveLength(2);
      await new Promise((r) => setTimeout(r, 1100));
      expect(node.template(alice.pk)).not.toBe(t3);
    } finally {
      await node.stop();
    }
  });
});
