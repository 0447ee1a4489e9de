// Seeded BFT simulation, schedules 1..500 (half of the 1,000 npm test runs; the
// other half is in the other bft-sim file). Faults per schedule: random delays, drops and
// reordering before GST, honest crashes and restarts from the WAL, < 1/3 Byzantine
// validators sending conflicting votes and proposals. A failing schedule's seed is in the
// message: replay it with runSchedule(seed) or `npm run sim -- 1 <seed>`.
import { beforeAll, it } from 'vitest';
import { ready } from '../dist/index.js';
import { checkSchedules } from './support/bft-sim-run.js';

beforeAll(async () => {
  await ready();
});

it('safety and liveness hold over 500 random schedules', () => {
  checkSchedules(1, 500);
}, 240_000);
