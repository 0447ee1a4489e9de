import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import type { HashlaneNode } from '../dist/node/node.js';
import { serveWeb } from '../dist/node/web-server.js';
import { scanNonces } from '../dist/pow/index.js';
import { keypair, startNode, until } from './support/node.js';

let node: HashlaneNode;
let web: Awaited<ReturnType<typeof serveWeb>>;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'hashlane-web-'));
  await writeFile(join(root, 'index.html'), '<!doctype html><title>hashlane</title>');
  node = await startNode();
  web = await serveWeb(node, { port: 0, root });
});
afterAll(async () => {
  await web.close();
  await node.stop();
  await rm(root, { recursive: true, force: true });
});

function client() {
  const ws = new WebSocket(`ws://127.0.0.1:${web.port}/ws`);
  const inbox: any[] = [];
  ws.on('message', (d) => inbox.push(JSON.parse(String(d))));
  const next = async (type: string) => {
    await until(() => inbox.some((m) => m.type === type), 10_000, type);
    return inbox.splice(inbox.findIndex((m) => m.type === type), 1)[0];
  };
  return { ws, next, open: new Promise((r) => ws.once('open', r)) };
}

describe('node web endpoint (page + work protocol)', () => {
  it('serves the page and refuses paths outside it', async () => {
    const page = await fetch(`http://127.0.0.1:${web.port}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect((await fetch(`http://127.0.0.1:${web.port}/missing.js`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${web.port}/%2e%2e/%2e%2e/etc/passwd`)).status).toBeGreaterThanOrEqual(403);
  });

  it('hands out jobs, accepts a solved header as a block, and refuses stale, bad and high-hash submits', async () => {
    const payTo = keypair(31).pk;
    const c = client();
    await c.open;
    c.ws.send(JSON.stringify({ type: 'getjob' }));
    expect((await c.next('error')).message).toMatch(/before hello/);
    c.ws.send(JSON.stringify({ type: 'hello', version: 1, client: 'test', payTo: Buffer.from(payTo).toString('hex') }));
    const welcome = await c.next('welcome');
    expect(welcome).toMatchObject({ chain: 'regtest', height: 0 });
    const job = await c.next('job');
    expect(job).toMatchObject({ height: 1, clean: true });
    const header = new Uint8Array(Buffer.from(job.header, 'hex'));
    const target = BigInt('0x' + job.target);
    // A nonce that misses the target, and one that meets it.
    let miss = -1;
    let hit = -1;
    for (let n = 0; (miss < 0 || hit < 0) && n < 1 << 20; n++) {
      const r = scanNonces(header, target, n, 1);
      if (r.nonce === null && miss < 0) miss = n;
      if (r.nonce !== null && hit < 0) hit = n;
    }
    const withNonce = (n: number) => {
      const h = Buffer.from(header);
      h.writeUInt32LE(n, 76);
      return h.toString('hex');
    };
    c.ws.send(JSON.stringify({ type: 'submit', jobId: job.jobId, header: withNonce(miss) }));
    expect(await c.next('result')).toMatchObject({ accepted: false, reason: 'high-hash' });
    const tampered = Buffer.from(withNonce(hit), 'hex');
    tampered[40] ^= 1;
    c.ws.send(JSON.stringify({ type: 'submit', jobId: job.jobId, header: tampered.toString('hex') }));
    expect(await c.next('result')).toMatchObject({ accepted: false, reason: 'bad-header' });
    c.ws.send(JSON.stringify({ type: 'submit', jobId: job.jobId, header: withNonce(hit) }));
    expect(await c.next('result')).toMatchObject({ accepted: true, height: 1 });
    expect(node.chain.height).toBe(1);
    expect(node.chain.getAccount(payTo).balance).toBeGreaterThan(0n);
    // The new tip brings a clean job; the old one is stale now.
    const job2 = await c.next('job');
    expect(job2).toMatchObject({ height: 2, clean: true });
    c.ws.send(JSON.stringify({ type: 'submit', jobId: job.jobId, header: withNonce(hit) }));
    expect(await c.next('result')).toMatchObject({ accepted: false, reason: 'stale' });
    c.ws.send('{"type":"nope"}');
    expect((await c.next('error')).message).toMatch(/unknown client message type/);
    c.ws.close();
  });
});
