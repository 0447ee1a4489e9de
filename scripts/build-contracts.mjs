// Compiles contracts/examples/*.ts with the project's AssemblyScript into
// build/contracts/<name>.wasm (no floats, stub runtime, no abort import, explicit start
// export: what the contract VM accepts).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const asc = require.resolve('assemblyscript/bin/asc.js');
mkdirSync('build/contracts', { recursive: true });
for (const f of readdirSync('contracts/examples').filter((n) => n.endsWith('.ts'))) {
  const name = f.slice(0, -3);
  execFileSync(process.execPath, [asc, `contracts/examples/${f}`, '--config', 'contracts/asconfig.json', '-o', `build/contracts/${name}.wasm`], { stdio: 'inherit' });
}
