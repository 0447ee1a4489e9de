// Issue 12, item 1: every server parses untrusted input inside a guard. The inputs that used
// to kill the node (Stratum `null`, GET /%E0%A4%A) and more garbage per server go to one
// `hashlane node --web` process; it must stay up and keep serving an honest client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { WebSocket } from 'ws';
import { spawnNode, stratumAsk, wsFrame, type NodeProcess } from './support/hostile.js';

let n: NodeProcess;

beforeAll(async () => {
  n = await spawnNode();
});
afterAll(async () => {
  await n?.stop();
});

/** Writes raw bytes on a fresh TCP connection; resolves what came back before the server closed (or 1.5 s). */
function raw(port: number, data: Buffer | string, ms = 1500): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    let got = '';
    const done = () => {
      clearTimeout(t);
      s.destroy();
      resolve(got);
    };
    const t = setTimeout(done, ms);
    s.on('data', (d) => (got += d.toString('latin1')));
    s.on('error', done);
    s.on('close', done);
    s.write(data);
  });
}

async function rpc(method: string, params: unknown[] = []): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${n.ports.rpc}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: n.authorization },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return res.json();
}

/** The process is alive and every server still answers an honest client. */
async function allServed(): Promise<void> {
  expect(n.child.exitCode, n.output()).toBeNull();
  expect((await rpc('getblockcount')).result).toBeTypeOf('number');
  const sub = await stratumAsk(n.ports.stratum, ['{"id":1,"method":"mining.subscribe","params":[]}'], 1);
  expect(sub.result[1]).toMatch(/^[0-9a-f]{8}$/);
  expect((await fetch(`http://127.0.0.1:${n.ports.web}/`)).status).toBe(200);
  const ws = new WebSocket(`ws://127.0.0.1:${n.ports.web}/ws`);
  const welcome = await new Promise<any>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (d) => {
      const m = JSON.parse(String(d));
      if (m.type === 'welcome') resolve(m);
      else if (m.type === 'error') reject(new Error(m.message));
    });
    ws.once('open', () => ws.send(JSON.stringify({ type: 'hello', version: 1, client: 'honest' })));
  });
  ws.close();
  expect(welcome.chain).toBe('regtest');
}

/** Deterministic garbage (xorshift), so a failure can be replayed. */
function garbage(seed: number, len: number): Buffer {
  let x = seed >>> 0 || 1;
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

const JSON_GARBAGE = ['null', '[]', '42', '"x"', 'true', '{}', '[null]', '{"id":{},"method":"x"}', '{"__proto__":{"id":1}}', '{"id":1,"method":"constructor"}', '['.repeat(10_000), '{"a":' + '1'.repeat(400) + '}', '"\\ud800"'];

describe('hostile input against every server of one node process', () => {
  it('Stratum: `null` and other garbage lines get errors or a disconnect, never a crash', async () => {
    const lines = [
      ...JSON_GARBAGE,
      '{"id":2,"method":"mining.submit","params":null}',
      '{"id":3,"method":"mining.submit","params":[1,2,3,4,5]}',
      '{"id":4,"method":"mining.configure","params":[null]}',
      '{"id":5,"method":"mining.configure","params":{"a":1}}',
      '{"id":6,"method":"mining.suggest_difficulty","params":["abc"]}',
      '{"id":7,"method":"mining.suggest_difficulty","params":[{"valueOf":1}]}',
      '{"id":8,"method":"mining.authorize","params":[{"x":1},null]}',
      '{"id":9,"method":"mining.subscribe","params":{"a":1}}',
      '{"id":10,"method":"mining.submit","params":["w","1","zzzzzzzz","00000000","00000000"]}',
    ];
    const answer = await raw(n.ports.stratum, lines.join('\n') + '\n', 2000);
    const replies = answer.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    // `null` (the line that used to kill the node) is answered as a malformed request.
    expect(replies[0]).toMatchObject({ id: null, result: null });
    expect(replies[0].error[1]).toMatch(/JSON object/);
    expect(replies.find((r) => r.id === 4).error[1]).toMatch(/mining.configure expects/);
    expect(replies.find((r) => r.id === 6).error[1]).toMatch(/positive number/);
    expect(replies.find((r) => r.id === 10).error[1]).toMatch(/extranonce2/);
    // A line longer than the limit: disconnected.
    expect(await raw(n.ports.stratum, 'x'.repeat(70_000), 2000)).toBe('');
    for (let seed = 1; seed <= 40; seed++) await raw(n.ports.stratum, garbage(seed, 2000), 50);
    await allServed();
  }, 30_000);

  it('web: GET /%E0%A4%A and other bad requests get 4xx, never a crash', async () => {
    const bad = await fetch(`http://127.0.0.1:${n.ports.web}/%E0%A4%A`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/percent-encoded/);
    for (const path of ['/%00', '/%', '/%ff%fe', '/..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/etc/passwd', '/' + 'a'.repeat(10_000)]) {
      const r = await fetch(`http://127.0.0.1:${n.ports.web}${path}`);
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.status, path).toBeLessThan(500);
    }
    expect(await raw(n.ports.web, 'GET /../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')).toMatch(/^HTTP\/1.1 40[34]/);
    expect(await raw(n.ports.web, `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX: ${'a'.repeat(100_000)}\r\n\r\n`)).not.toMatch(/200 OK/);
    for (let seed = 100; seed < 120; seed++) await raw(n.ports.web, garbage(seed, 1000), 50);
    await allServed();
  }, 30_000);

  it('web /ws: garbage frames get protocol errors, never a crash', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${n.ports.web}/ws`);
    const inbox: any[] = [];
    ws.on('message', (d) => inbox.push(JSON.parse(String(d))));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    await new Promise((r) => ws.once('open', r));
    const small = JSON_GARBAGE.filter((g) => g.length < 1000);
    for (const g of [...small, '{"type":"submit","jobId":"1","header":"00"}', '{"type":"hello","version":1,"payTo":"zz"}']) ws.send(g);
    ws.send(Buffer.from([1, 2, 3]));
    ws.send(JSON.stringify({ type: 'hello', version: 1, client: 'test' }));
    ws.send(JSON.stringify({ type: 'submit', jobId: '1', header: '00'.repeat(80) }));
    ws.send(JSON.stringify({ type: 'submit', jobId: { a: 1 }, header: 7 }));
    await new Promise((r) => setTimeout(r, 500));
    expect(inbox.filter((m) => m.type === 'error').length).toBeGreaterThanOrEqual(small.length + 2);
    expect(inbox.some((m) => m.type === 'result' && m.accepted === false)).toBe(true);
    // A frame over the message size limit: the connection is closed with 1009 (message too big).
    ws.send('['.repeat(100_000));
    expect(await closed).toBe(1009);
    // Hand-made frames: a bad opcode, a frame over the size limit, random bytes after the upgrade.
    const upgrade = `GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;
    await raw(n.ports.web, Buffer.concat([Buffer.from(upgrade), Buffer.from([0x83, 0x80, 0, 0, 0, 0])]), 300);
    await raw(n.ports.web, Buffer.concat([Buffer.from(upgrade), wsFrame('x'.repeat(300_000))]), 300);
    await raw(n.ports.web, Buffer.concat([Buffer.from(upgrade), garbage(7, 5000)]), 300);
    await allServed();
  }, 30_000);

  it('RPC: malformed HTTP and JSON get errors, never a crash', async () => {
    const post = (body: string, type = 'application/json') =>
      fetch(`http://127.0.0.1:${n.ports.rpc}/`, { method: 'POST', headers: { 'content-type': type, authorization: n.authorization }, body });
    for (const body of [...JSON_GARBAGE, '{', '\u0000', '[' + '{"method":"help"},'.repeat(2000) + '{}]']) {
      const r = await post(body);
      expect(r.status, body.slice(0, 20)).toBeLessThan(500);
    }
    expect((await post('{}', 'text/plain')).status).toBe(415);
    expect((await fetch(`http://127.0.0.1:${n.ports.rpc}/%E0%A4%A`, { method: 'POST' })).status).toBe(404);
    expect(await raw(n.ports.rpc, 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 99999999999\r\n\r\n')).toMatch(/^HTTP\/1.1 (401|413|415)/);
    expect(await raw(n.ports.rpc, 'BREW /coffee HTCPCP/1.0\r\n\r\n')).toMatch(/^HTTP\/1.1 400/);
    for (let seed = 200; seed < 220; seed++) await raw(n.ports.rpc, garbage(seed, 1000), 50);
    await allServed();
  }, 30_000);

  it('P2P (libp2p TCP): garbage before, inside and instead of multistream-select gets a disconnect, never a crash', async () => {
    const hello = '\x13/multistream/1.0.0\n';
    for (const g of JSON_GARBAGE) await raw(n.ports.p2p, Buffer.concat([Buffer.from(hello, 'latin1'), Buffer.from(g)]), 100);
    await raw(n.ports.p2p, Buffer.concat([Buffer.from(hello + '\x07/noise\n', 'latin1'), garbage(9, 10_000)]), 200);
    for (let seed = 300; seed < 320; seed++) await raw(n.ports.p2p, garbage(seed, 1000), 50);
    // Plain HTTP is no protocol the listener speaks: the connection just closes.
    expect(await raw(n.ports.p2p, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')).not.toMatch(/^HTTP/);
    await allServed();
  }, 30_000);
});
