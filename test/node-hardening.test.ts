// Issue 12, items 2, 3, 4 and 6: connection slots (an honest client is served while an
// attacker holds every slot it can get), RPC authentication, CSRF and DNS-rebinding checks,
// the operations RPCs and the log lines.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, stat, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import type { HashlaneNode } from '../dist/node/node.js';
import { serveWeb } from '../dist/node/web-server.js';
import { createLogger } from '../dist/node/log.js';
import { deafSocket, deafWebSocket, stratumAsk } from './support/hostile.js';
import { generate, keypair, rpc, startNode, until } from './support/node.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** A raw HTTP POST with any headers (fetch will not send a custom Host). */
function post(port: number, headers: Record<string, string>, body = '{"jsonrpc":"2.0","id":1,"method":"getblockcount"}'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const closeAll = (sockets: Socket[]) => sockets.forEach((s) => s.destroy());

describe('RPC authentication (cookie, users) and request checks', () => {
  it('writes a 0600 cookie, answers 401 without it and 200 with it, and removes it on a clean stop', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hashlane-auth-'));
    dirs.push(dir);
    const node = await startNode({ dataDir: dir, rpcUsers: [{ user: 'ops', password: 'correct horse' }], rpcAllowOrigins: ['http://wallet.example'] });
    const path = join(dir, 'regtest', '.cookie');
    try {
      expect(node.cookiePath).toBe(path);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      const cookie = await readFile(path, 'utf8');
      expect(cookie).toMatch(/^__cookie__:[0-9a-f]{64}$/);
      const port = node.rpc!.port;
      const basic = (c: string) => `Basic ${Buffer.from(c).toString('base64')}`;
      const json = { 'content-type': 'application/json' };
      expect((await post(port, json)).status).toBe(401);
      expect((await post(port, { ...json, authorization: basic('__cookie__:' + 'f'.repeat(64)) })).status).toBe(401);
      expect((await post(port, { ...json, authorization: basic('ops:wrong') })).status).toBe(401);
      const ok = await post(port, { ...json, authorization: basic(cookie) });
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.body).result).toBe(0);
      expect((await post(port, { ...json, authorization: basic('ops:correct horse') })).status).toBe(200);
      // CSRF: a page can send text/plain without a preflight; we never accept it.
      const auth = { authorization: basic(cookie) };
      expect((await post(port, { ...auth, 'content-type': 'text/plain' })).status).toBe(415);
      expect((await post(port, { ...auth, 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
      expect((await post(port, { ...json, ...auth, origin: 'http://evil.example' })).status).toBe(403);
      expect((await post(port, { ...json, ...auth, origin: 'null' })).status).toBe(403);
      expect((await post(port, { ...json, ...auth, origin: 'http://wallet.example' })).status).toBe(200);
      // DNS rebinding: a name the attacker controls resolves to 127.0.0.1, the Host says so.
      expect((await post(port, { ...json, ...auth, host: `rebind.evil.example:${port}` })).status).toBe(403);
      expect((await post(port, { ...json, ...auth, host: `localhost:${port}` })).status).toBe(200);
      expect((await post(port, { ...json, ...auth, host: `[::1]:${port}` })).status).toBe(200);
    } finally {
      await node.stop();
    }
    expect(existsSync(path)).toBe(false);
  });

  it('rate-limits requests per address with 429', async () => {
    const node = await startNode({ nodeLimits: { rpcRate: 5, rpcBurst: 10 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await post(node.rpc!.port, { 'content-type': 'application/json', authorization: node.rpc!.authorization })).status);
      expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
      expect(statuses).toContain(429);
    } finally {
      await node.stop();
    }
  });
});

describe('slot exhaustion: an honest client is still served', () => {
  it('Stratum: 300 idle sockets from one address take at most its share; idle ones time out', async () => {
    const node = await startNode({ stratumPort: 0, nodeLimits: { stratumHandshakeMs: 1500 } });
    const idle: Socket[] = [];
    try {
      for (let i = 0; i < 300; i++) idle.push(await deafSocket(node.stratum!.port, '127.0.0.2').catch(() => deafSocket(node.stratum!.port, '127.0.0.2')));
      await until(() => node.stratum!.clientCount <= 64, 3000, 'per-address cap');
      expect(node.stratum!.clientCount).toBe(64);
      const sub = await stratumAsk(node.stratum!.port, ['{"id":1,"method":"mining.subscribe","params":[]}'], 1);
      expect(sub.error).toBeNull();
      // No subscribe + authorize within the handshake time: dropped.
      await until(() => node.stratum!.clientCount === 0, 5000, 'idle sockets dropped');
    } finally {
      closeAll(idle);
      await node.stop();
    }
  }, 30_000);

  it('web /ws: 1500 connections from one address get 16 slots; a page from elsewhere still works', async () => {
    const node = await startNode({ nodeLimits: { webHandshakeMs: 2000 } });
    const web = await serveWeb(node, { port: 0 });
    const held: Socket[] = [];
    try {
      for (let i = 0; i < 1500; i++) held.push(await deafWebSocket(web.port, '/ws', '127.0.0.3'));
      await until(() => web.connections() === 16, 5000, '16 /ws slots for 127.0.0.3');
      const ws = new WebSocket(`ws://127.0.0.1:${web.port}/ws`);
      const welcome = await new Promise<any>((resolve, reject) => {
        ws.once('error', reject);
        ws.on('message', (d) => resolve(JSON.parse(String(d))));
        ws.once('open', () => ws.send(JSON.stringify({ type: 'hello', version: 1, client: 'honest' })));
      });
      expect(welcome.type).toBe('welcome');
      expect(web.connections()).toBe(17);
      ws.close();
      // The held ones say no hello: dropped after the handshake time.
      await until(() => web.connections() === 0, 15_000, 'idle /ws dropped');
    } finally {
      closeAll(held);
      await web.close();
      await node.stop();
    }
  }, 60_000);

  it('web /ws refuses a foreign Origin or Host and accepts the page’s own', async () => {
    const node = await startNode();
    const web = await serveWeb(node, { port: 0, allowOrigins: ['http://miner.example'], allowHosts: ['miner.lan'] });
    try {
      const tryOrigin = (origin: string, host = `127.0.0.1:${web.port}`) =>
        new Promise<number>((resolve) => {
          const ws = new WebSocket(`ws://127.0.0.1:${web.port}/ws`, { headers: { origin, host } });
          ws.on('unexpected-response', (_req: unknown, res: { statusCode: number }) => resolve(res.statusCode));
          ws.on('open', () => {
            ws.close();
            resolve(101);
          });
          ws.on('error', () => {});
        });
      expect(await tryOrigin('http://evil.example')).toBe(403);
      expect(await tryOrigin(`http://127.0.0.1:${web.port}`)).toBe(101);
      expect(await tryOrigin('http://miner.example')).toBe(101);
      // DNS rebinding: the page's own origin, but under a name nobody allowed.
      expect(await tryOrigin(`http://rebind.evil.example:${web.port}`, `rebind.evil.example:${web.port}`)).toBe(403);
      expect(await tryOrigin(`http://miner.lan:${web.port}`, `miner.lan:${web.port}`)).toBe(101);
    } finally {
      await web.close();
      await node.stop();
    }
  });

  it('web /ws: a page over the message rate is dropped', async () => {
    const lines: string[] = [];
    const node = await startNode({ nodeLimits: { webRate: 5, webBurst: 10 }, logger: createLogger((l) => lines.push(l), 'info') });
    const web = await serveWeb(node, { port: 0 });
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${web.port}/ws`);
      await new Promise((r) => ws.once('open', r));
      const closed = new Promise((r) => ws.once('close', r));
      ws.send(JSON.stringify({ type: 'hello', version: 1, client: 'greedy' }));
      for (let i = 0; i < 30; i++) ws.send('{"type":"getjob"}');
      await closed;
      expect(lines.some((l) => /^info: web: \/ws 127\.0\.0\.1 disconnected: over 5 messages per second/.test(l))).toBe(true);
    } finally {
      await web.close();
      await node.stop();
    }
  });

  it('RPC: 1500 slowloris sockets from one address; the honest client is served and the slow ones are cut', async () => {
    const node = await startNode({ nodeLimits: { rpcHeadersTimeoutMs: 1000, rpcRequestTimeoutMs: 2000 } });
    const slow: Socket[] = [];
    try {
      for (let i = 0; i < 1500; i++) {
        const s = await deafSocket(node.rpc!.port, '127.0.0.5');
        s.write('POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
        slow.push(s);
      }
      expect(node.rpc!.connectionCount).toBeLessThanOrEqual(16);
      expect((await rpc(node, 'getblockcount')).result).toBe(0);
      await until(() => node.rpc!.connectionCount <= 1, 6000, 'slowloris sockets cut by the header timeout');
      expect((await rpc(node, 'getblockcount')).result).toBe(0);
    } finally {
      closeAll(slow);
      await node.stop();
    }
  }, 60_000);
});

describe('operations: RPCs and log lines', () => {
  it('listbanned / setban / clearbanned, connection count, network info, difficulty, headers, blocks, templates, stop', async () => {
    const node = await startNode();
    try {
      await generate(node, 2);
      const call = async (m: string, p: unknown[] = []) => {
        const r = await rpc(node, m, p);
        if (r.error) throw new Error(`${m}: ${r.error.message}`);
        return r.result;
      };
      expect(await call('listbanned')).toEqual([]);
      expect(await call('setban', ['203.0.113.7', 'add', 3600])).toBeNull();
      expect(await call('setban', ['127.0.0.1:17421', 'add'])).toBeNull();
      const bans = await call('listbanned');
      expect(bans.map((b: any) => b.address).sort()).toEqual(['127.0.0.1:17421', '203.0.113.7']);
      expect(bans.find((b: any) => b.address === '203.0.113.7').time_remaining).toBeGreaterThan(3500);
      expect((await rpc(node, 'setban', ['203.0.113.7', 'add'])).error.message).toMatch(/already banned/);
      expect((await rpc(node, 'setban', ['not-an-ip', 'add'])).error.code).toBe(-30);
      expect(await call('setban', ['203.0.113.7', 'remove'])).toBeNull();
      expect((await call('listbanned')).length).toBe(1);
      expect(await call('clearbanned')).toBeNull();
      expect(await call('listbanned')).toEqual([]);
      expect(await call('getconnectioncount')).toBe(0);
      const ni = await call('getnetworkinfo');
      expect(ni).toMatchObject({ connections: 0, connections_in: 0, connections_out: 0, networkactive: true, listening: true });
      expect(ni.limits.stratumMaxOutBytes).toBe(1 << 20);
      expect(await call('getdifficulty')).toBeGreaterThan(0);
      const best = await call('getbestblockhash');
      const h = await call('getblockheader', [best]);
      expect(h).toMatchObject({ hash: best, height: 2, confirmations: 1 });
      expect(await call('getblockheader', [best, false])).toMatch(/^[0-9a-f]{160}$/);
      expect(await call('getblock', [best, false])).toMatch(/^[0-9a-f]+$/);
      expect((await call('getblock', [best, true])).hash).toBe(best);
      const t = await call('getblocktemplate', [{ rules: ['segwit'] }]);
      expect(t.height).toBe(3);
      expect((await rpc(node, 'getblocktemplate', [{ rules: 'segwit' }])).error.message).toMatch(/rules must be an array/);
      expect((await rpc(node, 'getblocktemplate', [{ mode: 'proposal' }])).error.message).toMatch(/only mode "template"/);
      expect(await call('stop')).toBe('hashlane node stopping');
      await node.stopRequested;
      await until(async () => (await fetch(`http://127.0.0.1:${node.rpc?.port ?? 1}/`).then(() => false, () => true)), 5000, 'RPC closed after stop');
    } finally {
      await node.stop();
    }
  });

  it('logs peer connect/disconnect, unreachable peers, bans, blocks and reorgs with levels', async () => {
    const lines: string[] = [];
    const logger = createLogger((l) => lines.push(l), 'debug');
    const a = await startNode({ logger });
    let b: HashlaneNode | null = null;
    try {
      a.network.addPeer('127.0.0.1:1');
      await until(() => lines.some((l) => /^warn: p2p: peer 127\.0\.0\.1:1 unreachable: ECONNREFUSED/.test(l)), 5000, 'unreachable');
      a.network.removePeer('127.0.0.1:1');
      b = await startNode({ minerAddress: a.minerAddress });
      await generate(b, 3);
      // Paid to another key, so that a's block differs from b's first one: a real fork.
      await generate(a, 1, keypair(5).pk);
      a.network.addPeer(`127.0.0.1:${b.network.listenPort}`);
      await until(() => a.chain.height === 3, 10_000, 'reorg to the longer chain');
      expect(lines.some((l) => /^info: p2p: peer 127\.0\.0\.1:\d+ connected \(outbound/.test(l))).toBe(true);
      expect(lines.some((l) => /^info: block connected [0-9a-f]{64} \(1 tx\)/.test(l))).toBe(true);
      expect(lines.some((l) => /^warn: reorg: 1 block\(s\) disconnected, [23] connected/.test(l))).toBe(true);
      expect(lines.some((l) => /^info: block disconnected [0-9a-f]{64}/.test(l))).toBe(true);
      a.network.ban(a.network.keyOf(a.network.ready()[0]!), 'test ban');
      await until(() => lines.some((l) => /^info: p2p: peer .* disconnected: banned: test ban/.test(l)), 5000, 'disconnect line');
      // Loopback: bans name the peer id (several nodes share the address).
      expect(lines.some((l) => /^warn: p2p: banned 12D3KooW\w+ for 60 s: test ban/.test(l))).toBe(true);
      // info level: no debug lines.
      const quiet: string[] = [];
      createLogger((l) => quiet.push(l), 'info').debug('x');
      expect(quiet).toEqual([]);
    } finally {
      await b?.stop();
      await a.stop();
    }
  }, 30_000);
});
