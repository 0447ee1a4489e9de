// The registry of job kinds a pool worker can run. An area adds a kind by registering a
// handler in its own small module (src/<area>/jobs.ts) and importing that module from
// worker.ts — one line.
import type { Engine } from './loader.js';

export interface JobContext {
  /** The worker's engine, instantiated from the pool's module. */
  readonly engine: Engine;
  /** True once the caller cancelled this job; long jobs check it between slices. */
  readonly cancelled: boolean;
  /** Sends a progress message to the caller's onProgress. */
  progress(data: unknown): void;
  /** Lets the worker receive messages (a cancel) before the next slice. */
  yield(): Promise<void>;
}

export type JobHandler = (payload: any, ctx: JobContext) => unknown | Promise<unknown>;

const handlers = new Map<string, JobHandler>();

export function registerJob(kind: string, handler: JobHandler): void {
  if (handlers.has(kind)) throw new Error(`job kind "${kind}" is registered twice`);
  handlers.set(kind, handler);
}

export function jobHandler(kind: string): JobHandler | undefined {
  return handlers.get(kind);
}

export function jobKinds(): string[] {
  return [...handlers.keys()];
}
