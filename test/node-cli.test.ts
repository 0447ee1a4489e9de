import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, MAIN, startCli } from './support/cli.js';
import { cookieAuth, generate, keypair, rpc, startNode, until } from './support/node.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('hashlane CLI: node and wallet', () => {
  it('has help for every command and refuses wrong flags with a clear message and exit code 2', async () => {
    const [top, node, ...subs] = await Promise.all([cli(['--help']), cli(['node', '--help']), ...['create', 'import', 'address', 'balance', 'send', 'tx'].map((sub) => cli(['wallet', sub, '--help']))]);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/node \[options\]/);
    expect(top.stdout).toMatch(/wallet \[options\]/);
    expect(node.code).toBe(0);
    for (const flag of ['--data-dir', '--p2p-port', '--rpc-port', '--stratum-port', '--peer', '--mine', '--threads', '--miner-address', '--chain', '--web', '--allow-peer', '--discover-local']) expect(node.stdout).toContain(flag);
    expect(node.stdout).toMatch(/default: 17421/);
    for (const sub of subs) expect(sub.code).toBe(0);
    const bad: [string[], RegExp][] = [
      [['node', '--bogus'], /unknown option '--bogus'/],
      [['node', '--threads', '0'], /--threads 0 is out of range; expected an integer in 1\.\.1024/],
      [['node', '--rpc-port', 'x'], /--rpc-port "x" is not an integer/],
      [['node', '--peer', 'nohost'], /expected host:port/],
      [['node', '--peer', '/ip4/1.2.3.4/udp/1'], /not a peer multiaddr/],
      [['node', '--allow-peer', 'nobody'], /neither a peer id .* nor a readable file/],
      [['node', '--chain', 'mainnet'], /expected one of: devnet, regtest/],
      [['node', '--miner-address', 'abc'], /64 hex digits/],
      [['wallet', 'send', 'xyz', '1'], /<to> "xyz" is not a public key; expected a 32-byte Ed25519 public key/],
      [['nodes'], /unknown command 'nodes'/],
    ];
    const results = await Promise.all(bad.map(([args]) => cli(args)));
    for (const [i, [args, msg]] of bad.entries()) {
      const r = results[i]!;
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(msg);
    }
  }, 60_000);

  it('hashlane modules lists the registry: namespaces, kinds, RPC views and CLI verbs of each module', async () => {
    const r = await cli(['modules']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^bank \(state namespace "bank", handles the envelope/m);
    expect(r.stdout).toMatch(/kind 0 coinbase \(block reward/);
    expect(r.stdout).toMatch(/kind 1 transfer/);
    expect(r.stdout).toMatch(/rpc getbankaccount: /);
    expect(r.stdout).toMatch(/verb send \(kind 1\)/);
  }, 30_000);

  it('an old-format data dir gets a clear message (delete it or re-sync) and exit code 1, not a crash', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hl-oldfmt-'));
    dirs.push(dir);
    const { openChainStore } = await import('../dist/node/storage.js');
    const C = await import('../dist/chain/index.js');
    const store = await openChainStore(join(dir, 'regtest'));
    const chain = await C.Chain.open({ params: C.regtestParams, store });
    // What a store written before the module seam lacks: the format key.
    await store.commit([{ type: 'del', key: new Uint8Array([0x56]) }]);
    await chain.close();
    const r = await cli(['node', '--chain', 'regtest', '--data-dir', dir, '--p2p-port', '0', '--rpc-port', '0', '--no-stratum']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/store-format: the data dir was written by an incompatible hashlane .* delete the data dir .* re-sync/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  }, 60_000);

  it('wallet: create an encrypted key, show address and balance, send a transfer through RPC', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hashlane-wallet-'));
    dirs.push(dir);
    // A data dir so that the node writes its RPC cookie, which the wallet reads.
    const node = await startNode({ dataDir: join(dir, 'node') });
    try {
      const ks = join(dir, 'key.json');
      const common = ['--keystore', ks, '--rpc', `http://127.0.0.1:${node.rpc!.port}/`, '--data-dir', join(dir, 'node'), '--chain', 'regtest'];
      const env = { env: { HASHLANE_PASSPHRASE: 'test passphrase' } };
      const created = await cli(['wallet', ...common, 'create', '--kdf-memory', '1', '--kdf-iterations', '1'], env);
      expect(created.code, created.stderr).toBe(0);
      const address = created.stdout.trim();
      expect(address).toMatch(/^[0-9a-f]{64}$/);
      expect((await cli(['wallet', ...common, 'create'], env)).stderr).toMatch(/exists; use --force/);
      expect((await cli(['wallet', ...common, 'address'])).stdout.trim()).toBe(address);
      await generate(node, 2, new Uint8Array(Buffer.from(address, 'hex')));
      expect((await cli(['wallet', ...common, 'balance'])).stdout).toBe('confirmed  100.00000000 HLN\npending    100.00000000 HLN\nnonce      0\n');
      const bob = Buffer.from(keypair(21).pk).toString('hex');
      const wrong = await cli(['wallet', ...common, 'send', bob, '12.34'], { env: { HASHLANE_PASSPHRASE: 'nope' } });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/^hashlane wallet send: wrong passphrase/);
      const sent = await cli(['wallet', ...common, 'send', bob, '12.34', '--fee', '0.0001'], env);
      expect(sent.code, sent.stderr).toBe(0);
      expect(sent.stderr).toMatch(/^sent 12\.34 HLN to [0-9a-f]{64} \(fee 0\.0001 HLN\)/);
      const txid = sent.stdout.trim();
      expect((await rpc(node, 'getrawmempool')).result).toEqual([txid]);
      expect((await cli(['wallet', ...common, 'balance'])).stdout).toMatch(/^confirmed  100\.00000000 HLN\npending     87\.65990000 HLN after 1 pending transaction\n/);
      expect((await cli(['wallet', ...common, 'balance', bob])).stdout).toMatch(/^confirmed {3}0\.00000000 HLN\npending    12\.34000000 HLN after 1 pending/);
      expect((await cli(['wallet', ...common, 'tx', txid])).stdout).toMatch(/^pending: 12\.34000000 to [0-9a-f]{64}, fee 0\.00010000, in the mempool/);
      await generate(node, 1);
      expect((await cli(['wallet', ...common, 'balance', bob])).stdout).toMatch(/^confirmed  12\.34000000 HLN\n/);
      expect((await cli(['wallet', ...common, 'tx', txid])).stdout).toMatch(/^confirmed: .* in block 3 \(1 confirmation\)/);
      const down = await cli(['wallet', '--keystore', ks, '--rpc', 'http://127.0.0.1:1/', '--rpc-cookie-file', node.cookiePath!, 'balance']);
      expect(down.code).toBe(1);
      expect(down.stderr).toMatch(/cannot reach the node/);
    } finally {
      await node.stop();
    }
  }, 60_000);

  it('hashlane node --mine pays the wallet when there is one, and says so', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hashlane-cli-wallet-mine-'));
    dirs.push(dir);
    const env = { env: { HASHLANE_PASSPHRASE: 'test passphrase' } };
    const ks = join(dir, 'wallet', 'keystore.json');
    const created = await cli(['wallet', '--keystore', ks, 'create', '--kdf-memory', '1', '--kdf-iterations', '1'], env);
    expect(created.code, created.stderr).toBe(0);
    const address = created.stdout.trim();
    const node = startCli(['node', '--chain', 'regtest', '--data-dir', dir, '--p2p-port', '0', '--rpc-port', '0', '--no-stratum', '--mine', '--threads', '1', '--block-interval', '50']);
    try {
      const m = await node.waitFor(/block rewards go to your wallet ([0-9a-f]{64}) \((.*)\)/);
      expect([m[1], m[2]]).toEqual([address, ks]);
      const url = (await node.waitFor(/rpc (http:\/\/127\.0\.0\.1:\d+\/)/))[1]!;
      await until(async () => /^confirmed +[1-9]/.test((await cli(['wallet', '--keystore', ks, '--rpc', url, '--data-dir', dir, '--chain', 'regtest', 'balance'])).stdout), 30_000, 'a mined block paying the wallet');
      expect(existsSync(join(dir, 'regtest', 'miner-key.json'))).toBe(false);
    } finally {
      expect(await node.stop()).toBe(0);
    }
  }, 60_000);

  it('hashlane node mines, shows a status line, stops cleanly on Ctrl-C and restarts where it was', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hashlane-cli-node-'));
    dirs.push(dir);
    // README "Peer network": a multiaddr --peer (unreachable here), an allowlist file, mDNS.
    const friend = '12D3KooWGRUVh7Q5MYpHw7UrMvPVpyyNhBkb9wQEJr6UnKLKjv7X';
    await writeFile(join(dir, 'consortium-peers.txt'), `# the consortium\n${friend}\n`);
    const p2p = ['--peer', `/ip4/127.0.0.1/tcp/1/p2p/${friend}`, '--allow-peer', join(dir, 'consortium-peers.txt'), '--discover-local'];
    const start = async () => {
      const child = spawn(process.execPath, [MAIN, 'node', '--chain', 'regtest', '--data-dir', dir, '--bind', '127.0.0.1', '--p2p-port', '0', '--rpc-port', '0', '--no-stratum', '--mine', '--threads', '1', '--block-interval', '20', ...p2p], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      return { child, out: () => out, exit };
    };
    const a = await start();
    await until(() => /height [1-9]\d* \|.*H\/s \| peers 0 \| mempool 0/.test(a.out()), 30_000, 'status line');
    expect(a.out()).toMatch(/hashlane node on regtest: data .*rpc http:\/\/127\.0\.0\.1:\d+\//);
    a.child.kill('SIGINT');
    expect(await a.exit).toBe(0);
    const stoppedAt = Number(/stopped at height (\d+)/.exec(a.out())![1]);
    expect(stoppedAt).toBeGreaterThan(0);
    const b = await start();
    await until(() => /hashlane node on regtest/.test(b.out()), 30_000, 'restart');
    const port = Number(/rpc http:\/\/127\.0\.0\.1:(\d+)\//.exec(b.out())![1]);
    expect((await rpc({ port, authorization: cookieAuth(dir) }, 'getblockcount')).result).toBeGreaterThanOrEqual(stoppedAt);
    // The same peer id after the restart: the identity key is kept in the data dir.
    const info = (await rpc({ port, authorization: cookieAuth(dir) }, 'getnetworkinfo')).result;
    expect(info.peerid).toMatch(/^12D3KooW/);
    expect(a.out()).toMatch(/created the P2P identity/);
    expect(b.out()).not.toMatch(/created the P2P identity/);
    b.child.kill('SIGTERM');
    expect(await b.exit).toBe(0);
  }, 60_000);
});
