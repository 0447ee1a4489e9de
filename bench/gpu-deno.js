// Run by bench/gpu.bench.js under Deno 2 (its built-in navigator.gpu): prints GPU-BENCH <json>.
import * as hl from '../dist/index.js';
import { measureGpu } from './gpu-measure.js';

await hl.ready();
if (!(await hl.defaultAdapter())) console.log('GPU-BENCH null');
else console.log(`GPU-BENCH ${JSON.stringify(await measureGpu(hl, JSON.parse(Deno.args[0] ?? '{}')))}`);
