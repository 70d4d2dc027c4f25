// Runs jobs on worker threads (one per core by default) or in-process. Results are returned in job
// order whatever the order they finish in, so everything built from them is byte-identical from run
// to run and from one machine's core count to another's. The pool knows no job kind: the caller
// names a worker module that calls serveJobs() with the same function it runs in-process.

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CODE_ROOT } from '../code-root.js';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { fromFailure, toFailure, type JobFailure } from './jobs.js';

export interface Pool<J, R> {
  readonly size: number;
  /** Run `jobs`; `onDone(i)` after each; resolves with results in the order of `jobs`. */
  run(jobs: J[], onDone?: (index: number) => void): Promise<R[]>;
  /** One job, queued behind the others; calls may overlap (`hvsim worker` takes jobs as they come). */
  submit(job: J): Promise<R>;
  close(): Promise<void>;
}

/** How to run a job: `runHere(data, job)` in this thread, or the module at `workerUrl` on a worker. */
export interface JobRunner<D, J, R> {
  /** URL of the worker module (compiled .js), e.g. `codeUrl('src/experiments/my-worker.js')` (src/code-root.ts). */
  workerUrl: URL;
  runHere(data: D, job: J): R;
}

/**
 * The compiled worker. From dist/ it sits where its URL says; when the caller runs from its
 * TypeScript source (vitest) the worker is taken from dist/ (built by `npm test`'s pretest).
 */
function workerFile(url: URL): string | null {
  const path = fileURLToPath(url);
  if (existsSync(path)) return path;
  const compiled = join(CODE_ROOT, 'dist', relative(CODE_ROOT, path));
  return existsSync(compiled) ? compiled : null;
}

/** `workers` 0 runs everything in this thread (no parallelism, no worker start-up). */
export function createPool<D, J, R>(runner: JobRunner<D, J, R>, data: D, workers = defaultWorkers()): Pool<J, R> {
  const file = workers > 0 ? workerFile(runner.workerUrl) : null;
  if (file === null) return inProcessPool(runner, data);
  return workerPool(data, file, workers);
}

/**
 * The body of a worker module: receive the data once (workerData), then run jobs one at a time as
 * the pool sends them, answering { id, result } or { id, failure }. `transfer` lists buffers to move
 * rather than copy. Does nothing on the main thread, so the module can also be imported there.
 */
export function serveJobs<D, J, R>(run: (data: D, job: J) => R, transfer: (result: R) => ArrayBuffer[] = () => []): void {
  if (parentPort === null) return;
  const port = parentPort;
  const data = workerData as D;
  port.on('message', (msg: { id: number; job: J }) => {
    try {
      const result = run(data, msg.job);
      port.postMessage({ id: msg.id, result }, transfer(result));
    } catch (err) {
      port.postMessage({ id: msg.id, failure: toFailure(err) });
    }
  });
}

export function defaultWorkers(): number {
  const env = process.env.HVSIM_WORKERS;
  if (env !== undefined && /^\d+$/.test(env)) return Number(env);
  return availableParallelism();
}

function inProcessPool<D, J, R>(runner: JobRunner<D, J, R>, data: D): Pool<J, R> {
  return {
    size: 0,
    async run(jobs, onDone) {
      return jobs.map((job, i) => {
        const r = runner.runHere(data, job);
        onDone?.(i);
        return r;
      });
    },
    async submit(job) {
      return runner.runHere(data, job);
    },
    async close() {},
  };
}

type Reply<R> = { id: number; result: R } | { id: number; failure: JobFailure };

interface Task<J, R> {
  job: J;
  resolve(result: R): void;
  reject(error: Error): void;
  /** Dropped before it started (its run already failed). */
  cancelled: boolean;
}

/**
 * A queue of tasks fed to idle workers. `run` submits its jobs and fails on the first failure,
 * dropping those of its jobs not yet started; a worker that dies fails its task, and once every
 * worker is gone the queued tasks fail too.
 */
function workerPool<D, J, R>(data: D, file: string, size: number): Pool<J, R> {
  const workers = Array.from({ length: size }, () => new Worker(file, { workerData: data }));
  const queue: Task<J, R>[] = [];
  const idle: Worker[] = [...workers];
  const busy = new Map<Worker, Task<J, R>>();
  let alive = workers.length;
  const dispatch = () => {
    while (idle.length > 0 && queue.length > 0) {
      const task = queue.shift()!;
      if (task.cancelled) continue;
      const w = idle.shift()!;
      busy.set(w, task);
      w.postMessage({ id: 0, job: task.job });
    }
  };
  const failQueued = (err: Error) => {
    for (const t of queue.splice(0)) t.reject(err);
  };
  for (const w of workers) {
    w.on('message', (msg: Reply<R>) => {
      const task = busy.get(w);
      busy.delete(w);
      idle.push(w);
      if (task) {
        if ('failure' in msg) task.reject(fromFailure(msg.failure));
        else task.resolve(msg.result);
      }
      dispatch();
    });
    w.on('error', (err: Error) => {
      busy.get(w)?.reject(err);
      busy.delete(w);
      if (--alive === 0) failQueued(err);
    });
  }
  const submit = (job: J) =>
    new Promise<R>((resolve, reject) => {
      if (alive === 0) return reject(new Error('pool: every worker thread has stopped'));
      queue.push({ job, resolve, reject, cancelled: false });
      dispatch();
    });
  return {
    size,
    run(jobs, onDone) {
      const tasks: Task<J, R>[] = [];
      const all = jobs.map(
        (job, i) =>
          new Promise<R>((resolve, reject) => {
            const task: Task<J, R> = { job, resolve: (r) => (onDone?.(i), resolve(r)), reject, cancelled: false };
            tasks.push(task);
            queue.push(task);
          }),
      );
      if (alive === 0) failQueued(new Error('pool: every worker thread has stopped'));
      dispatch();
      return Promise.all(all).catch((err: Error) => {
        for (const t of tasks) t.cancelled = true;
        throw err;
      });
    },
    submit,
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
