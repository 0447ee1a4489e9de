import fs from 'node:fs';
import { instrument } from './dist/contracts/instrument.js';
const b = fs.readFileSync(process.argv[2]);
const m = new WebAssembly.Module(b);
console.log(WebAssembly.Module.imports(m), WebAssembly.Module.exports(m).map(e=>e.name).join(' '));
try { const r = instrument(b); console.log('ok', r.wasm.length) } catch (e) { console.log(e.message) }
