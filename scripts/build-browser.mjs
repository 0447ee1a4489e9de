// Browser builds, by esbuild (after tsc):
// - dist/browser/: the whole library as one ESM file (index.js) and the worker pool's script
//   (worker.js) beside it. Two folders deep like dist/engine/, so the loader finds
//   build/*.wasm at the same relative URL; bare npm imports (memory-level) are resolved here,
//   which a page loading dist/index.js natively could not do.
// - dist/web/page/: the mining page (index.html, app.js, worker.js and both WASM builds); the
//   page loads its WASM relative to its own URL, so any static server or `hashlane node --web`
//   serves the folder as it is.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

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
await build({ ...common, entryPoints: { app: 'src/web/main.ts', worker: 'src/engine/worker.ts' }, outdir: 'dist/web/page', minify: true });

const page = new URL('dist/web/page/', root);
mkdirSync(page, { recursive: true });
copyFileSync(new URL('src/web/index.html', root), new URL('index.html', page));
for (const b of ['simd', 'scalar']) copyFileSync(new URL(`build/hashlane.${b}.wasm`, root), new URL(`hashlane.${b}.wasm`, page));
