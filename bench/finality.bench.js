// Time to finality on real node processes: `hashlane testnet --consensus bft --nodes 4`
// (4 validators of consortium-devnet, 1 s blocks, loopback), watched over RPC. For each
// height h it records when h was first the tip of any node (the block was decided) and
// when all four nodes reported it finalized, and the start of height h (when h-1 was
// decided). Target: a block is final within 2 block intervals of its height starting.
//   node bench/run.js finality       (FINALITY_BENCH_BLOCKS=30 by default)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function call(n, method, params = []) {
  const auth = Buffer.from(readFileSync(n.cookie, 'utf8').trim()).toString('base64');
  const res = await fetch(n.rpc, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${auth}` },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(5000),
  });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

export default async function run() {
  const BLOCKS = Number(process.env.FINALITY_BENCH_BLOCKS ?? 30);
  const NODES = 4;
  const dir = mkdtempSync(join(tmpdir(), 'hashlane-finality-'));
  const child = spawn(process.execPath, [MAIN, 'testnet', '--consensus', 'bft', '--nodes', String(NODES), '--data-dir', dir, '--base-port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  try {
    const end = Date.now() + 120_000;
    while (out.split('\n').filter((l) => l.startsWith('{')).length < NODES) {
      if (child.exitCode !== null) throw new Error(`hashlane testnet exited (${child.exitCode})`);
      if (Date.now() > end) throw new Error('the testnet did not come up within 120 s');
      await sleep(100);
    }
    const nodes = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    const seen = new Map(); // height -> first time it was a tip of any node
    const decided = new Map(); // height -> [time node i had it connected (committed by +2/3 precommits)]
    const final = new Map(); // height -> [time node i reported it finalized]
    const mark = (m, h, i, t) => {
      const f = m.get(h) ?? [];
      if (f[i] === undefined) f[i] = t;
      m.set(h, f);
    };
    let start = null;
    const stopAt = Date.now() + 60_000 + BLOCKS * 3000;
    for (;;) {
      const t = performance.now();
      const infos = await Promise.all(nodes.map((n) => call(n, 'getblockchaininfo').catch(() => null)));
      for (const [i, info] of infos.entries()) {
        if (!info) continue;
        if (!seen.has(info.blocks)) seen.set(info.blocks, t);
        for (let h = Math.max(1, info.blocks - 50); h <= info.blocks; h++) mark(decided, h, i, t);
        for (let h = Math.max(1, info.finalized - 50); h <= info.finalized; h++) mark(final, h, i, t);
      }
      // Heights from the first one whose start was observed (the one after the first tip seen).
      start ??= seen.size ? Math.min(...seen.keys()) + 1 : null;
      const done = start !== null && [...final.entries()].filter(([h, f]) => h >= start && f.filter((x) => x !== undefined).length === NODES).length >= BLOCKS;
      if (done) break;
      if (Date.now() > stopAt) throw new Error(`only ${final.size} heights finalized within the bench's time`);
      await sleep(Math.max(0, 20 - (performance.now() - t)));
    }
    const rows = [];
    for (let h = start; h < start + BLOCKS; h++) {
      const began = seen.get(h - 1);
      const first = seen.get(h);
      const d = decided.get(h);
      const f = final.get(h);
      if (began === undefined || first === undefined || !d || !f) continue;
      rows.push({ interval: first - began, startToDecided: Math.max(...d) - began, startToFinal: Math.max(...f) - began });
    }
    const interval = mean(rows.map((r) => r.interval));
    const s2f = rows.map((r) => r.startToFinal);
    const s2d = rows.map((r) => r.startToDecided);
    const stats = (xs) => `${mean(xs).toFixed(0)} / ${pct(xs, 50).toFixed(0)} / ${pct(xs, 90).toFixed(0)} / ${Math.max(...xs).toFixed(0)}`;
    console.log(`| finality on ${NODES} validator processes (consortium-devnet, 1 s commit pause, loopback, RPC polled every 20 ms), ${rows.length} heights | ms |`);
    console.log('|---|---:|');
    console.log(`| mean block interval (height h-1 decided -> h decided) | ${interval.toFixed(0)} |`);
    console.log(`| height start -> block committed (+2/3 precommits) and connected on all ${NODES} nodes, mean / p50 / p90 / max | ${stats(s2d)} |`);
    console.log(`| height start -> getblockchaininfo.finalized >= h on all ${NODES} nodes, mean / p50 / p90 / max | ${stats(s2f)} |`);
    console.log(`| target: committed within 2 block intervals (${(2 * interval).toFixed(0)} ms), p90 | ${pct(s2d, 90) <= 2 * interval ? 'met' : 'missed'} |`);
    console.log(`| target: reported finalized within 2 block intervals, p90 | ${pct(s2f, 90) <= 2 * interval ? 'met' : 'missed'} |`);
  } finally {
    child.kill('SIGINT');
    await new Promise((ok) => (child.exitCode !== null ? ok() : child.once('exit', ok)));
    rmSync(dir, { recursive: true, force: true });
  }
}
