// `hashlane node` on bft chains: the flags (--chain bft-devnet|consortium-devnet, --genesis,
// --validator-key, --bft-timeouts), the refusals (--mine, --web, hostile timeouts), the
// validator key file, and a running node's RPC.
import { mkdtemp, rm, stat, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { genesisJson } from '../dist/chain/genesis-file.js';
import * as C from '../dist/chain/index.js';
import { parseValidatorKey } from '../dist/node/validator-key.js';
import { cli, startCli } from './support/cli.js';
import { cookieAuth, rpc } from './support/node.js';
import { keyOf } from './support/bft-node.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const tmp = async () => {
  const d = await mkdtemp(join(tmpdir(), 'hl-bftcli-'));
  dirs.push(d);
  return d;
};

describe('hashlane node on bft chains', () => {
  it('refuses flags that do not fit a bft chain, with exit code 2', async () => {
    const d = await tmp();
    const bad: [string[], RegExp][] = [
      [['node', '--chain', 'bft-devnet', '--mine', '--data-dir', d], /^hashlane node: --mine with a bft chain \(bft-devnet\); expected no --mine/m],
      [['node', '--chain', 'bft-devnet', '--web', '--data-dir', d], /^hashlane node: --web with a bft chain \(bft-devnet\); expected no --web: the web page mines proof-of-work blocks/m],
      [['node', '--chain', 'pos-devnet', '--web', '--data-dir', d], /^hashlane node: --web with a bft chain \(pos-devnet\)/m],
      [['node', '--chain', 'regtest', '--bft-timeouts', '300,300,300,100', '--data-dir', d], /^hashlane node: --bft-timeouts with --chain regtest; expected a bft chain/m],
      [['node', '--chain', 'consortium-devnet', '--data-dir', d], /^hashlane node: --chain consortium-devnet without --genesis; expected --genesis <file>/m],
      [['node', '--chain', 'regtest', '--validator-key', join(d, 'k'), '--data-dir', d], /^hashlane node: --validator-key with --chain regtest; expected a bft chain/m],
      [['node', '--genesis', join(d, 'missing.json'), '--data-dir', d], /^hashlane node: --genesis .*missing\.json cannot be read \(ENOENT\)/m],
    ];
    const gbad = join(d, 'bad.json');
    await writeFile(gbad, JSON.stringify({ chain: 'consortium-devnet', chainId: 1, genesisTime: 1, validators: [{ publicKey: 'zz', power: '1' }] }));
    bad.push([['node', '--genesis', gbad, '--data-dir', d], /^hashlane node: --genesis .*bad\.json: .*publicKey/m]);
    // Hostile --bft-timeouts values: each refused by the parser, before anything starts.
    const timeouts: [string, RegExp][] = [
      ['300,300,300', /is not four values; expected four integers of milliseconds propose,prevote,precommit,commit, each in 10\.\.600000/],
      ['1'.repeat(5000), /is not four values/],
      ['300,300,300,9', /commit 9 ms is out of range/],
      ['0,300,300,300', /propose 0 ms is out of range/],
      ['300,600001,300,300', /prevote 600001 ms is out of range/],
      ['300,300,99999999999,300', /precommit "99999999999" is not an integer/],
      ['-1,300,300,300', /propose "-1" is not an integer/],
      ['1e3,300,300,300', /propose "1e3" is not an integer/],
      ['300, 300,300,300', /prevote " 300" is not an integer/],
    ];
    for (const [v, msg] of timeouts) bad.push([['node', '--chain', 'bft-devnet', `--bft-timeouts=${v}`, '--data-dir', d], new RegExp(`^hashlane node: --bft-timeouts .*${msg.source}`, 'm')]);
    const [results, help, testnetHelp] = await Promise.all([Promise.all(bad.map(([args]) => cli(args))), cli(['node', '--help']), cli(['testnet', '--help'])]);
    for (const [i, [args, msg]] of bad.entries()) {
      expect(results[i]!.code, args.join(' ')).toBe(2);
      expect(results[i]!.stderr, args.join(' ')).toMatch(msg);
    }
    for (const h of [help, testnetHelp]) {
      expect(h.code).toBe(0);
      expect(h.stdout.replace(/\s+/g, ' ')).toMatch(/--bft-timeouts <propose,prevote,precommit,commit> .*10\.\.600000/);
    }
  }, 60_000);

  it('bft-devnet: one validator, the node\'s own key (created 0600), finalizes blocks; RPC shows it', async () => {
    const d = await tmp();
    const node = startCli(['node', '--chain', 'bft-devnet', '--data-dir', d, '--rpc-port', '0', '--p2p-port', '0', '--no-status']);
    try {
      const [, port] = await node.waitFor(/rpc http:\/\/127\.0\.0\.1:(\d+)\//, 30_000);
      expect(node.output()).toMatch(/no local miner and no Stratum server/);
      expect(node.output()).not.toMatch(/stratum\+tcp/);
      await node.waitFor(/bft: finalized block 2 /, 30_000);
      const keyPath = join(d, 'bft-devnet', 'validator.key');
      expect((await stat(keyPath)).mode & 0o777).toBe(0o600);
      const key = parseValidatorKey(await readFile(keyPath, 'utf8'));
      const target = { port: Number(port), authorization: cookieAuth(d, 'bft-devnet') };
      const info = (await rpc(target, 'getblockchaininfo')).result;
      expect(info).toMatchObject({ chain: 'bft-devnet', consensus: 'bft' });
      expect(info.finalized).toBeGreaterThanOrEqual(info.blocks - 1);
      expect(info.finalizedhash).toBe((await rpc(target, 'getblockhash', [info.finalized])).result);
      const vals = (await rpc(target, 'getvalidators')).result;
      expect(vals).toEqual([{ name: 'devnet', address: Buffer.from(key.publicKey).toString('hex'), power: '1', proposerPriority: expect.stringMatching(/^-?\d+$/) }]);
      const cs = (await rpc(target, 'getconsensusstate')).result;
      // Without --bft-timeouts the node runs the chain's timeouts.
      expect(cs).toMatchObject({ validator: true, proposer: Buffer.from(key.publicKey).toString('hex'), timeouts: C.bftDevnetParams.bftTimeouts });
      expect(cs.height).toBeGreaterThanOrEqual(info.blocks);
      expect(['propose', 'prevote', 'precommit', 'commit']).toContain(cs.step);
      expect(await node.stop()).toBe(0);
    } finally {
      await node.stop();
    }
  }, 90_000);

  it('consortium-devnet from a genesis file with --validator-key and --bft-timeouts; the status line shows round and finalized', async () => {
    const d = await tmp();
    const k = keyOf('cli consortium');
    const keyFile = join(d, 'org-a.key');
    await writeFile(keyFile, JSON.stringify({ publicKey: Buffer.from(k.pk).toString('hex'), secretKey: Buffer.from(k.sk).toString('hex') }), { mode: 0o600 });
    const genesis = join(d, 'genesis.json');
    await writeFile(genesis, JSON.stringify(genesisJson(C.withValidators(C.consortiumDevnetParams, [{ name: 'org-a', publicKey: k.pk, power: 1n }]))));
    // Not a TTY: a status line every 10 s among the log lines.
    const node = startCli(['node', '--genesis', genesis, '--validator-key', keyFile, '--data-dir', d, '--rpc-port', '0', '--p2p-port', '0', '--bft-timeouts', '400,300,250,200']);
    try {
      await node.waitFor(/validating with key [0-9a-f]{64}/, 30_000);
      const [, port] = await node.waitFor(/rpc http:\/\/127\.0\.0\.1:(\d+)\//, 30_000);
      expect(node.output()).toMatch(/bft timeouts \(--bft-timeouts, this node only\): propose 400 ms, prevote 300 ms, precommit 250 ms, commit 200 ms/);
      const target = { port: Number(port), authorization: cookieAuth(d, 'consortium-devnet') };
      // The four base values are the flag's; the per-round increases stay the chain's.
      const chainT = C.consortiumDevnetParams.bftTimeouts!;
      expect((await rpc(target, 'getconsensusstate')).result.timeouts).toEqual({ ...chainT, propose: 400, prevote: 300, precommit: 250, commit: 200 });
      // The genesis is the file's: the flag is not part of the chain.
      expect((await rpc(target, 'getblockhash', [0])).result).toBe(C.toDisplayHex(C.blockHash(C.genesisBlock(C.withValidators(C.consortiumDevnetParams, [{ name: 'org-a', publicKey: k.pk, power: 1n }])).header)));
      const [line] = await node.waitFor(/height \d+ \| round \d+ \| finalized \d+ \| peers 0 \| mempool 0/, 30_000);
      expect(line).toBeTruthy();
      expect(node.output()).toContain(Buffer.from(k.pk).toString('hex'));
    } finally {
      expect(await node.stop()).toBe(0);
    }
  }, 90_000);
});
