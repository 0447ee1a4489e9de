// Command-line runner of the smoke suite for Node, Bun and Deno (`deno run --allow-read`):
//   <runtime> test/runtime/smoke-cli.js [vectors-dir]
// Prints the summary and exits 1 on any failed check.
import * as lib from '../../dist/index.js';
import { formatSummary, loadVectorsWith, runSmoke } from './smoke.js';

const g = globalThis;
const args = g.Deno ? g.Deno.args : g.process.argv.slice(2);
const dir = args[0] ? new URL(`file://${args[0].replace(/\/?$/, '/')}`) : new URL('../vectors/', import.meta.url);

async function readText(name) {
  const url = new URL(name, dir);
  if (g.Deno) return g.Deno.readTextFile(url);
  // Node and Bun; a variable specifier, as in the engine loader, so nothing else follows it.
  const fsName = 'node:fs/promises';
  const fs = await import(fsName);
  return fs.readFile(url, 'utf8');
}

const report = await runSmoke(lib, await loadVectorsWith(readText));
console.log(formatSummary(report));
// No explicit exit: an idle worker pool must not keep any runtime alive (the test bounds it).
const code = report.ok ? 0 : 1;
if (g.Deno) g.Deno.exitCode = code;
else g.process.exitCode = code;
