// Seeded BFT simulation, schedules 1..500 (half of the 1,000 npm test runs; the
// other half is in the other bft-sim file so the two forks share the work). Faults per
// schedule: random delays, drops and reordering before GST, honest crashes and restarts
// from the WAL, < 1/3 Byzantine validators sending conflicting votes and proposals.
// A failing schedule's seed is in the message: replay it with runSchedule(seed).
import { beforeAll, expect, it } from 'vitest';
import { ready } from '../dist/index.js';
import { runSchedule } from '../dist/bft/sim.js';

beforeAll(async () => {
  await ready();
});

it('safety and liveness hold over 500 random schedules', () => {
  const failures: string[] = [];
  let evidence = 0;
  let crashes = 0;
  let byzantineRuns = 0;
  for (let seed = 1; seed < 501; seed++) {
    const r = runSchedule(seed);
    evidence += r.evidence;
    crashes += r.crashes;
    if (r.evidence > 0) byzantineRuns++;
    if (!r.ok) failures.push(`seed ${seed}: ${r.violation} [${r.states}]`);
  }
  expect(failures).toEqual([]);
  // The faults really happened (a scheduler that injected nothing would pass trivially).
  expect(crashes).toBeGreaterThan(50);
  expect(evidence).toBeGreaterThan(100);
  expect(byzantineRuns).toBeGreaterThan(50);
}, 240_000);
