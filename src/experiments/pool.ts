// Runs jobs on worker threads (one per core by default) or in-process. Results are returned in job
// order whatever the order they finish in, so everything built from them is byte-identical from run
// to run and from one machine's core count to another's. The pool knows no job kind: the caller
// names a worker module that calls serveJobs() with the same function it runs in-process.

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { fromFailure, toFailure, type JobFailure } from './jobs.js';

export interface Pool<J, R> {
  readonly size: number;
  /** Run `jobs`; `onDone(i)` after each; resolves with results in the order of `jobs`. */
  run(jobs: J[], onDone?: (index: number) => void): Promise<R[]>;
  close(): Promise<void>;
}

/** How to run a job: `runHere(data, job)` in this thread, or the module at `workerUrl` on a worker. */
export interface JobRunner<D, J, R> {
  /** URL of the worker module (compiled .js), e.g. `new URL('./my-worker.js', import.meta.url)`. */
  workerUrl: URL;
  runHere(data: D, job: J): R;
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The compiled worker. From dist/ it sits where its URL says; when the caller runs from its
 * TypeScript source (vitest) the worker is taken from dist/ (built by `npm test`'s pretest).
 */
function workerFile(url: URL): string | null {
  const path = fileURLToPath(url);
  if (existsSync(path)) return path;
  const compiled = join(REPO_ROOT, 'dist', relative(REPO_ROOT, path));
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
    async close() {},
  };
}

type Reply<R> = { id: number; result: R } | { id: number; failure: JobFailure };

function workerPool<D, J, R>(data: D, file: string, size: number): Pool<J, R> {
  const workers = Array.from({ length: size }, () => new Worker(file, { workerData: data }));
  return {
    size,
    run(jobs, onDone) {
      return new Promise((resolve, reject) => {
        const results: R[] = new Array(jobs.length);
        let next = 0;
        let done = 0;
        let failed = false;
        if (jobs.length === 0) return resolve(results);
        const cleanup: (() => void)[] = [];
        const finish = (err?: Error) => {
          for (const c of cleanup) c();
          if (err) reject(err);
          else resolve(results);
        };
        const feed = (w: Worker) => {
          if (next < jobs.length) {
            const id = next++;
            w.postMessage({ id, job: jobs[id] });
          }
        };
        for (const w of workers) {
          const onMessage = (msg: Reply<R>) => {
            if (failed) return;
            if ('failure' in msg) {
              failed = true;
              return finish(fromFailure(msg.failure));
            }
            results[msg.id] = msg.result;
            done++;
            onDone?.(msg.id);
            if (done === jobs.length) return finish();
            feed(w);
          };
          const onError = (err: Error) => {
            if (failed) return;
            failed = true;
            finish(err);
          };
          w.on('message', onMessage);
          w.on('error', onError);
          cleanup.push(() => {
            w.off('message', onMessage);
            w.off('error', onError);
          });
          feed(w);
        }
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
