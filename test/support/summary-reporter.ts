import type { Reporter, TestModule } from 'vitest/node';
import { lookup } from './chromium.js';

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
  todo: number;
}

// A task counts the way vitest's own summary counts it (reporters/base getStateString): by
// result state for passed/failed and by mode for skipped/todo, so both lines always agree.
function count(tasks: { mode: string; result?: { state?: string } }[]): Counts {
  const c = { passed: 0, failed: 0, skipped: 0, todo: 0 };
  for (const t of tasks) {
    if (t.result?.state === 'pass') c.passed++;
    if (t.result?.state === 'fail') c.failed++;
    if (t.mode === 'skip') c.skipped++;
    if (t.mode === 'todo') c.todo++;
  }
  return c;
}

const show = (c: Counts) => `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped${c.todo ? `, ${c.todo} todo` : ''}`;

// Prints the plain closing lines CI reads: files and tests, as vitest counts them. A file that
// fails to load is a failed file with no tests, exactly as in vitest's "Test Files" line.
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const files = modules.map((m) => m.task);
    const tests = modules.flatMap((m) => [...m.children.allTests()].map((t) => t.task));
    if (lookup.mode === 'skip') process.stdout.write(`\n${lookup.notice}\n`);
    process.stdout.write(`\ntest files: ${show(count(files))}\ntests: ${show(count(tests))}\n`);
  }
}
