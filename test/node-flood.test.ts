// Issue 12: a client that floods and never reads must be disconnected, and the node's memory
// must stay bounded while an honest client is still served. The node runs as a child process
// so that its resident set size can be read from /proc/<pid>/status.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { deafSocket, deafWebSocket, pour, rssMB, spawnNode, stratumAsk, wsFrame, type NodeProcess } from './support/hostile.js';

/** README "Limits": a flood may grow the node's RSS by at most this much. */
const RSS_CAP_MB = 64;

let n: NodeProcess;
const figures: { flood: string; beforeMB: number; peakMB: number; afterMB: number; sentMessages: number; ms: number }[] = [];

async function rpc(method: string, params: unknown[] = []): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${n.ports.rpc}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: n.authorization },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(15_000),
  });
  return (await res.json()).result;
}

/** An honest miner and an honest RPC client, each answered within a few seconds. */
async function honestServed(): Promise<void> {
  expect(typeof (await rpc('getblockcount'))).toBe('number');
  // Generous: two cores are shared with other test files; a flood must slow nobody to a stop.
  const sub = await stratumAsk(n.ports.stratum, ['{"id":7,"method":"mining.subscribe","params":["honest"]}'], 7, 15_000);
  expect(sub.error).toBeNull();
}

/**
 * Runs one flood: samples the node's RSS every 50 ms from before the first byte until the
 * flooder is disconnected (or 20 s pass), checks an honest client in the middle of it.
 */
async function measure(flood: string, reason: RegExp, start: () => Promise<{ socket: Socket; run: () => Promise<number> }>): Promise<void> {
  await honestServed();
  await new Promise((r) => setTimeout(r, 300));
  const beforeMB = rssMB(n.child.pid!);
  let peakMB = beforeMB;
  const sampler = setInterval(() => (peakMB = Math.max(peakMB, rssMB(n.child.pid!))), 50);
  const t0 = Date.now();
  try {
    const { socket, run } = await start();
    const closed = new Promise<void>((r) => (socket.destroyed ? r() : socket.once('close', () => r())));
    const sending = run();
    await new Promise((r) => setTimeout(r, 300));
    await honestServed();
    const sentMessages = await sending;
    await Promise.race([closed, new Promise((_, j) => setTimeout(() => j(new Error(`${flood}: the flooder was not disconnected within 20 s`)), 20_000))]);
    const ms = Date.now() - t0;
    await honestServed();
    await new Promise((r) => setTimeout(r, 300));
    const afterMB = rssMB(n.child.pid!);
    peakMB = Math.max(peakMB, afterMB);
    figures.push({ flood, beforeMB: +beforeMB.toFixed(1), peakMB: +peakMB.toFixed(1), afterMB: +afterMB.toFixed(1), sentMessages, ms });
    expect(peakMB - beforeMB, `${flood}: RSS ${beforeMB.toFixed(1)} -> peak ${peakMB.toFixed(1)} MB`).toBeLessThan(RSS_CAP_MB);
    expect(n.child.exitCode).toBeNull();
    for (let i = 0; i < 50 && !reason.test(n.output()); i++) await new Promise((r) => setTimeout(r, 100));
    expect(n.output(), `${flood}: the node's log says why`).toMatch(reason);
  } finally {
    clearInterval(sampler);
  }
}

beforeAll(async () => {
  // Rate limits raised so that the cap on queued outbound bytes is what stops each flood
  // (node-hardening.test.ts checks the rate limits themselves).
  n = await spawnNode(['--limit', 'stratumRate=1000000', '--limit', 'stratumBurst=1000000', '--limit', 'stratumMaxQueued=1000000', '--limit', 'webRate=1000000', '--limit', 'webBurst=1000000', '--limit', 'p2pStallMs=3000']);
  // Some blocks, so that P2P getdata has something to amplify.
  await rpc('help');
});
afterAll(async () => {
  if (figures.length) console.log(`flood figures (RSS cap +${RSS_CAP_MB} MB):\n${figures.map((f) => JSON.stringify(f)).join('\n')}`);
  await n?.stop();
});

describe('floods from clients that never read', () => {
  it('Stratum: a subscribe flood is cut off at the outbound byte cap', async () => {
    const line = Buffer.from('{"id":1,"method":"mining.subscribe","params":[]}\n'.repeat(500));
    await measure('stratum subscribe', /stratum: disconnected 127\.0\.0\.2: over 1048576 bytes unread/, async () => {
      const socket = await deafSocket(n.ports.stratum, '127.0.0.2');
      return { socket, run: async () => (await pour(socket, line, 4000)) * 500 };
    });
  }, 60_000);

  it('web /ws: a getjob flood is cut off at the outbound byte cap', async () => {
    const hello = wsFrame(JSON.stringify({ type: 'hello', version: 1, client: 'flood' }));
    const getjobs = Buffer.concat(Array.from({ length: 200 }, () => wsFrame('{"type":"getjob"}')));
    await measure('web /ws getjob', /web: \/ws 127\.0\.0\.3 disconnected: over 1048576 bytes unread/, async () => {
      const socket = await deafWebSocket(n.ports.web, '/ws', '127.0.0.3');
      socket.write(hello);
      return { socket, run: async () => (await pour(socket, getjobs, 2000)) * 200 };
    });
  }, 60_000);
  // P2P floods from never-reading peers run against the libp2p stack in node-p2p.test.ts.
});
