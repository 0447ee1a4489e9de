// Shared body of the two bft-sim test files (each runs half of the 1,000 schedules so the
// two test forks share the work).
import { expect } from 'vitest';
import { runSchedule } from '../../dist/bft/sim.js';

/** Runs seeds [first, first + count) and checks every schedule and that faults were injected. */
export function checkSchedules(first: number, count: number): void {
  const failures: string[] = [];
  let evidence = 0;
  let crashes = 0;
  let byzantineRuns = 0;
  for (let seed = first; seed < first + count; seed++) {
    const r = runSchedule(seed);
    evidence += r.evidence;
    crashes += r.crashes;
    if (r.evidence > 0) byzantineRuns++;
    if (!r.ok) failures.push(`seed ${seed}: ${r.violation} [${r.states}]`);
  }
  expect(failures).toEqual([]);
  // The faults really happened (a scheduler that injected nothing would pass trivially).
  expect(crashes).toBeGreaterThan(count / 10);
  expect(evidence).toBeGreaterThan(count / 5);
  expect(byzantineRuns).toBeGreaterThan(count / 10);
}
