// Terminal manners: a status line fits the terminal (cut, never wrapped) and redraws in
// place; repeated log lines appear once; without a TTY the output is plain lines.
import { describe, expect, it } from 'vitest';
import { fitWidth, LogLines, StatusLine } from '../dist/cli/format.js';
import { StratumClient, WorkerPool } from '../dist/index.js';
import { loadVectors } from './support/vectors.js';

function stream(isTTY: boolean, columns?: number) {
  const out: string[] = [];
  return { out, s: { isTTY, columns, write: (t: string) => (out.push(t), true) } as never };
}
const ESC = /\x1b\[[0-9;]*[A-Za-z]/g;

describe('status line', () => {
  it('on a TTY redraws in place and is cut to the width, whatever the text', () => {
    const { out, s } = stream(true, 30);
    const status = new StatusLine(s);
    status.update('height 12 | 7.21 MH/s | peers 3 | mempool 0 | stratum 2 | web http://127.0.0.1:17423/');
    status.update('short');
    for (const w of out) {
      expect(w.startsWith('\r\x1b[K')).toBe(true);
      expect(w).not.toContain('\n');
      expect([...w.replace('\r', '').replace(ESC, '')].length).toBeLessThan(30);
    }
    expect(out[0]!.replace(ESC, '')).toBe('\rheight 12 | 7.21 MH/s | peer…');
    expect(out[1]).toBe('\r\x1b[Kshort');
    status.done();
    expect(out[2]).toBe('\r\x1b[K');
  });

  it('without a TTY prints plain lines, at most one per interval, no escape codes', () => {
    const { out, s } = stream(false);
    const status = new StatusLine(s, 60_000);
    status.update('height 1 \x1b[1mbold\x1b[0m');
    status.update('height 2');
    status.done();
    expect(out).toEqual(['height 1 bold\n']);
  });

  it('fitWidth counts characters, not bytes, and never returns more than width - 1', () => {
    expect(fitWidth('ééééé', 4)).toBe('éé…');
    expect(fitWidth('abc', 4)).toBe('abc');
    expect(fitWidth('abcd', 4)).toBe('ab…');
    expect(fitWidth('a\nb', 10)).toBe('a b');
  });
});

describe('log lines', () => {
  it('prints a repeated line once and says how often it came', () => {
    const lines: string[] = [];
    const log = new LogLines((l) => lines.push(l));
    for (const l of ['pool difficulty 512', 'pool difficulty 512', 'pool difficulty 512', 'job 1', 'job 2', 'job 2']) log.line(l);
    expect(lines).toEqual(['pool difficulty 512', '(repeated 2 more times)', 'job 1', 'job 2']);
  });

  it('a pool that resends the same difficulty before every job is logged once per change', async () => {
    const vec = loadVectors('stratum-share.json').jobs[0];
    const n = vec.notify;
    const notify = (id: string) => ({ id: null, method: 'mining.notify', params: [id, n.prevhash, n.coinb1, n.coinb2, n.merkle_branch, n.version, n.nbits, n.ntime, true] });
    const pool = await WorkerPool.create({ size: 1 });
    const logs: string[] = [];
    let conn: { onData(t: string): void } | null = null;
    const sent: string[] = [];
    const client = new StratumClient({
      url: 'stratum+tcp://pool.test:3333',
      user: 'w',
      pool,
      threads: 1,
      onLog: (l) => logs.push(l),
      transport: async (_host, _port, handlers) => {
        conn = handlers;
        return {
          write: (text: string) => {
            for (const line of text.split('\n').filter(Boolean)) {
              const msg = JSON.parse(line);
              sent.push(msg.method);
              const reply = (o: unknown) => queueMicrotask(() => conn!.onData(JSON.stringify(o) + '\n'));
              if (msg.method === 'mining.subscribe') reply({ id: msg.id, result: [[], vec.subscribe.extranonce1, vec.subscribe.extranonce2_size], error: null });
              else if (msg.method === 'mining.authorize') reply({ id: msg.id, result: true, error: null });
              else reply({ id: msg.id, result: null, error: [20, 'unsupported', null] });
            }
          },
          close: () => {},
        };
      },
    });
    const done = client.start();
    while (!sent.includes('mining.authorize')) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 20));
    for (const [d, id] of [[512, '1'], [512, '2'], [512, '3'], [1024, '4'], [1024, '5']] as const) {
      conn!.onData(JSON.stringify({ id: null, method: 'mining.set_difficulty', params: [d] }) + '\n');
      conn!.onData(JSON.stringify(notify(id)) + '\n');
    }
    await new Promise((r) => setTimeout(r, 50));
    await client.stop();
    await done;
    await pool.terminate();
    expect(logs.filter((l) => l.startsWith('pool difficulty'))).toEqual(['pool difficulty 512', 'pool difficulty 1024']);
    expect(logs.filter((l) => l.startsWith('job '))).toHaveLength(5);
    expect(client.stats.difficulty).toBe(1024);
  });
});
