// `hashlane testnet --consensus bft --nodes 4` as real processes: the four validators
// finalize; with one killed the other three (> 2/3) go on; with two killed the two left
// (= 1/2) halt without forking; restarted, all four resume on the same chain.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readmeBlocks, shellCommand, shellWords } from './support/readme.js';
import { cli } from './support/cli.js';
import { chainInfos, finalizedAll, samePrefix, startTestnet, type Testnet } from './support/testnet.js';

let net: Testnet;
let args: string[];
beforeAll(async () => {
  // The README's line, on ephemeral ports in a temporary folder; --keep-going because this
  // file kills nodes on purpose.
  const line = readmeBlocks().find((b) => b.marker?.includes('test/bft-testnet-liveness.test.ts'));
  expect(line, 'the README shows hashlane testnet --consensus bft').toBeDefined();
  const words = shellWords(shellCommand(line!.code.trim()), process.cwd());
  expect(words.slice(0, 2)).toEqual(['hashlane', 'testnet']);
  args = [...words.slice(2), '--keep-going'];
  net = await startTestnet(args, { nodes: Number(words[words.indexOf('--nodes') + 1]) });
}, 120_000);
afterAll(async () => net?.stop(), 60_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('hashlane testnet --consensus bft --nodes 4', () => {
  it('finalizes blocks, the same on every node, and says so over RPC', async () => {
    const infos = await finalizedAll(net, 3, undefined, 90_000);
    for (const info of infos) expect(info).toMatchObject({ consensus: 'bft' });
    const upTo = Math.min(...infos.map((x) => x!.finalized));
    const hashes = await samePrefix(net, upTo);
    for (const info of infos) if (info!.finalized === upTo) expect(info!.finalizedhash).toBe(hashes[upTo - 1]);
    const validators = (await net.call(0, 'getvalidators')) as { address: string; power: number | string }[];
    expect(validators).toHaveLength(4);
    for (const v of validators) expect(String(v.power)).toBe('1');
    const state = await net.call(0, 'getconsensusstate');
    expect(state.height).toBeGreaterThanOrEqual(upTo);
    expect(['propose', 'prevote', 'precommit', 'commit']).toContain(state.step);
  }, 120_000);

  it('goes on finalizing with one validator down', async () => {
    await net.kill(3);
    const [before] = await chainInfos(net, [0]);
    await finalizedAll(net, before!.finalized + 3, [0, 1, 2], 60_000);
    const upTo = Math.min(...(await chainInfos(net, [0, 1, 2])).map((x) => x!.finalized));
    await samePrefix(net, upTo, [0, 1, 2]);
  }, 90_000);

  it('halts without forking with two down, and resumes when they return', async () => {
    await net.kill(2);
    // Whatever was in flight when the second node went may still land; then nothing moves.
    await sleep(3000);
    const halted = await chainInfos(net, [0, 1]);
    await sleep(8000);
    const later = await chainInfos(net, [0, 1]);
    for (const [k, info] of later.entries()) {
      expect(info!.finalized, `node ${k} finalized a block with 2 of 4 validators`).toBe(halted[k]!.finalized);
      expect(info!.blocks, `node ${k} connected a block with 2 of 4 validators`).toBe(halted[k]!.blocks);
    }
    const upTo = Math.min(...later.map((x) => x!.finalized));
    await samePrefix(net, upTo, [0, 1]);

    await net.restart(2);
    await net.restart(3);
    const resumed = await finalizedAll(net, upTo + 3, [0, 1, 2, 3], 90_000);
    await samePrefix(net, Math.min(...resumed.map((x) => x!.finalized)));
  }, 150_000);

  it('resumes the same chain when started again on its data dir, and refuses another node count there', async () => {
    const before = (await chainInfos(net)).map((x) => x!.blocks);
    const genesis = await net.call(0, 'getblockhash', [0]);
    await net.stop(true);
    const fewer = await cli(['testnet', '--consensus', 'bft', '--nodes', '3', '--data-dir', net.dir, '--base-port', '0']);
    expect(fewer.code).toBe(2);
    expect(fewer.stderr).toMatch(/genesis\.json names 4 validator\(s\), not the keys of these 3 node\(s\); expected the --nodes of the run that made it, or a new --data-dir/);
    net = await startTestnet(args, { nodes: 4, dir: net.dir });
    // Each node starts from the blocks it stored, not from genesis.
    for (const [i, info] of (await chainInfos(net)).entries()) expect(info!.blocks, `node ${i}`).toBeGreaterThanOrEqual(Math.min(...before));
    expect(await net.call(0, 'getblockhash', [0])).toBe(genesis);
    await finalizedAll(net, Math.max(...before) + 2, undefined, 90_000);
  }, 150_000);
});
