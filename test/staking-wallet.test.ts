// The wallet verbs and the RPC views against a node running pos-devnet / dpos-devnet (its
// registry and views come from the params alone). Blocks are sealed here: the test holds
// the validator keys and signs each LastCommit (test/support/bft-chain.ts signCommit).
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as C from '../dist/chain/index.js';
import type { HashlaneNode } from '../dist/node/node.js';
import { GENESIS_TIME, keyOf, signCommit, TIMEOUTS, type Key } from './support/bft-chain.js';
import { cli } from './support/cli.js';
import { rpc, startNode } from './support/node.js';

const COIN = 100_000_000n;
const vals = [0, 1, 2, 3].map((i) => keyOf(`wallet validator ${i}`));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hashlane-staking-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Seals the node's next block from its mempool with a commit of every validator. */
async function seal(node: HashlaneNode, keys: Key[]): Promise<void> {
  const chain = node.chain;
  const byKey = new Map(keys.map((k) => [C.toHex(k.pk), k]));
  const lastCommit = chain.height === 0 ? undefined : signCommit(chain.params.chainId, C.lastSet(chain.state)!, byKey, chain.height, chain.tip.hash, C.lastSet(chain.state)!.size);
  const t = C.createBlockTemplate(chain, node.mempool, { coinbaseTo: keys[0].pk, lastCommit });
  // Connected as the driver connects a decided block (submitBlock refuses blocks on a bft chain).
  const res = await chain.addBlock(t.block);
  if (res.status !== 'connected') throw new Error(`sealed block not connected: ${res.status}`);
}

async function startOn(preset: C.ChainParams, name: string, premineTo: Uint8Array): Promise<HashlaneNode> {
  const params = C.withValidators(preset, vals.map((k, i) => ({ publicKey: k.pk, power: 1n, name: `v${i}` })), {
    genesisTime: GENESIS_TIME,
    bftTimeouts: TIMEOUTS,
    premine: [{ publicKey: premineTo, amount: 10_000n * COIN }],
  });
  return startNode({ params, dataDir: join(dir, name), p2pPort: null, minerAddress: vals[0].pk });
}

/** `hashlane …` in a folder of its own (keystores), asserting the exit code. */
async function cliIn(name: string) {
  const cwd = join(dir, name);
  await mkdir(cwd, { recursive: true });
  const env = { HASHLANE_PASSPHRASE: 'staking test' };
  return async (args: string[], code = 0) => {
    const r = await cli(args, { cwd, env, timeoutMs: 60_000 });
    expect(r.code, `${args.join(' ')}\n${r.stdout}${r.stderr}`).toBe(code);
    return r;
  };
}

describe('wallet staking verbs and RPC views', () => {
  it('pos-devnet: stake (registers), delegate, rewards, undelegate, claim; getstaking, listvalidators, getstakinginfo', async () => {
    const run = await cliIn('pos-cli');
    const alice = (await run(['wallet', '--keystore', 'a.json', 'create', '--kdf-memory', '8'])).stdout.trim();
    const node = await startOn(C.posDevnetParams, 'pos', C.fromHex(alice));
    try {
      const on = ['--rpc', `http://127.0.0.1:${node.rpc!.port}/`, '--data-dir', join(dir, 'pos'), '--chain', 'pos-devnet'];
      await seal(node, vals);
      const w = (args: string[], code = 0) => run(['wallet', '--keystore', 'a.json', ...on, ...args], code);
      // the first stake needs a consensus key; then it registers alice as a validator
      expect((await w(['stake', '100'], 2)).stderr).toMatch(/--consensus-key/);
      const ck = keyOf('alice consensus').pk;
      await w(['stake', '100', '--consensus-key', C.toHex(ck), '--commission', '500']);
      await seal(node, vals);
      await w(['delegate', C.toHex(vals[1].pk), '250.5']);
      await seal(node, vals);
      await seal(node, vals);
      const view = (await rpc(node, 'getstaking', [alice])).result;
      expect(view.validator).toMatchObject({ consensuskey: C.toHex(ck), stake: (100n * COIN).toString(), commission: 500, jailed: false });
      expect(view.delegations.map((d: { amount: string }) => d.amount).sort()).toEqual([(100n * COIN).toString(), (25050n * 1_000_000n).toString()].sort());
      expect(BigInt(view.pendingrewards)).toBeGreaterThan(0n);
      const out = (await w(['rewards'])).stdout;
      expect(out).toMatch(/^bonded {3}350\.5/m);
      expect(out).toMatch(/^pending {2}\d/m);
      await w(['undelegate', C.toHex(vals[1].pk), '50.5']);
      await seal(node, vals);
      const after = (await rpc(node, 'getstaking', [alice])).result;
      expect(after.unbonding).toHaveLength(1);
      expect(after.unbonding[0].amount).toBe((505n * 10_000_000n).toString());
      expect(after.unbonding[0].releaseheight).toBe(node.chain.height + C.stakingOf(node.chain.params).unbondingBlocks);
      expect((await w(['rewards'])).stdout).toMatch(new RegExp(`^unbonding 50\\.5 released at height ${after.unbonding[0].releaseheight}$`, 'm'));
      const before = BigInt((await rpc(node, 'getbankaccount', [alice])).result.balance);
      const pending = BigInt(after.pendingrewards);
      await w(['claim']);
      await seal(node, vals);
      const bal = BigInt((await rpc(node, 'getbankaccount', [alice])).result.balance);
      expect(bal).toBeGreaterThan(before + pending - 10_000n); // minus the claim's fee
      // the README's hashlane rpc lines
      const viaCli = JSON.parse((await run(['rpc', ...on, 'getstaking', alice])).stdout);
      expect(viaCli.address).toBe(alice);
      expect(JSON.parse((await run(['rpc', ...on, 'listvalidators'])).stdout).total).toBe(5);
      const list = (await rpc(node, 'listvalidators', [])).result;
      expect(list.total).toBe(5);
      expect(list.validators[4]).toMatchObject({ operator: alice, active: false });
      const info = (await rpc(node, 'getstakinginfo', [])).result;
      expect(info).toMatchObject({ module: 'staking', doublesignslash: 500, downtimeslash: 1, signedwindow: 50 });
      // every block's reward + fees (templates claim 0), so at least the new coins
      expect(BigInt(info.issued)).toBeGreaterThanOrEqual(BigInt(node.chain.height) * node.chain.params.blockReward);
      // dpos verbs on a pos chain: a usage error naming the right verb
      expect((await w(['vote', C.toHex(vals[0].pk)], 2)).stderr).toMatch(/DPoS/);
      // hostile RPC input: a typed error, not a crash
      const bad = await rpc(node, 'getstaking', ['zz']);
      expect(bad.error).toBeDefined();
    } finally {
      await node.stop();
    }
  }, 400_000);

  it('dpos-devnet: stake, vote, rewards, unstake; getvoter, listdelegates', async () => {
    const run = await cliIn('dpos-cli');
    const bob = (await run(['wallet', '--keystore', 'b.json', 'create', '--kdf-memory', '8'])).stdout.trim();
    const node = await startOn(C.dposDevnetParams, 'dpos', C.fromHex(bob));
    try {
      const on = ['--rpc', `http://127.0.0.1:${node.rpc!.port}/`, '--data-dir', join(dir, 'dpos'), '--chain', 'dpos-devnet'];
      const w = (args: string[], code = 0) => run(['wallet', '--keystore', 'b.json', ...on, ...args], code);
      await seal(node, vals);
      await w(['stake', '300']);
      await seal(node, vals);
      await w(['vote', C.toHex(vals[2].pk), C.toHex(vals[3].pk)]);
      await seal(node, vals);
      await seal(node, vals);
      const v = (await rpc(node, 'getvoter', [bob])).result;
      expect(v.bonded).toBe((300n * COIN).toString());
      expect(v.votes.map((x: { delegate: string }) => x.delegate)).toEqual([C.toHex(vals[2].pk), C.toHex(vals[3].pk)]);
      expect(BigInt(v.pendingrewards)).toBeGreaterThan(0n);
      const list = (await rpc(node, 'listdelegates', [])).result;
      expect(list.delegates[2].votes).toBe((1300n * COIN).toString());
      expect((await w(['rewards'])).stdout).toMatch(/^ {2}voting for /m);
      await w(['unstake', '100']);
      await seal(node, vals);
      expect((await rpc(node, 'getvoter', [bob])).result.unbonding[0].amount).toBe((100n * COIN).toString());
      expect((await w(['delegate', C.toHex(vals[0].pk), '1'], 2)).stderr).toMatch(/proof-of-stake/);
    } finally {
      await node.stop();
    }
  }, 400_000);
});
