// `hashlane rpc` (issue 11 item 5) against a node that authenticates RPC by default (issue 12),
// and the node's own auth and bind flags.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseParam } from '../dist/cli/rpc.js';
import { cli } from './support/cli.js';
import { spawnNode, type NodeProcess } from './support/hostile.js';

const run = promisify(execFile);

let n: NodeProcess;
let other: NodeProcess;
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'hashlane-cli-rpc-'));
  await writeFile(join(tmp, 'pw'), 'correct horse battery\n', { mode: 0o600 });
  [n, other] = await Promise.all([spawnNode(), spawnNode(['--rpc-user', 'ops', '--rpc-password-file', join(tmp, 'pw')])]);
});
afterAll(async () => {
  await Promise.all([n?.stop(), other?.stop()]);
  await rm(tmp, { recursive: true, force: true });
});

describe('hashlane rpc', () => {
  it('parses params as JSON where they parse, strings otherwise, without rounding numbers', () => {
    expect(parseParam('1')).toBe(1);
    expect(parseParam('true')).toBe(true);
    expect(parseParam('{"rules":["segwit"]}')).toEqual({ rules: ['segwit'] });
    expect(parseParam('abc')).toBe('abc');
    expect(parseParam('1.50')).toBe('1.50');
    const digits = '1'.repeat(64);
    expect(parseParam(digits)).toBe(digits);
  });

  it('finds the cookie from --data-dir/--chain, prints results pretty, errors as "error code N: message"', async () => {
    const base = ['rpc', '--data-dir', n.dir, '--chain', 'regtest', '--rpc', `http://127.0.0.1:${n.ports.rpc}/`];
    const [count, help, helpOne, hash0, badHeight, unknown] = await Promise.all([
      cli([...base, 'getblockcount']),
      cli([...base, 'help']),
      cli([...base, 'help', 'getblock']),
      cli([...base, 'getblockhash', '0']),
      cli([...base, 'getblockhash', '-1']),
      cli([...base, 'nosuchmethod', 'x']),
    ]);
    expect(count).toMatchObject({ code: 0, stdout: '0\n' });
    expect(help.code).toBe(0);
    for (const m of ['getblockcount', 'listbanned', 'setban', 'getnetworkinfo', 'stop']) expect(help.stdout).toContain(m);
    expect(helpOne.stdout).toMatch(/^getblock hash \[verbosity=1\]/);
    expect(hash0.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect(badHeight).toMatchObject({ code: 1, stdout: '' });
    expect(badHeight.stderr).toMatch(/^error code -32602: getblockhash: parameter "height" must be >= 0/);
    expect(unknown.stderr).toBe('error code -32601: method not found: nosuchmethod\n');
    expect(unknown.code).toBe(1);
    const hash = hash0.stdout.trim();
    const [block, header, ban] = await Promise.all([cli([...base, 'getblock', hash, 'true']), cli([...base, 'getblockheader', hash, 'false']), cli([...base, 'setban', '127.0.0.1:9', 'add'])]);
    expect(JSON.parse(block.stdout).hash).toBe(hash);
    expect(block.stdout.split('\n').length).toBeGreaterThan(5);
    expect(header.stdout).toMatch(/^[0-9a-f]{160}\n$/);
    expect(ban).toMatchObject({ code: 0, stdout: '' });
    expect(JSON.parse((await cli([...base, 'listbanned'])).stdout)[0].address).toBe('127.0.0.1:9');
  }, 60_000);

  it('says what is missing: no cookie, no node, wrong credentials', async () => {
    const free = createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const port = (free.address() as { port: number }).port;
    await new Promise((r) => free.close(r));
    const [noCookie, down, wrong] = await Promise.all([
      cli(['rpc', '--data-dir', join(tmp, 'nowhere'), '--chain', 'regtest', '--rpc', `http://127.0.0.1:${n.ports.rpc}/`, 'getblockcount']),
      cli(['rpc', '--data-dir', n.dir, '--chain', 'regtest', '--rpc', `http://127.0.0.1:${port}/`, 'getblockcount']),
      cli(['rpc', '--rpc-user', 'ops', '--rpc', `http://127.0.0.1:${n.ports.rpc}/`, 'getblockcount'], { env: { HASHLANE_RPC_PASSWORD: 'nope' } }),
    ]);
    expect(noCookie.code).toBe(1);
    expect(noCookie.stderr).toMatch(/^hashlane rpc: no RPC cookie at .*nowhere\/regtest\/\.cookie; expected a running node/);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(new RegExp(`^hashlane rpc: cannot reach the node at http://127\\.0\\.0\\.1:${port}/: ECONNREFUSED`));
    expect(wrong.stderr).toMatch(/refused the credentials \(HTTP 401\)/);
    for (const r of [noCookie, down, wrong]) expect(r.stderr).not.toMatch(/\n\s+at /);
    const usage = await cli(['rpc']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe("hashlane rpc: missing required argument 'method'; expected: hashlane rpc [options] <method> [params...] (see --help)\n");
    expect((await cli(['rpc', '--help'])).code).toBe(0);
  }, 60_000);

  it('authenticates as --rpc-user with a password file or HASHLANE_RPC_PASSWORD', async () => {
    const url = `http://127.0.0.1:${other.ports.rpc}/`;
    const [file, env, cookie] = await Promise.all([
      cli(['rpc', '--rpc', url, '--rpc-user', 'ops', '--rpc-password-file', join(tmp, 'pw'), 'getblockcount']),
      cli(['rpc', '--rpc', url, '--rpc-user', 'ops', 'getblockcount'], { env: { HASHLANE_RPC_PASSWORD: 'correct horse battery' } }),
      cli(['rpc', '--rpc', url, '--data-dir', other.dir, '--chain', 'regtest', 'getblockcount']),
    ]);
    expect(file).toMatchObject({ code: 0, stdout: '0\n' });
    expect(env).toMatchObject({ code: 0, stdout: '0\n' });
    // The cookie keeps working beside a configured user.
    expect(cookie).toMatchObject({ code: 0, stdout: '0\n' });
  }, 60_000);

  it('`stop` shuts the node down cleanly and removes its cookie', async () => {
    const r = await cli(['rpc', '--data-dir', other.dir, '--chain', 'regtest', '--rpc', `http://127.0.0.1:${other.ports.rpc}/`, 'stop']);
    expect(r).toMatchObject({ code: 0, stdout: 'hashlane node stopping\n' });
    const code = await new Promise((res) => (other.child.exitCode !== null ? res(other.child.exitCode) : other.child.once('exit', res)));
    expect(code).toBe(0);
    expect(other.output()).toMatch(/RPC stop: stopping/);
    const again = await cli(['rpc', '--data-dir', other.dir, '--chain', 'regtest', '--rpc', `http://127.0.0.1:${other.ports.rpc}/`, 'getblockcount']);
    expect(again.stderr).toMatch(/no RPC cookie/);
  }, 60_000);
});

describe('hashlane node: auth and bind flags', () => {
  it('refuses unsafe or incomplete RPC settings with one line and exit code 2', async () => {
    const dir = join(tmp, 'flags');
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--rpc-bind', '0.0.0.0'], {}, /^hashlane node: --rpc-bind 0\.0\.0\.0 would expose RPC beyond this machine; expected --rpc-allow-ip/],
      [['--rpc-user', 'ops'], {}, /^hashlane node: --rpc-user ops has no password; expected --rpc-password-file <file> or HASHLANE_RPC_PASSWORD/],
      [['--rpc-password-file', join(tmp, 'pw')], {}, /^hashlane node: --rpc-password-file without --rpc-user; expected --rpc-user <name> too/],
    ];
    const results = await Promise.all(cases.map(([args, env]) => cli(['node', '--chain', 'regtest', '--data-dir', dir, '--no-listen', '--no-stratum', '--rpc-port', '0', '--no-status', ...args], env)));
    for (const [i, [args, , msg]] of cases.entries()) {
      expect(results[i]!.code, args.join(' ')).toBe(2);
      expect(results[i]!.stderr, args.join(' ')).toMatch(msg);
    }
    const bad = await cli(['node', '--rpc-token', 'x']);
    expect(bad.stderr).toMatch(/unknown option '--rpc-token'/);
    const limit = await cli(['node', '--limit', 'nosuch=1']);
    expect(limit.stderr).toMatch(/unknown limit "nosuch"/);
  }, 60_000);

  it('binds RPC beyond loopback only with --rpc-allow-ip, and warns', async () => {
    const node = await spawnNode(['--rpc-bind', '0.0.0.0', '--rpc-allow-ip', '10.0.0.0/8']);
    try {
      expect(node.output()).toMatch(/warn: RPC listens on 0\.0\.0\.0, reachable from 10\.0\.0\.0\/8/);
      // Loopback stays allowed.
      const r = await cli(['rpc', '--data-dir', node.dir, '--chain', 'regtest', '--rpc', `http://127.0.0.1:${node.ports.rpc}/`, 'getblockcount']);
      expect(r.stdout).toBe('0\n');
    } finally {
      await node.stop();
    }
  }, 60_000);
});

describe('README: node section', () => {
  it('the limits table is the code’s table', async () => {
    const { readFile } = await import('node:fs/promises');
    const { DEFAULT_NODE_LIMITS } = await import('../dist/node/limits.js');
    const readme = await readFile(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    const rows = [...readme.matchAll(/^\| `(\w+)`(?: \/ `(\w+)`)? \| (\d+)(?: \/ (\d+))? \|/gm)];
    const documented: Record<string, number> = {};
    for (const r of rows) {
      documented[r[1]!] = Number(r[3]);
      if (r[2]) documented[r[2]] = Number(r[4]);
    }
    expect(documented).toEqual({ ...DEFAULT_NODE_LIMITS });
  });

  it('the curl example works with the cookie', async () => {
    const cookie = join(n.dir, 'regtest', '.cookie');
    const { stdout } = await run('sh', ['-c', `curl -s --user "$(cat ${cookie})" -H 'content-type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"getblockcount"}' http://127.0.0.1:${n.ports.rpc}/`]);
    expect(JSON.parse(stdout)).toEqual({ jsonrpc: '2.0', id: 1, result: 0 });
    // Without the cookie, as a page or another user would try: 401.
    const { stdout: code } = await run('sh', ['-c', `curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"getblockcount"}' http://127.0.0.1:${n.ports.rpc}/`]);
    expect(code).toBe('401');
  });
});
