// Browser builds, by esbuild (after tsc):
// - dist/browser/: the whole library as one ESM file (index.js) and the worker pool's script
//   (worker.js) beside it. Two folders deep like dist/engine/, so the loader finds
//   build/*.wasm at the same relative URL; bare npm imports (memory-level) are resolved here,
//   which a page loading dist/index.js natively could not do.
import { build } from 'esbuild';

const root = new URL('../', import.meta.url);
const common = {
  absWorkingDir: root.pathname,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  sourcemap: true,
  logLevel: 'warning',
};

await build({ ...common, entryPoints: { index: 'src/index.ts', worker: 'src/engine/worker.ts' }, outdir: 'dist/browser' });
