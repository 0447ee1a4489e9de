// npm run bench [suite ...]: runs bench/<suite>.bench.js for each suite (all by default).
import { readdirSync } from 'node:fs';

const all = readdirSync(new URL('.', import.meta.url))
  .filter((f) => f.endsWith('.bench.js'))
  .map((f) => f.slice(0, -'.bench.js'.length))
  .sort();
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : all;
for (const name of wanted) {
  if (!all.includes(name)) {
    console.error(`unknown bench suite "${name}"; expected one of: ${all.join(', ')}`);
    process.exit(2);
  }
  const mod = await import(`./${name}.bench.js`);
  await mod.default();
}
