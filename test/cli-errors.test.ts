// Errors, never stacks: every command turns each user mistake into one line on stderr,
// "hashlane <command>: <what was wrong>; expected <what>", exit 2 for usage, 1 for failures.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './support/cli.js';

const KEY = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'; // RFC 8032 TEST 1 public key
const HEADER = '01000000' + '00'.repeat(68) + 'ffff001d1dac2b7c';
let dir: string;
let busyPort: number;
let busy: ReturnType<typeof createServer>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hashlane-cli-errors-'));
  await writeFile(join(dir, 'not-a-keystore.json'), '{"hello": 1}\n');
  await writeFile(join(dir, 'garbage.json'), 'not json at all');
  // A cookie where the wallet looks by default, so that "node down" is what the wallet meets.
  await mkdir(join(dir, '.hashlane', 'devnet'), { recursive: true });
  await writeFile(join(dir, '.hashlane', 'devnet', '.cookie'), '__cookie__:' + '00'.repeat(32));
  busy = createServer();
  await new Promise<void>((ok) => busy.listen(0, '127.0.0.1', ok));
  busyPort = (busy.address() as { port: number }).port;
});
afterAll(async () => {
  busy.close();
  await rm(dir, { recursive: true, force: true });
});

type Case = [args: string[] | (() => string[]), code: 1 | 2, command: string, message: RegExp, env?: Record<string, string>];

const down = ['--rpc', 'http://127.0.0.1:1/'];
const CASES: Case[] = [
  // the issue's list
  [['wallet', ...down, 'send', KEY, '1.123456789'], 2, 'wallet send', /<amount> "1\.123456789" has 9 decimal places; expected at most 8/],
  [['wallet', ...down, 'send', 'abcd', '100'], 2, 'wallet send', /<to> "abcd" is not a public key; expected a 32-byte Ed25519 public key as 64 hex digits/],
  [['wallet', ...down, 'send', KEY, '1', '--fee', 'abc'], 2, 'wallet send', /--fee "abc" is not a decimal number; expected digits/],
  [['wallet', ...down, 'balance', 'abcd'], 2, 'wallet balance', /\[address\] "abcd" is not a public key; expected/],
  [['wallet', ...down, 'send', KEY, '123456789012345678901'], 2, 'wallet send', /too large; expected at most 184467440737\.09551615/],
  [['wallet', ...down, 'send', KEY, '1', '--fee', '1234567890123456789012'], 2, 'wallet send', /--fee .* too large/],
  [() => ['wallet', '--keystore', join(dir, 'k1.json'), 'create', '--kdf-memory', '1'], 2, 'wallet create', /the passphrase is empty; expected at least one character/, { HASHLANE_PASSPHRASE: '' }],
  // more of wallet
  [['wallet', ...down, 'send', KEY, '-1'], 2, 'wallet send', /negative/],
  [['wallet', ...down, 'send', KEY, '1e3'], 2, 'wallet send', /not a decimal number/],
  [['wallet', ...down, 'send', KEY], 2, 'wallet send', /missing required argument 'amount'; expected: hashlane wallet send \[options\] <to> <amount>/],
  [['wallet', ...down, 'send', KEY, '1', '--payload', 'xyz'], 2, 'wallet send', /--payload "xyz" is not hex; expected/],
  [['wallet', ...down, 'tx', 'zz'], 2, 'wallet tx', /<txid> "zz" is not a transaction id; expected 64 hex digits/],
  [['wallet', 'create', '--kdf-memory', 'lots'], 2, 'wallet create', /--kdf-memory "lots" is not an integer; expected an integer in 1\.\.4096/],
  [() => ['wallet', '--keystore', join(dir, 'k2.json'), 'create'], 2, 'wallet create', /no passphrase; expected HASHLANE_PASSPHRASE/],
  [['wallet', 'import'], 2, 'wallet import', /required option '--from-miner-key' not specified/],
  [() => ['wallet', '--keystore', join(dir, 'k3.json'), 'import', '--from-miner-key', '--data-dir', join(dir, 'none')], 1, 'wallet import', /no miner key at .*miner-key\.json; expected/, { HASHLANE_PASSPHRASE: 'x' }],
  [() => ['wallet', '--keystore', join(dir, 'none.json'), 'address'], 1, 'wallet address', /no keystore at .*: run "hashlane wallet create" first/],
  [() => ['wallet', '--keystore', join(dir, 'garbage.json'), 'address'], 1, 'wallet address', /is not JSON; expected a keystore/],
  [() => ['wallet', '--keystore', join(dir, 'none.json'), ...down, 'balance'], 1, 'wallet balance', /no keystore at/],
  [['wallet', ...down, 'balance', KEY], 1, 'wallet balance', /cannot reach the node at http:\/\/127\.0\.0\.1:1\//],
  [['wallet', ...down, '--data-dir', 'nowhere', 'balance', KEY], 1, 'wallet balance', /no RPC cookie at .*nowhere\/devnet\/\.cookie; expected a running node/],
  [['wallet', 'frobnicate'], 2, 'wallet', /unknown command 'frobnicate'; expected one of: create, import, address, balance, send, tx/],
  // node
  [['node', '--threads', '0'], 2, 'node', /--threads 0 is out of range; expected an integer in 1\.\.1024/],
  [['node', '--rpc-port', '99999'], 2, 'node', /--rpc-port 99999 is out of range/],
  [['node', '--chain', 'mainnet'], 2, 'node', /--chain "mainnet" is not allowed; expected one of: devnet, regtest/],
  [['node', '--miner-address', 'abc'], 2, 'node', /--miner-address "abc" is not a public key/],
  [['node', '--peer', 'nohost'], 2, 'node', /--peer "nohost" is not an address; expected host:port/],
  [() => ['node', '--chain', 'regtest', '--data-dir', join(dir, 'n1'), '--mine', '--wallet', join(dir, 'not-a-keystore.json')], 1, 'node', /is not a hashlane keystore .*; expected the file "hashlane wallet create" writes/],
  [() => ['node', '--chain', 'regtest', '--data-dir', join(dir, 'n2'), '--rpc-port', String(busyPort), '--p2p-port', '0', '--no-stratum'], 1, 'node', /EADDRINUSE|in use/],
  // mine and bench
  [['mine'], 2, 'mine', /nothing to mine: give --header/],
  [['mine', '--header', 'zz'], 2, 'mine', /--header/],
  [['mine', '--header', HEADER.slice(0, 100)], 2, 'mine', /--header must be 80 bytes/],
  [['mine', '--header', HEADER, '--bits', 'xyz'], 2, 'mine', /--bits must be up to 8 hex digits/],
  [['mine', '--header', HEADER, '--threads', 'many'], 2, 'mine', /--threads must be a positive integer/],
  [['mine', '-o', 'http://pool:1', '-u', 'w'], 2, 'mine', /stratum\+tcp/],
  [['mine', '-o', 'stratum+tcp://pool:3333'], 2, 'mine', /-o needs a pool user/],
  [['bench', 'foo'], 2, 'bench', /unknown suite "foo"; expected one of: mine/],
  [['bench', 'mine', '--seconds', '0'], 2, 'bench', /--seconds must be in \(0, 600\]/],
  [['bench'], 2, 'bench', /missing required argument 'suite'/],
  // the program itself
  [['nodes'], 2, '', /unknown command 'nodes'.*; expected one of: mine, bench, node, wallet/],
  [['--bogus'], 2, '', /unknown option '--bogus'/],
];

describe('CLI errors, never stacks', () => {
  it(`${CASES.length} bad inputs over mine, bench, node and wallet: one line each, the right exit code`, async () => {
    const results: Awaited<ReturnType<typeof cli>>[] = [];
    // Four processes at a time: the machine is shared.
    for (let i = 0; i < CASES.length; i += 4) {
      results.push(...(await Promise.all(CASES.slice(i, i + 4).map(([args, , , , env]) => cli(typeof args === 'function' ? args() : args, { env, cwd: dir })))));
    }
    for (const [i, [args, code, command, message]] of CASES.entries()) {
      const r = results[i]!;
      const what = `${(typeof args === 'function' ? args() : args).join(' ')} -> ${r.stderr}`;
      const lines = r.stderr.split('\n').filter((l) => l.trim());
      expect(r.stderr, what).not.toMatch(/^\s+at /m);
      expect(lines, what).toHaveLength(1);
      expect(lines[0], what).toMatch(new RegExp(`^hashlane${command ? ` ${command}` : ''}: `));
      expect(lines[0], what).toMatch(message);
      expect(r.code, what).toBe(code);
    }
  }, 240_000);
});
