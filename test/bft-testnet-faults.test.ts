// Faults on a 4-validator testnet of real processes: a 2/2 partition (made with setban on
// both sides) finalizes nothing anywhere and continues when healed; a validator killed -9
// in the middle of a round and restarted replays its write-ahead log and signs nothing that
// conflicts with what it signed before (no evidence about it, still a validator).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainInfos, finalizedAll, samePrefix, startTestnet, until, type Testnet } from './support/testnet.js';

let net: Testnet;
beforeAll(async () => {
  net = await startTestnet(['--consensus', 'bft', '--keep-going'], { nodes: 4 });
  await finalizedAll(net, 2, undefined, 90_000);
}, 150_000);
afterAll(async () => net?.stop(), 60_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sides = [
  [0, 1],
  [2, 3],
];

async function connections(): Promise<number[]> {
  return Promise.all(net.nodes.map((n) => net.call(n.node, 'getconnectioncount') as Promise<number>));
}

describe('a 2/2 partition', () => {
  it('finalizes nothing on either side, and continues on one chain when healed', async () => {
    for (const [mine, theirs] of [sides, [sides[1]!, sides[0]!]] as number[][][]) {
      for (const i of mine!) for (const j of theirs!) await net.call(i, 'setban', [net.nodes[j]!.peerid, 'add', 3600]);
    }
    await until('the two halves to lose each other', async () => (await connections()).every((c) => c === 1), 30_000);
    await sleep(3000); // a height already voted through before the cut may still complete
    const cut = await chainInfos(net);
    await sleep(8000);
    const later = await chainInfos(net);
    for (const [i, info] of later.entries()) {
      expect(info!.finalized, `node ${i} finalized during the partition`).toBe(cut[i]!.finalized);
      expect(info!.blocks, `node ${i} connected a block during the partition`).toBe(cut[i]!.blocks);
    }
    await samePrefix(net, Math.min(...later.map((x) => x!.finalized)));

    for (const n of net.nodes) await net.call(n.node, 'clearbanned');
    await until('the mesh to come back', async () => (await connections()).every((c) => c === 3), 60_000);
    const healed = await finalizedAll(net, Math.max(...later.map((x) => x!.finalized)) + 3, undefined, 90_000);
    await samePrefix(net, Math.min(...healed.map((x) => x!.finalized)));
  }, 180_000);
});

describe('a validator killed -9 mid-round', () => {
  it('replays its WAL on restart and never equivocates', async () => {
    const victim = 1;
    const key = JSON.parse(readFileSync(join(net.dir, `node-${victim}`, 'validator.key'), 'utf8')).publicKey as string;
    expect((await net.call(0, 'getvalidators')).map((v: { address: string }) => v.address)).toContain(key);
    // Kill it after it has voted in this height (prevote or precommit step), before the height ends.
    const at = await until('node 1 to be between its votes', async () => {
      const s = await net.tryCall(victim, 'getconsensusstate');
      return s && (s.step === 'prevote' || s.step === 'precommit') ? s : null;
    }, 30_000, 5);
    await net.kill(victim, 'SIGKILL');
    await net.restart(victim);
    const resumed = await finalizedAll(net, at.height + 4, undefined, 90_000);
    const upTo = Math.min(...resumed.map((x) => x!.finalized));
    await samePrefix(net, upTo);
    // Every node saw its votes before and after the crash: a conflicting pair would have been
    // logged as an equivocation and submitted as evidence, which removes the validator.
    for (const n of net.nodes) expect(readFileSync(join(net.dir, `node-${n.node}`, 'node.log'), 'utf8')).not.toMatch(/equivocation by/);
    const validators = (await net.call(0, 'getvalidators')) as { address: string }[];
    expect(validators).toHaveLength(4);
    expect(validators.map((v) => v.address)).toContain(key);
  }, 150_000);
});
