// Runs the contract scenario under Node, Bun or Deno (`deno run --allow-read`):
//   <runtime> test/runtime/contracts-cli.js <dir with token.wasm spin.wasm recurse.wasm>
// Prints CONTRACTS-RESULT {json}.
import * as lib from '../../dist/index.js';
import { runContractScenario } from './contracts-scenario.js';

const g = globalThis;
const args = g.Deno ? g.Deno.args : g.process.argv.slice(2);
const dir = new URL(`file://${args[0].replace(/\/?$/, '/')}`);
async function read(name) {
  const url = new URL(`${name}.wasm`, dir);
  if (g.Deno) return g.Deno.readFile(url);
  const fsName = 'node:fs/promises';
  const fs = await import(fsName);
  return new Uint8Array(await fs.readFile(url));
}
const code = {};
for (const n of ['token', 'spin', 'recurse']) code[n] = await read(n);
const r = await runContractScenario(lib, code);
const runtime = g.Deno ? `deno ${g.Deno.version.deno}` : g.Bun ? `bun ${g.Bun.version}` : `node ${g.process.version}`;
console.log('CONTRACTS-RESULT ' + JSON.stringify({ runtime, ...r }));
