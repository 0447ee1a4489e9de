// A reusable pool of workers running the engine: worker_threads in Node, Bun and Deno, module
// Web Workers in browsers. Each worker instantiates the compiled module it is sent and
// runs jobs by kind (see jobs.ts). Idle workers never keep a process alive.
import { engine, ready, type Engine } from './loader.js';

export interface RunOptions {
  /** Aborting sends the worker a cancel; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Receives each progress message of the job. */
  onProgress?: (data: any) => void;
}

export interface PoolOptions {
  /** Number of workers (default: all cores). */
  size?: number;
  /** The engine whose module and backend the workers use (default: the loaded engine). */
  engine?: Engine;
  /** The worker script (default: dist/engine/worker.js beside this file). */
  workerUrl?: URL;
}

interface Task {
  id: number;
  kind: string;
  payload: unknown;
  opts: RunOptions;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

interface Slot {
  post(msg: unknown): void;
  terminate(): Promise<unknown> | void;
  ref(): void;
  unref(): void;
  task: Task | null;
  ready: Promise<void>;
}

/** Thrown when a job fails inside a worker; `name` and message come from the worker. */
export class WorkerJobError extends Error {
  constructor(
    readonly workerName: string,
    message: string,
  ) {
    super(message);
    this.name = workerName === 'Error' ? 'WorkerJobError' : workerName;
  }
}

/** The number of logical cores (navigator.hardwareConcurrency or os.availableParallelism). */
export async function defaultThreads(): Promise<number> {
  const g = globalThis as any;
  if (g.navigator?.hardwareConcurrency) return g.navigator.hardwareConcurrency;
  if (g.process?.versions?.node) {
    const name = 'node:os';
    const os = await import(/* @vite-ignore */ name);
    return os.availableParallelism?.() ?? os.cpus().length ?? 1;
  }
  return 1;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;

  private constructor(
    private readonly eng: Engine,
    private readonly url: URL,
  ) {}

  /** Starts `size` workers and waits until each has instantiated the engine. */
  static async create(options: PoolOptions = {}): Promise<WorkerPool> {
    let e = options.engine;
    if (!e) {
      await ready();
      e = engine();
    }
    const pool = new WorkerPool(e, options.workerUrl ?? new URL('./worker.js', import.meta.url));
    await pool.resize(options.size ?? (await defaultThreads()));
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  /** Adds workers up to `size` (never removes: idle workers cost nothing but memory). */
  async resize(size: number): Promise<void> {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size must be a positive integer, got ${size}`);
    while (this.slots.length < size) this.slots.push(await this.spawn());
    await Promise.all(this.slots.map((s) => s.ready));
    this.pump();
  }

  /** Runs one job on the next free worker. */
  run<T = unknown>(kind: string, payload: unknown, opts: RunOptions = {}): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the worker pool was terminated'));
    if (opts.signal?.aborted) return Promise.reject(opts.signal.reason);
    return new Promise<T>((resolve, reject) => {
      const signal = opts.signal;
      const onAbort = () => {
        const queued = this.queue.indexOf(task);
        if (queued >= 0) this.queue.splice(queued, 1);
        else this.slots.find((s) => s.task === task)?.post({ type: 'cancel', id: task.id });
        reject(signal!.reason);
      };
      const task: Task = {
        id: this.nextId++,
        kind,
        payload,
        opts,
        resolve: (v) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(v as T);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(task);
      this.pump();
    });
  }

  /** Stops every worker; pending jobs reject. */
  async terminate(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new Error('the worker pool was terminated'));
    await Promise.all(
      this.slots.splice(0).map((s) => {
        s.task?.reject(new Error('the worker pool was terminated'));
        return s.terminate();
      }),
    );
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.task || !this.queue.length) continue;
      const task = this.queue.shift()!;
      slot.task = task;
      slot.ref();
      slot.post({ type: 'run', id: task.id, kind: task.kind, payload: task.payload });
    }
  }

  private onMessage(slot: Slot, msg: any): void {
    const task = slot.task;
    if (msg.type === 'progress') {
      if (task && task.id === msg.id) task.opts.onProgress?.(msg.data);
      return;
    }
    if (msg.type !== 'done' && msg.type !== 'error') return;
    if (!task || task.id !== msg.id) return;
    slot.task = null;
    slot.unref();
    if (msg.type === 'done') task.resolve(msg.result);
    else task.reject(new WorkerJobError(msg.name, msg.message));
    this.pump();
  }

  private async spawn(): Promise<Slot> {
    const g = globalThis as any;
    let readyResolve!: () => void;
    let readyReject!: (e: unknown) => void;
    const readyP = new Promise<void>((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    const handle = (slot: Slot, msg: any) => {
      if (msg.type === 'ready') readyResolve();
      else if (msg.type === 'fatal') readyReject(new Error(`worker could not start: ${msg.message}`));
      else this.onMessage(slot, msg);
    };
    const fail = (slot: Slot, err: unknown) => {
      readyReject(err);
      slot.task?.reject(err);
      slot.task = null;
      // A worker that died (uncaught error, out of memory) is replaced so the pool keeps its size.
      const i = this.slots.indexOf(slot);
      if (i < 0 || this.closed) return;
      this.slots.splice(i, 1);
      void slot.terminate();
      this.spawn()
        .then(async (fresh) => {
          if (this.closed) return void fresh.terminate();
          this.slots.push(fresh);
          await fresh.ready;
          this.pump();
        })
        .catch(() => {});
    };
    let slot: Slot;
    // Deno too: its Web Workers cannot be unref'd, so an idle pool would keep a Deno
    // process alive forever; its node:worker_threads can (and need only --allow-read).
    if (g.process?.versions?.node) {
      const name = 'node:worker_threads';
      const wt = await import(/* @vite-ignore */ name);
      // Workers inherit execArgv; --input-type (node -e) is refused for a file worker.
      const execArgv = (g.process.execArgv as string[]).filter((a) => !a.startsWith('--input-type'));
      const w = new wt.Worker(this.url, { execArgv });
      slot = {
        post: (m) => w.postMessage(m),
        terminate: () => w.terminate(),
        ref: () => w.ref(),
        unref: () => w.unref(),
        task: null,
        ready: readyP,
      };
      w.on('message', (m: unknown) => handle(slot, m));
      w.on('error', (err: unknown) => fail(slot, err));
      w.unref();
    } else {
      const w: Worker = new Worker(this.url, { type: 'module' });
      slot = { post: (m) => w.postMessage(m), terminate: () => w.terminate(), ref() {}, unref() {}, task: null, ready: readyP };
      w.addEventListener('message', (ev) => handle(slot, (ev as MessageEvent).data));
      w.addEventListener('error', (ev) => fail(slot, new Error(`worker error: ${(ev as ErrorEvent).message}`)));
    }
    // Keep the process alive only while the worker starts.
    slot.ref();
    slot.post({ type: 'init', module: this.eng.module, backend: this.eng.backend });
    readyP.then(
      () => slot.unref(),
      () => slot.unref(),
    );
    return slot;
  }
}

let shared: Promise<WorkerPool> | null = null;

/** A process-wide pool with at least `size` workers, created on first use. */
export async function sharedPool(size: number): Promise<WorkerPool> {
  if (!shared) shared = WorkerPool.create({ size });
  const pool = await shared;
  if (pool.size < size) await pool.resize(size);
  return pool;
}
