// The README's quick start, line by line, as a new user runs it: start a mining node, bring
// its key into a wallet, look at the balance, send, and see the transfer confirmed. The only
// changes to the lines: `npm install` is the state this test runs in, `npx hashlane` is
// dist/cli/main.js, and the node gets regtest (fast blocks), one thread and ephemeral
// ports; the wallet commands get that node's RPC address and chain.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, startCli, type RunningCli } from './support/cli.js';
import { readmeBlocks, shellCommand, shellWords } from './support/readme.js';

const block = readmeBlocks().find((b) => b.marker?.startsWith('test/quickstart.test.ts'));
const NODE_FLAGS = ['--chain', 'regtest', '--threads', '1', '--block-interval', '250', '--p2p-port', '0', '--rpc-port', '0', '--stratum-port', '0'];
let dir = '';
let node: RunningCli | null = null;
afterAll(async () => {
  await node?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('README quick start', () => {
  it('is in the README as install -> start -> wallet -> send -> confirmed', () => {
    expect(block, 'a ```sh block marked <!-- doc-test: test/quickstart.test.ts ... -->').toBeDefined();
    const steps = block!.code.split('\n').map(shellCommand).filter(Boolean);
    expect(steps.map((s) => s.split(' ').slice(0, 4).join(' '))).toEqual([
      'npm install',
      'npm start',
      'npx hashlane wallet import',
      'npx hashlane wallet balance',
      'npx hashlane wallet send',
      'npx hashlane wallet tx',
    ]);
    expect(steps[4]).toBe('npx hashlane wallet send d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a 1.5');
  });

  it('runs: the mined rewards are spent from the wallet and the transfer is confirmed', async () => {
    dir = await mkdtemp(join(tmpdir(), 'hashlane-quickstart-'));
    const env = { HASHLANE_PASSPHRASE: 'correct horse battery staple' };
    let rpcUrl = '';
    let txid = '';
    for (const step of block!.code.split('\n').map(shellCommand).filter(Boolean)) {
      const words = shellWords(step, dir);
      if (step === 'npm install') continue; // this test runs in an installed tree
      if (step === 'npm start') {
        // package.json: "start": "node dist/cli/main.js node --mine"
        node = startCli(['node', '--mine', ...NODE_FLAGS], { cwd: dir });
        rpcUrl = (await node.waitFor(/rpc (http:\/\/127\.0\.0\.1:\d+\/)/))[1]!;
        // No wallet yet: the banner says where the rewards go and how to spend them.
        await node.waitFor(/to spend them: hashlane wallet import --from-miner-key --chain regtest/);
        await node.waitFor(/height [1-9]/, 30_000).catch(() => undefined);
        continue;
      }
      expect(words.slice(0, 3)).toEqual(['npx', 'hashlane', 'wallet']);
      const sub = words[3]!;
      const args = ['wallet', '--rpc', rpcUrl, sub, ...words.slice(4).map((w) => (w === '<txid>' ? txid : w))];
      args.push('--chain', 'regtest'); // the node runs regtest here (its cookie and miner key are under .hashlane/regtest)
      if (sub === 'tx') {
        // Pending first, then confirmed once the node mines its next block.
        const end = Date.now() + 60_000;
        let r = await cli(args, { cwd: dir, env });
        expect(r.code, r.stderr).toBe(0);
        while (!r.stdout.startsWith('confirmed') && Date.now() < end) {
          expect(r.stdout).toMatch(/^pending: 1\.50000000 to d75a98/);
          await new Promise((ok) => setTimeout(ok, 250));
          r = await cli(args, { cwd: dir, env });
        }
        expect(r.stdout).toMatch(/^confirmed: 1\.50000000 to d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a, fee 0\.\d{8}, in block \d+ \(\d+ confirmations?\)/);
        continue;
      }
      const r = await cli(args, { cwd: dir, env });
      expect(r.code, `${step}: ${r.stderr}`).toBe(0);
      if (sub === 'import') expect(r.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
      if (sub === 'balance') expect(r.stdout).toMatch(/^confirmed +[1-9][0-9]*\.\d{8} HLN\npending +\d+\.\d{8} HLN\n/);
      if (sub === 'send') {
        txid = r.stdout.trim();
        expect(txid).toMatch(/^[0-9a-f]{64}$/);
        expect(r.stderr).toMatch(/^sent 1\.5 HLN to d75a98/);
      }
    }
    expect(txid).not.toBe('');
    // The recipient has it; the node stops cleanly.
    const paid = await cli(['wallet', '--rpc', rpcUrl, '--chain', 'regtest', 'balance', 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'], { cwd: dir });
    expect(paid.stdout).toMatch(/^confirmed +1\.50000000 HLN/);
    expect(await node!.stop()).toBe(0);
    node = null;
  }, 150_000);
});
