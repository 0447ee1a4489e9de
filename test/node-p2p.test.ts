import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Network } from '../dist/node/p2p/network.js';
import { parseMessage, ProtocolError } from '../dist/node/p2p/messages.js';

const G = 'aa'.repeat(32);
const nets: Network[] = [];
function net(opts: Partial<ConstructorParameters<typeof Network>[0]> = {}): Network {
  const n = new Network({ chainId: 'devnet', genesis: G, tip: () => ({ height: 0, work: 1n }), reconnectMinMs: 50, reconnectMaxMs: 200, ...opts });
  nets.push(n);
  return n;
}
const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};
/** A raw client that completes the handshake, then lets the test misbehave. */
async function rawPeer(port: number, hello = true, listenPort = 0): Promise<{ ws: WebSocket; closed: () => boolean }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
  let closed = false;
  ws.on('close', () => (closed = true));
  ws.on('error', () => (closed = true));
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  if (hello) {
    ws.send(JSON.stringify({ t: 'hello', version: 1, chainId: 'devnet', genesis: G, height: 0, work: '1', agent: 'test', listenPort, nonce: '0123456789abcdef' }));
  }
  return { ws, closed: () => closed };
}

afterEach(async () => {
  await Promise.all(nets.splice(0).map((n) => n.close()));
});

describe('p2p message codec', () => {
  it('accepts well-formed messages and rejects malformed ones with ProtocolError', () => {
    expect(parseMessage('{"t":"inv","kind":"tx","hashes":["' + 'ab'.repeat(32) + '"]}')).toMatchObject({ t: 'inv', kind: 'tx' });
    for (const bad of ['x', '[]', '{"t":"zz"}', '{"t":"inv","kind":"x","hashes":[]}', '{"t":"inv","kind":"tx","hashes":["AB"]}', '{"t":"block","data":"abc"}', '{"t":"headers","headers":["00"]}', '{"t":"ping","n":"1"}']) {
      expect(() => parseMessage(bad), bad).toThrow(ProtocolError);
    }
  });
});

describe('p2p network', () => {
  it('handshakes, delivers messages and reconnects after the peer comes back', async () => {
    const a = net();
    const port = await a.listen();
    const b = net({ port: null });
    const got: unknown[] = [];
    a.on('message', (_p, m) => got.push(m));
    b.addPeer(`127.0.0.1:${port}`);
    await until(() => a.ready().length === 1 && b.ready().length === 1);
    expect(b.ready()[0]!.hello!.listenPort).toBe(port);
    b.broadcast({ t: 'getmempool' });
    await until(() => got.length === 1);
    expect(got[0]).toEqual({ t: 'getmempool' });
    await a.close();
    await until(() => b.ready().length === 0);
    const a2 = net({ port });
    await a2.listen();
    await until(() => a2.ready().length === 1 && b.ready().length === 1, 5000);
  });

  it('refuses other chains and connections to itself', async () => {
    const a = net();
    const port = await a.listen();
    const other = net({ port: null, chainId: 'testnet', genesis: 'bb'.repeat(32) });
    other.addPeer(`127.0.0.1:${port}`);
    await until(() => a.bans.size === 1);
    expect([...a.bans.values()][0]!.reason).toMatch(/other chain/);
    const self = net();
    const sp = await self.listen();
    self.addPeer(`127.0.0.1:${sp}`);
    await until(() => self.configuredPeers.length === 0);
    expect(self.ready()).toHaveLength(0);
  });

  it('scores malformed messages and bans the sender (address:port on loopback) for a while', async () => {
    const a = net({ banMs: 600 });
    const port = await a.listen();
    const p = await rawPeer(port, true, 40001);
    await until(() => a.ready().length === 1);
    const penalties: string[] = [];
    a.ready()[0]!.on('penalty', (_n: number, why: string) => penalties.push(why));
    for (let i = 0; i < 5; i++) p.ws.send('{"t":"inv","kind":"tx","hashes":["nothex"]}');
    await until(() => p.closed());
    expect(penalties.length).toBe(5);
    // On loopback the ban names the node (its listening port), not the whole machine.
    expect(a.isBanned('127.0.0.1:40001')).toBe(true);
    expect(a.isBanned('127.0.0.1')).toBe(false);
    const again = await rawPeer(port, true, 40001);
    await until(() => again.closed());
    const neighbour = await rawPeer(port, true, 40002);
    await until(() => a.ready().length === 1);
    neighbour.ws.close();
    await new Promise((r) => setTimeout(r, 650));
    expect(a.isBanned('127.0.0.1:40001')).toBe(false);
    await until(() => a.ready().length === 0);
    const later = await rawPeer(port, true, 40001);
    await until(() => a.ready().length === 1);
    later.ws.close();
  });

  it('rate-limits floods and drops oversize frames', async () => {
    const a = net({ banMs: 200, limits: { msgRate: 50, msgBurst: 20, maxMessageBytes: 1024 } });
    const port = await a.listen();
    const p = await rawPeer(port);
    await until(() => a.ready().length === 1);
    for (let i = 0; i < 40; i++) p.ws.send('{"t":"getmempool"}');
    await until(() => p.closed());
    expect([...a.bans.values()][0]!.reason).toMatch(/rate limit/);
    await new Promise((r) => setTimeout(r, 250));
    const q = await rawPeer(port);
    await until(() => a.ready().length === 1);
    q.ws.send(JSON.stringify({ t: 'tx', data: '00'.repeat(2000) }));
    await until(() => q.closed());
    expect([...a.bans.values()].at(-1)!.reason).toMatch(/over 1024 bytes/);
  });

  it('drops a peer that never says hello', async () => {
    const a = net({ limits: { handshakeTimeoutMs: 150 } });
    const port = await a.listen();
    const p = await rawPeer(port, false);
    await until(() => p.closed(), 2000);
    expect(a.bans.size).toBe(0);
  });
});
