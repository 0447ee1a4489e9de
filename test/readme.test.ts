// README truth: every code block of the README is run here, by the test its marker names, or
// is marked illustrative with the reason. TypeScript blocks run as modules against dist/
// (`from 'hashlane'` is the package root); shell blocks run line by line in a fresh folder,
// with only these changes: `hashlane` is dist/cli/main.js, servers get ephemeral ports (and
// one miner thread), `~` is a temporary home, the pool `pool:3333` is a local fake pool, the
// node address 127.0.0.1:17420 is the node the block started, curl's request is sent with
// fetch, and wallet commands get that node's RPC address and a passphrase.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, startCli, type RunningCli } from './support/cli.js';
import { readmeBlocks, shellCommand, shellWords } from './support/readme.js';
import { loadVectors } from './support/vectors.js';

const blocks = readmeBlocks();
const root = fileURLToPath(new URL('../', import.meta.url));
const dist = pathToFileURL(join(root, 'dist/index.js')).href;
const dirs: string[] = [];
const running: RunningCli[] = [];
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop('SIGKILL')));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), 'hashlane-readme-'));
  dirs.push(d);
  return d;
};

/** A Stratum V1 pool that hands out the vector's job at a tiny difficulty and accepts every share. */
let pool: Server;
let poolPort = 0;
beforeAll(async () => {
  const job = loadVectors('stratum-share.json').jobs[0];
  const n = job.notify;
  pool = createServer((sock) => {
    let buf = '';
    const send = (o: unknown) => sock.write(JSON.stringify(o) + '\n');
    sock.on('error', () => {});
    sock.on('data', (d) => {
      buf += d;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const msg = JSON.parse(buf.slice(0, i));
        buf = buf.slice(i + 1);
        if (msg.method === 'mining.subscribe') send({ id: msg.id, result: [[], job.subscribe.extranonce1, job.subscribe.extranonce2_size], error: null });
        else if (msg.method === 'mining.authorize') {
          send({ id: msg.id, result: true, error: null });
          for (const id of ['1', '2']) {
            send({ id: null, method: 'mining.set_difficulty', params: [0.0001] });
            send({ id: null, method: 'mining.notify', params: [id, n.prevhash, n.coinb1, n.coinb2, n.merkle_branch, n.version, n.nbits, n.ntime, true] });
          }
        } else if (msg.method === 'mining.submit') send({ id: msg.id, result: true, error: null });
        else send({ id: msg.id, result: null, error: [20, 'unsupported', null] });
      }
    });
  });
  await new Promise<void>((ok) => pool.listen(0, '127.0.0.1', ok));
  poolPort = (pool.address() as AddressInfo).port;
});
afterAll(() => pool?.close());

describe('README', () => {
  it('has no block that nobody runs: every marker names a test that exists, or says why it is illustrative', () => {
    expect(blocks.length).toBeGreaterThan(10);
    for (const b of blocks) {
      if (!b.marker) continue;
      const what = `README.md:${b.line} (${b.section}) <!-- doc-test: ${b.marker} -->`;
      const file = /(test\/[\w./-]+\.test\.ts)/.exec(b.marker)?.[1];
      if (b.marker.startsWith('illustrative')) expect(b.marker, what).toMatch(/^illustrative — \S/);
      if (file) expect(existsSync(join(root, file)), what).toBe(true);
      expect(b.marker.startsWith('illustrative') || !!file, what).toBe(true);
    }
    expect(blocks.every((b) => ['ts', 'sh', 'html'].includes(b.lang)), 'every block says its language').toBe(true);
  });

  const runnable = (lang: string) => blocks.filter((b) => b.lang === lang && (!b.marker || b.marker.includes('test/readme.test.ts')));

  for (const b of runnable('ts')) {
    it(`runs the TypeScript block at README.md:${b.line} (${b.section})`, async () => {
      const d = await tempDir();
      const file = join(d, 'block.mjs');
      await writeFile(file, b.code.replace(/from 'hashlane'/g, `from '${dist}'`));
      const r = await new Promise<{ code: number; stdout: string; stderr: string }>((ok) =>
        execFile(process.execPath, [file], { timeout: 60_000, cwd: d }, (err, stdout, stderr) => ok({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })),
      );
      expect(r.code, r.stderr).toBe(0);
      if (/engineInfo/.test(b.code)) expect(r.stdout).toContain("{ backend: 'simd', simd: true }");
      if (/sha256With/.test(b.code)) expect(r.stdout.trim()).toBe('true');
    });
  }

  for (const b of runnable('sh')) {
    it(`runs the shell block at README.md:${b.line} (${b.section})`, async () => {
      const cwd = await tempDir();
      const env = { HOME: cwd, HASHLANE_PASSPHRASE: 'readme passphrase' };
      const steps = b.code.split('\n').map(shellCommand).filter(Boolean);
      let rpcUrl: string | null = null;
      let node: RunningCli | null = null;
      for (const [i, step] of steps.entries()) {
        const later = steps.slice(i + 1).some((s) => /^curl |^hashlane rpc |^hashlane wallet (.* )?(balance|send|tx)/.test(s));
        const words = shellWords(step, cwd);
        if (words[0] === 'npm' && words[1] === 'start') words.splice(0, 2, 'hashlane', 'node', '--mine'); // package.json "start"
        expect(words[0] === 'hashlane' || words[0] === 'curl', `README.md:${b.line}: how to run "${step}"`).toBe(true);
        if (words[0] === 'curl') {
          // curl -s -d '<json>' <url>, sent with fetch to the node this block started.
          const body = words[words.indexOf('-d') + 1]!;
          const url = words[words.length - 1]!.replace('http://127.0.0.1:17420/', rpcUrl ?? 'http://127.0.0.1:17420/');
          expect(rpcUrl, `${step}: a node started earlier in the block`).not.toBeNull();
          const res = await (await fetch(url, { method: 'POST', body })).json();
          expect(res.error, step).toBeUndefined();
          const { method, params } = JSON.parse(body);
          if (/^generate/.test(method)) expect(res.result).toHaveLength(params[0]);
          if (method === 'getblockcount') expect(res.result).toBeGreaterThanOrEqual(101);
          continue;
        }
        const args = words.slice(1);
        if (args[0] === 'node') {
          const ports = ['--p2p-port', '0', '--rpc-port', '0', '--stratum-port', '0', '--web-port', '0'];
          const r = startCli([...args, ...ports, ...(args.includes('--threads') ? [] : ['--threads', '1'])], { cwd, env });
          running.push(r);
          const url = (await r.waitFor(/hashlane node on \w+: .*rpc (http:\/\/127\.0\.0\.1:\d+\/)/))[1]!;
          if (args.includes('--web')) expect(r.output()).toMatch(/web http:\/\/127\.0\.0\.1:\d+\//);
          if (args.includes('--mine')) await r.waitFor(/block rewards go to [0-9a-f]{64}/);
          if (later) {
            node = r;
            rpcUrl = url;
          } else expect(await r.stop(), `${step}\n${r.output()}`).toBe(0);
          continue;
        }
        if (args[0] === 'mine' && args.includes('-o')) {
          const r = startCli(args.map((a) => a.replace('pool:3333', `127.0.0.1:${poolPort}`)), { cwd, env });
          running.push(r);
          await r.waitFor(/share job \d+ nonce [0-9a-f]+ diff [\d.]+: accepted/, 90_000);
          expect(r.output().match(/pool difficulty 0\.0001/g)).toHaveLength(1);
          expect(await r.stop()).toBe(130);
          continue;
        }
        if ((args[0] === 'wallet' || args[0] === 'rpc') && rpcUrl) args.splice(1, 0, '--rpc', rpcUrl);
        const r = await cli(args, { cwd, env, timeoutMs: 60_000 });
        expect(r.code, `${step}\n${r.stderr}`).toBe(0);
        expect(r.stderr).not.toMatch(/^\s+at /m);
        if (args[0] === 'mine') expect(JSON.parse(r.stdout)).toMatchObject({ nonce: 2083236893, hash: '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f' });
        if (args[0] === 'rpc' && /^generate/.test(args[args.indexOf('--chain') >= 0 ? args.indexOf('--chain') + 2 : 3] ?? '')) expect(JSON.parse(r.stdout)).toHaveLength(Number(args[args.length - (args.includes('generatetoaddress') ? 2 : 1)]));
        if (args[0] === 'rpc' && args.includes('getblockcount')) expect(Number(r.stdout)).toBeGreaterThanOrEqual(101);
        if (args[0] === 'bench') expect(r.stdout).toMatch(/^threads +total/);
        if (args.includes('balance')) expect(r.stdout).toMatch(/^confirmed +\d+\.\d{8} HLN\npending +\d+\.\d{8} HLN/);
        if (args.includes('balance') && args.includes('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')) expect(r.stdout).toMatch(/^confirmed +51\.50001000 HLN/); // 1.5 sent + the generated block's 50 and the fee
        if (args.includes('send')) expect(r.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
      }
      if (node) expect(await node.stop()).toBe(0);
    }, 180_000);
  }
});
