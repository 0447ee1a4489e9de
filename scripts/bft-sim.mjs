// npm run sim [-- count [firstSeed]]: more seeded BFT schedules than npm test runs.
// Prints the seed and the violation of every failing schedule; exit code 1 if any failed.
import { ready } from '../dist/index.js';
import { runSchedule } from '../dist/bft/sim.js';

await ready();
const count = Number(process.argv[2] ?? 10000);
const first = Number(process.argv[3] ?? 1);
const t0 = Date.now();
let failed = 0;
let evidence = 0;
let crashes = 0;
let maxRound = 0;
for (let seed = first; seed < first + count; seed++) {
  const r = runSchedule(seed);
  evidence += r.evidence;
  crashes += r.crashes;
  maxRound = Math.max(maxRound, r.maxRound);
  if (!r.ok) {
    failed++;
    console.log(`FAIL seed ${seed}: ${r.violation} [${r.states}]`);
  }
}
console.log(JSON.stringify({ schedules: count, firstSeed: first, failed, evidence, crashes, maxRound, seconds: (Date.now() - t0) / 1000 }));
process.exit(failed ? 1 : 0);
