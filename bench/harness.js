// Shared bench harness: tinybench underneath, throughput reported as items / total time
// (never a mean of per-sample rates), several interleaved rounds, median across rounds,
// so that ratios between tasks of one run hold on a noisy shared machine.
import { Bench } from 'tinybench';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';

/**
 * @param {string} suite name of the suite (file name of the JSON result)
 * @param {{ name: string, items: number, unit?: string, fn: () => unknown }[]} tasks
 *   each fn does `items` units of work per call (e.g. 4096 hashes).
 * @param {{ rounds?: number, time?: number, warmupTime?: number, iterations?: number, warmupIterations?: number }} [opts]
 */
export async function runSuite(suite, tasks, opts = {}) {
  const rounds = opts.rounds ?? Number(process.env.BENCH_ROUNDS ?? 3);
  const perRound = tasks.map(() => []);
  for (let r = 0; r < rounds; r++) {
    // Alternate the order each round so that no task always runs on a cold or hot machine.
    const order = tasks.map((_, i) => i);
    if (r % 2 === 1) order.reverse();
    // Slow tasks (a whole block per call) may lower the minimum sample counts.
    const counts = opts.iterations ? { iterations: opts.iterations } : {};
    const bench = new Bench({ time: opts.time ?? 400, warmupTime: opts.warmupTime ?? 200, warmupIterations: opts.warmupIterations ?? 20, ...counts });
    for (const i of order) bench.add(tasks[i].name, tasks[i].fn);
    await bench.run();
    for (const i of order) {
      const res = bench.getTask(tasks[i].name).result;
      if (!res || res.state !== 'completed') throw new Error(`bench task ${tasks[i].name} failed: ${res?.error ?? res?.state}`);
      const runs = res.latency.samplesCount;
      perRound[i].push((runs * tasks[i].items) / (res.totalTime / 1000));
    }
  }
  const rows = tasks.map((t, i) => {
    const sorted = [...perRound[i]].sort((a, b) => a - b);
    return { task: t.name, unit: t.unit ?? 'items/s', perSecond: sorted[Math.floor(sorted.length / 2)], rounds: sorted };
  });
  return rows;
}

/** Prints rows as a table with ratios against `anchor` (a task name) and writes JSON. */
export function report(suite, rows, anchors = []) {
  const out = rows.map((r) => {
    const row = { task: r.task, [r.unit]: fmt(r.perSecond) };
    for (const a of anchors) {
      const base = rows.find((x) => x.task === a);
      if (base) row[`x ${a}`] = (r.perSecond / base.perSecond).toFixed(2);
    }
    return row;
  });
  console.log(`\n## ${suite}`);
  console.table(out);
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const meta = { suite, date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, cores: os.cpus().length };
  writeFileSync(new URL(`./results/${suite}.json`, import.meta.url), JSON.stringify({ ...meta, rows }, null, 2));
  return out;
}

function fmt(n) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(3)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(2)} k`;
  return n.toFixed(2);
}
