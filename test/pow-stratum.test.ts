import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StratumClient, WorkerPool, hashDifficulty, parseStratumUrl, ready, scanNonces, toDisplayHex } from '../dist/index.js';
import { sha256d } from '../dist/hash/index.js';
import { buildCoinbase, buildHeader, difficultyToTarget, merkleRootFromBranch, parseNotify, headerHash } from '../dist/pow/index.js';
import { tcpTransport } from '../dist/cli/stratum-tcp.js';
import { hex, loadVectors } from './support/vectors.js';

const vec = loadVectors('stratum-share.json').jobs[0];
const n = vec.notify;
const notifyParams = [n.job_id, n.prevhash, n.coinb1, n.coinb2, n.merkle_branch, n.version, n.nbits, n.ntime, n.clean_jobs];
const e1 = vec.subscribe.extranonce1;
const nonce = parseInt(vec.submit.nonce, 16);

beforeAll(() => ready());

describe('Stratum job -> header (real slush-pool share)', () => {
  it('rebuilds the coinbase, merkle root, header, hash and share difficulty', () => {
    const job = parseNotify(notifyParams);
    const coinbase = buildCoinbase(job, e1, vec.submit.extranonce2);
    expect(hex(coinbase)).toBe(vec.expected.coinbase_hex);
    expect(toDisplayHex(sha256d(coinbase))).toBe(vec.expected.coinbase_txid); // shown in display order
    expect(hex(merkleRootFromBranch(sha256d(coinbase), job.merkleBranch))).toBe(vec.expected.merkle_root_internal);
    const header = buildHeader(job, e1, vec.submit.extranonce2, nonce);
    expect(hex(header)).toBe(vec.expected.header_hex);
    const hash = headerHash(header);
    expect(toDisplayHex(hash)).toBe(vec.expected.hash);
    expect(hashDifficulty(hash)).toBeCloseTo(vec.expected.share_difficulty, 3);
    expect(Math.floor(hashDifficulty(hash))).toBe(683);
    // The share meets difficulty 683 and not 684.
    expect(scanNonces(header, difficultyToTarget(683), nonce, 1).nonce).toBe(nonce);
    expect(scanNonces(header, difficultyToTarget(684), nonce, 1).nonce).toBeNull();
  });

  it('rejects malformed notify params and URLs', () => {
    expect(() => parseNotify(notifyParams.slice(0, 5))).toThrow(/9 params/);
    expect(() => parseNotify([...notifyParams.slice(0, 1), 'zz', ...notifyParams.slice(2)])).toThrow(/prevhash/);
    expect(parseStratumUrl('stratum+tcp://127.0.0.1:3333')).toEqual({ host: '127.0.0.1', port: 3333 });
    expect(() => parseStratumUrl('http://pool:1')).toThrow(/stratum\+tcp/);
    expect(() => parseStratumUrl('stratum+tcp://pool:99999')).toThrow(RangeError);
  });
});

describe('Stratum client end to end over TCP', () => {
  let pool: WorkerPool;
  beforeAll(async () => {
    pool = await WorkerPool.create({ size: 2 });
  });
  afterAll(() => pool.terminate());

  it('subscribes, authorizes, mines the job, submits the share, counts it, and reconnects', async () => {
    const submits: unknown[][] = [];
    const methods: string[] = [];
    let connections = 0;
    const server = net.createServer((sock) => {
      connections++;
      let buf = '';
      const send = (o: unknown) => sock.write(JSON.stringify(o) + '\n');
      sock.on('error', () => {});
      sock.on('data', (d) => {
        buf += d.toString();
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const msg = JSON.parse(buf.slice(0, i));
          buf = buf.slice(i + 1);
          methods.push(msg.method);
          if (msg.method === 'mining.subscribe') {
            send({ id: msg.id, result: [[['mining.notify', 'ae6812eb4cd7735a302a8a9dd95cf71f']], e1, vec.subscribe.extranonce2_size], error: null });
          } else if (msg.method === 'mining.authorize') {
            send({ id: msg.id, result: true, error: null });
            send({ id: null, method: 'mining.set_difficulty', params: [512] });
            // The second connection gets the same work as a new job id.
            send({ id: null, method: 'mining.notify', params: [String(connections - 1), ...notifyParams.slice(1)] });
          } else if (msg.method === 'mining.submit') {
            submits.push(msg.params);
            // Accept the first share and drop the connection; reject the second.
            send({ id: msg.id, result: submits.length === 1, error: null });
            if (submits.length === 1) setTimeout(() => sock.destroy(), 20);
          } else if (msg.id !== undefined) {
            send({ id: msg.id, result: null, error: [20, 'unsupported', null] });
          }
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;

    const client = new StratumClient({
      url: `stratum+tcp://127.0.0.1:${port}`,
      user: 'worker.1',
      pass: 'x',
      transport: tcpTransport,
      pool,
      threads: 2,
      reconnectMinMs: 50,
      extranonce2Start: 1n,
      // 30 000 nonces before the recorded share; none of them reaches difficulty 512.
      startNonce: nonce - 30_000,
    });
    const done = client.start();
    const deadline = Date.now() + 20_000;
    while (client.stats.accepted + client.stats.rejected < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await client.stop();
    await done;
    server.close();

    expect(methods.slice(0, 2)).toEqual(['mining.subscribe', 'mining.authorize']);
    expect(submits[0]).toEqual(['worker.1', n.job_id, vec.submit.extranonce2, vec.submit.ntime, vec.submit.nonce]);
    expect(connections).toBeGreaterThanOrEqual(2);
    expect(client.stats.accepted).toBe(1);
    expect(client.stats.connections).toBeGreaterThanOrEqual(2);
    // After the reconnect a new job id restarts extranonce2: the same share under job "1", rejected.
    expect(submits[1]).toEqual(['worker.1', '1', vec.submit.extranonce2, vec.submit.ntime, vec.submit.nonce]);
    expect(methods.filter((m) => m === 'mining.subscribe')).toHaveLength(2);
    expect(client.stats.rejected).toBe(1);
    expect(client.stats.submitted).toBe(2);
  });
});
