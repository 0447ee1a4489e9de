// Issue 12, item 5: Stratum correctness — lines of one connection in order, stale after a
// job's block is found, side-chain results not counted, BIP 310 configure, clamped difficulty.
import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { SIDE_CHAIN, shareHeader, StratumServer, targetToDifficulty, type StratumJob } from '../dist/node/stratum-server.js';
import { bitsToTarget } from '../dist/pow/index.js';
import { rpc, startNode } from './support/node.js';

const sha256d = (b: Uint8Array) => createHash('sha256').update(createHash('sha256').update(b).digest()).digest();
const le = (b: Uint8Array) => BigInt('0x' + Buffer.from(b).reverse().toString('hex'));
const swap32 = (b: Buffer) => {
  const out = Buffer.alloc(b.length);
  for (let i = 0; i < b.length; i += 4) for (let j = 0; j < 4; j++) out[i + j] = b[i + 3 - j]!;
  return out;
};

/** Collects every JSON line a Stratum server sends, in order. */
class Lines {
  readonly all: any[] = [];
  private buf = '';
  constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buf += d;
      let i;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        this.all.push(JSON.parse(this.buf.slice(0, i)));
        this.buf = this.buf.slice(i + 1);
      }
    });
  }
  static async open(port: number): Promise<Lines> {
    const s = connect(port, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    return new Lines(s);
  }
  async wait(pred: (m: any) => boolean, ms = 5000): Promise<any> {
    const end = Date.now() + ms;
    for (;;) {
      const hit = this.all.find(pred);
      if (hit) return hit;
      if (Date.now() > end) throw new Error(`no such Stratum line within ${ms} ms; got ${JSON.stringify(this.all).slice(0, 400)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  send(...msgs: unknown[]): void {
    // One write: the server sees every line in one TCP segment.
    this.socket.write(msgs.map((m) => JSON.stringify(m) + '\n').join(''));
  }
}

const servers: StratumServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function fakeJob(target: bigint): StratumJob {
  return {
    prevHash: new Uint8Array(sha256d(Buffer.from('prev'))),
    coinb1: new Uint8Array(Buffer.from('01000000aabbccdd08', 'hex')),
    coinb2: new Uint8Array(16),
    merkleBranch: [],
    version: 1,
    bits: 0x207fffff,
    time: Math.floor(Date.now() / 1000) - 10,
    target,
  };
}

/** The first `count` nonces whose header hash meets `target` for a notify + extranonce1. */
function solve(job: StratumJob, en1: string, en2: string, ntime: number, target: bigint, count: number): number[] {
  const coinbase = Buffer.concat([Buffer.from(job.coinb1), Buffer.from(en1, 'hex'), Buffer.from(en2, 'hex'), Buffer.from(job.coinb2)]);
  const out: number[] = [];
  for (let nonce = 0; out.length < count; nonce++) if (le(sha256d(shareHeader(job, coinbase, ntime, nonce))) <= target) out.push(nonce);
  return out;
}

/** The job a mining.notify describes, back in the server's own terms. */
function jobOf(notify: any[]): StratumJob {
  const [, prev, coinb1, coinb2, branch, version, bits, time] = notify as [string, string, string, string, string[], string, string, string];
  return {
    prevHash: new Uint8Array(swap32(Buffer.from(prev, 'hex'))),
    coinb1: new Uint8Array(Buffer.from(coinb1, 'hex')),
    coinb2: new Uint8Array(Buffer.from(coinb2, 'hex')),
    merkleBranch: branch.map((h) => new Uint8Array(Buffer.from(h, 'hex'))),
    version: parseInt(version, 16) | 0,
    bits: parseInt(bits, 16),
    time: parseInt(time, 16),
    target: bitsToTarget(parseInt(bits, 16)),
  };
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

/** A server over `backend`, a subscribed and authorized client, and a block-solving mining.submit for its first job. */
async function solvedSubmit(backend: ConstructorParameters<typeof StratumServer>[0], network: bigint, en2: string, id: number) {
  const server = new StratumServer(backend, { port: 0 });
  servers.push(server);
  await server.listen();
  const c = await Lines.open(server.port);
  c.send({ id: 1, method: 'mining.subscribe', params: [] }, { id: 2, method: 'mining.authorize', params: ['w', 'x'] });
  const sub = await c.wait((m) => m.id === 1);
  const notify = await c.wait((m) => m.method === 'mining.notify');
  const t = parseInt(notify.params[7], 16);
  const [nonce] = solve({ ...fakeJob(network), time: t }, sub.result[1], en2, t, network, 1);
  return { server, c, submit: { id, method: 'mining.submit', params: ['w', notify.params[0], en2, notify.params[7], hex8(nonce!)] } };
}

describe('Stratum accounting', () => {
  it('two solutions for one job in one TCP write: the first is the block, the second is stale; blocksfound counts one', async () => {
    const node = await startNode({ stratumPort: 0 });
    try {
      const c = await Lines.open(node.stratum!.port);
      c.send({ id: 1, method: 'mining.subscribe', params: [] }, { id: 2, method: 'mining.authorize', params: ['w', 'x'] });
      const sub = await c.wait((m) => m.id === 1);
      const notify = await c.wait((m) => m.method === 'mining.notify');
      const job = jobOf(notify.params);
      const en1 = sub.result[1] as string;
      const [a, b] = solve(job, en1, '00000001', job.time, job.target, 2);
      c.send(
        { id: 10, method: 'mining.submit', params: ['w', notify.params[0], '00000001', hex8(job.time), hex8(a!)] },
        { id: 11, method: 'mining.submit', params: ['w', notify.params[0], '00000001', hex8(job.time), hex8(b!)] },
      );
      const first = await c.wait((m) => m.id === 10);
      const second = await c.wait((m) => m.id === 11);
      expect(first).toEqual({ id: 10, result: true, error: null });
      expect(second).toEqual({ id: 11, result: null, error: [21, 'job not found (stale)', null] });
      // Answers come in the order the lines were sent.
      expect(c.all.findIndex((m) => m.id === 10)).toBeLessThan(c.all.findIndex((m) => m.id === 11));
      const info = (await rpc(node, 'getmininginfo')).result;
      expect(info.blocks).toBe(1);
      expect(info.blocksfound).toBe(1);
      // The second solution never became a (side-chain) block.
      const coinbase = Buffer.concat([Buffer.from(job.coinb1), Buffer.from(en1, 'hex'), Buffer.from('00000001', 'hex'), Buffer.from(job.coinb2)]);
      const display = (nonce: number) => Buffer.from(sha256d(shareHeader(job, coinbase, job.time, nonce))).reverse().toString('hex');
      expect((await rpc(node, 'getblockheader', [display(a!)])).result.confirmations).toBe(1);
      expect((await rpc(node, 'getblockheader', [display(b!)])).error.message).toMatch(/block not found/);
      c.socket.destroy();
    } finally {
      await node.stop();
    }
  });

  it('a block that lands on a side chain is answered stale and counted neither as share nor as found block', async () => {
    const network = 1n << 254n;
    const { server, c, submit } = await solvedSubmit({ job: () => fakeJob(network), submitBlock: async () => SIDE_CHAIN }, network, '00000002', 3);
    c.send(submit);
    const r = await c.wait((m) => m.id === 3);
    expect(r.result).toBeNull();
    expect(r.error[0]).toBe(21);
    expect(r.error[1]).toMatch(/side chain/);
    expect(server.blocksFound).toBe(0);
    expect(server.sharesAccepted).toBe(0);
    c.socket.destroy();
  });

  it('handles one connection strictly in order, even when a submit waits on the backend', async () => {
    const network = 1n << 254n;
    const slow = { job: () => fakeJob(network), submitBlock: () => new Promise<null>((r) => setTimeout(() => r(null), 200)) };
    const { server, c, submit } = await solvedSubmit(slow, network, '00000003', 3);
    c.send(submit, { id: 4, method: 'mining.extranonce.subscribe', params: [] });
    await c.wait((m) => m.id === 4);
    const order = c.all.filter((m) => m.id === 3 || m.id === 4).map((m) => m.id);
    expect(order).toEqual([3, 4]);
    expect(server.blocksFound).toBe(1);
    c.socket.destroy();
  });

  it('mining.configure answers every requested extension; suggest_difficulty takes numbers and numeric strings, clamped', async () => {
    const network = difficultyTarget(1000);
    const server = new StratumServer({ job: () => fakeJob(network), submitBlock: async () => null }, { port: 0, difficulty: 1, minDifficulty: 0.01 });
    servers.push(server);
    await server.listen();
    const c = await Lines.open(server.port);
    c.send({ id: 1, method: 'mining.configure', params: [['version-rolling', 'minimum-difficulty', 'subscribe-extranonce'], { 'version-rolling.mask': '1fffe000', 'version-rolling.min-bit-count': 2 }] });
    expect((await c.wait((m) => m.id === 1)).result).toEqual({ 'version-rolling': false, 'minimum-difficulty': false, 'subscribe-extranonce': false });
    c.send({ id: 2, method: 'mining.subscribe', params: [] });
    await c.wait((m) => m.id === 2);
    const diffs: number[] = [];
    const sets = () => c.all.filter((m) => m.method === 'mining.set_difficulty');
    for (const [id, v] of [[3, 1e-12], [4, '0.5'], [5, 1e9], [6, '250'], [7, ' 2e1 ']] as const) {
      const before = sets().length;
      c.send({ id, method: 'mining.suggest_difficulty', params: [v] });
      expect((await c.wait((m) => m.id === id)).result, String(v)).toBe(true);
      await c.wait(() => sets().length > before);
      diffs.push(sets().at(-1).params[0]);
    }
    // 1e-12 -> the minimum; "0.5" as given; 1e9 -> the network difficulty; strings work.
    expect(diffs[0]).toBeCloseTo(0.01, 10);
    expect(diffs[1]).toBeCloseTo(0.5, 10);
    expect(diffs[2]).toBeCloseTo(targetToDifficulty(network), 6);
    expect(diffs[3]).toBeCloseTo(250, 6);
    expect(diffs[4]).toBeCloseTo(20, 6);
    for (const bad of ['abc', -1, 0, null, '1e', {}]) {
      c.send({ id: 99, method: 'mining.suggest_difficulty', params: [bad] });
      const r = await c.wait((m) => m.id === 99);
      expect(r.error[1], JSON.stringify(bad)).toMatch(/positive number/);
      c.all.splice(c.all.indexOf(r), 1);
    }
    c.socket.destroy();
  });

  it('drops a connection that sends more lines per second than the limit, and one that never subscribes', async () => {
    const server = new StratumServer({ job: () => fakeJob(1n << 250n), submitBlock: async () => null }, { port: 0, limits: { stratumRate: 10, stratumBurst: 20, stratumHandshakeMs: 300 } });
    servers.push(server);
    await server.listen();
    const drops: string[] = [];
    server.on('disconnect', (d: { reason: string }) => drops.push(d.reason));
    const flood = await Lines.open(server.port);
    flood.send(...Array.from({ length: 50 }, (_, i) => ({ id: i, method: 'mining.extranonce.subscribe', params: [] })));
    await new Promise((r) => flood.socket.once('close', r));
    const idle = await Lines.open(server.port);
    await new Promise((r) => idle.socket.once('close', r));
    expect(drops).toEqual(['over 10 lines per second', 'no mining.subscribe and mining.authorize in time']);
  });
});

function difficultyTarget(d: number): bigint {
  return (0xffffn << 208n) / BigInt(d);
}
