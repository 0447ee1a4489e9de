import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcServer } from '../dist/node/rpc-server.js';
import { RpcCode, RpcError } from '../dist/node/rpc-errors.js';

let defaultAuth = '';

async function post(port: number, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...(defaultAuth && !('authorization' in headers) ? { authorization: defaultAuth } : {}), ...headers } });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

describe('JSON-RPC server framework', () => {
  const server = new RpcServer({ port: 0, maxBodyBytes: 4096, maxBatch: 5 });
  let port = 0;
  beforeAll(async () => {
    server.register('echo', {
      help: 'echo',
      params: [
        { name: 'n', type: 'int', min: 0, max: 10 },
        { name: 'h', type: 'hash', optional: true },
        { name: 'amount', type: 'amount', optional: true },
      ],
      handler: ([n, h, amount]) => ({ n, h: h ? Buffer.from(h as Uint8Array).toString('hex') : null, amount: amount?.toString() }),
    });
    server.register('boom', {
      help: 'boom',
      params: [],
      handler: () => {
        throw new RpcError(RpcCode.VERIFY_REJECTED, 'rejected: bad-txns-nonce');
      },
    });
    port = await server.listen();
    defaultAuth = server.authorization;
  });
  afterAll(() => server.close());

  it('answers a valid call with positional and named params', async () => {
    const h = 'ab'.repeat(32);
    const a = await post(port, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: [3, h, '123456789012.3456789'] }));
    expect(a.json).toEqual({ jsonrpc: '2.0', id: 1, result: { n: 3, h, amount: '12345678901234567890' } });
    const b = await post(port, JSON.stringify({ jsonrpc: '2.0', id: 'x', method: 'echo', params: { n: 4 } }));
    expect(b.json.result.n).toBe(4);
  });

  it('rejects malformed input with the right error codes and messages', async () => {
    const cases: [string, number, RegExp][] = [
      ['{not json', RpcCode.PARSE_ERROR, /parse error/],
      ['42', RpcCode.INVALID_REQUEST, /JSON object/],
      ['[]', RpcCode.INVALID_REQUEST, /empty batch/],
      [JSON.stringify({ jsonrpc: '2.0', id: 1 }), RpcCode.INVALID_REQUEST, /method must be a string/],
      [JSON.stringify({ jsonrpc: '3.0', id: 1, method: 'echo' }), RpcCode.INVALID_REQUEST, /jsonrpc/],
      [JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'nope' }), RpcCode.METHOD_NOT_FOUND, /nope/],
      [JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: [] }), RpcCode.INVALID_PARAMS, /missing parameter "n"/],
      [JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: [11] }), RpcCode.INVALID_PARAMS, /<= 10/],
      [JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: [1.5] }), RpcCode.INVALID_PARAMS, /integer/],
      [JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: [1, 'zz'] }), RpcCode.INVALID_PARAMS, /64 hex digits/],
      [JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: [1, null, -5] }), RpcCode.INVALID_PARAMS, /negative/],
      [JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: [1, null, null, 4] }), RpcCode.INVALID_PARAMS, /at most 3/],
      [JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: { m: 1 } }), RpcCode.INVALID_PARAMS, /unknown parameter "m"/],
      [JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: 'x' }), RpcCode.INVALID_PARAMS, /array or an object/],
      [JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'boom' }), RpcCode.VERIFY_REJECTED, /bad-txns-nonce/],
      [JSON.stringify({ jsonrpc: '2.0', id: {}, method: 'echo' }), RpcCode.INVALID_REQUEST, /id must be/],
    ];
    for (const [body, code, msg] of cases) {
      const r = await post(port, body);
      expect(r.json.error, body).toBeDefined();
      expect(r.json.error.code, body).toBe(code);
      expect(r.json.error.message, body).toMatch(msg);
    }
  });

  it('handles batches and notifications', async () => {
    const r = await post(
      port,
      JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'echo', params: [1] },
        { jsonrpc: '2.0', method: 'echo', params: [2] },
        { jsonrpc: '2.0', id: 3, method: 'nope' },
      ]),
    );
    expect(r.json).toHaveLength(2);
    expect(r.json[0].result.n).toBe(1);
    expect(r.json[1].error.code).toBe(RpcCode.METHOD_NOT_FOUND);
    const n = await post(port, JSON.stringify({ jsonrpc: '2.0', method: 'echo', params: [1] }));
    expect(n.status).toBe(204);
    const big = await post(port, JSON.stringify(Array.from({ length: 6 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'help' }))));
    expect(big.json.error.message).toMatch(/limit of 5/);
  });

  it('enforces transport rules: POST /, body size', async () => {
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(405);
    expect((await post(port + 0, '{}').then(() => fetch(`http://127.0.0.1:${port}/x`, { method: 'POST', body: '{}', headers: { authorization: server.authorization } }))).status).toBe(404);
    const r = await post(port, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: ['x'.repeat(5000)] }));
    expect(r.status).toBe(413);
    expect(r.json.error.message).toMatch(/exceeds 4096 bytes/);
  });

  it('requires HTTP Basic credentials (the cookie or a configured user), compared in constant time', async () => {
    const s = new RpcServer({ users: [{ user: 'alice', password: 's3cret' }] });
    const p = await s.listen();
    try {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'help' });
      const basic = (cred: string) => ({ authorization: `Basic ${Buffer.from(cred).toString('base64')}` });
      const none = await post(p, body);
      expect(none.status).toBe(401);
      expect(none.json.error.code).toBe(RpcCode.UNAUTHORIZED);
      expect(s.cookie).toMatch(/^__cookie__:[0-9a-f]{64}$/);
      for (const wrong of ['alice:wrong', 'bob:s3cret', '__cookie__:' + '0'.repeat(64), s.cookie.slice(0, -1), '']) expect((await post(p, body, basic(wrong))).status, wrong).toBe(401);
      expect((await post(p, body, { authorization: 'Bearer s3cret' })).status).toBe(401);
      expect((await post(p, body, basic('alice:s3cret'))).json.result).toMatch(/help/);
      expect((await post(p, body, basic(s.cookie))).status).toBe(200);
      expect((await post(p, body, { authorization: s.authorization })).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});
