// The pool's worker script (dist/engine/worker.js), for worker_threads (Node, Bun, Deno) and
// for Web Workers (browsers). It receives the compiled WebAssembly.Module and backend,
// instantiates it once, then runs jobs by kind.
import { jobHandler, jobKinds, type JobContext } from './jobs.js';
import { instantiate, useEngine, type Backend, type Engine } from './loader.js';
// Job kinds: one import per area.
import '../pow/jobs.js';
import '../sig/jobs.js';

type Inbound =
  | { type: 'init'; module: WebAssembly.Module; backend: Backend }
  | { type: 'run'; id: number; kind: string; payload: unknown }
  | { type: 'cancel'; id: number };

interface Port {
  post(msg: unknown): void;
  listen(fn: (msg: Inbound) => void): void;
}

async function port(): Promise<Port> {
  const g = globalThis as any;
  // Node, Bun and Deno start pool workers with node:worker_threads (see workers.ts); a Web
  // Worker (browsers) has no parentPort.
  if (g.process?.versions?.node) {
    const name = 'node:worker_threads';
    const wt = await import(/* @vite-ignore */ name);
    const p = wt.parentPort;
    if (p) return { post: (m) => p.postMessage(m), listen: (fn) => p.on('message', fn) };
  }
  const self = g as { postMessage(m: unknown): void; addEventListener(t: string, fn: (e: MessageEvent) => void): void };
  return { post: (m) => self.postMessage(m), listen: (fn) => self.addEventListener('message', (e) => fn(e.data)) };
}

// A macrotask boundary, so that queued messages (cancel) are delivered.
const yieldTask: () => Promise<void> = (() => {
  const g = globalThis as any;
  if (typeof g.setImmediate === 'function') return () => new Promise<void>((r) => g.setImmediate(r));
  if (typeof MessageChannel === 'function') {
    const ch = new MessageChannel();
    const waiting: (() => void)[] = [];
    ch.port1.onmessage = () => waiting.shift()?.();
    return () =>
      new Promise<void>((r) => {
        waiting.push(r);
        ch.port2.postMessage(null);
      });
  }
  return () => new Promise<void>((r) => setTimeout(r, 0));
})();

const p = await port();
let eng: Engine | null = null;
const cancelled = new Set<number>();

p.listen((msg) => {
  if (msg.type === 'init') {
    try {
      eng = instantiate(msg.module, msg.backend);
      useEngine(eng);
      p.post({ type: 'ready' });
    } catch (err) {
      p.post({ type: 'fatal', message: (err as Error).message });
    }
  } else if (msg.type === 'cancel') {
    cancelled.add(msg.id);
  } else if (msg.type === 'run') {
    void run(msg.id, msg.kind, msg.payload);
  }
});

async function run(id: number, kind: string, payload: unknown): Promise<void> {
  try {
    const handler = jobHandler(kind);
    if (!handler) throw new Error(`unknown job kind "${kind}"; this worker knows: ${jobKinds().join(', ')}`);
    if (!eng) throw new Error('worker received a job before its engine');
    const e = eng;
    const ctx: JobContext = {
      engine: e,
      get cancelled() {
        return cancelled.has(id);
      },
      progress: (data) => p.post({ type: 'progress', id, data }),
      yield: yieldTask,
    };
    const result = await handler(payload, ctx);
    p.post({ type: 'done', id, result });
  } catch (err) {
    const e = err as Error;
    p.post({ type: 'error', id, name: e?.name ?? 'Error', message: e?.message ?? String(err) });
  } finally {
    cancelled.delete(id);
  }
}
