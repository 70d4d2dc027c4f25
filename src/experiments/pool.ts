// Runs report jobs on worker threads (one per core by default) or in-process. Results are returned
// in job order whatever the order they finish in, so everything built from them is byte-identical
// from run to run and from one machine's core count to another's.

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { fromFailure, runJob, type Job, type JobFailure, type JobResult, type ReportInput } from './jobs.js';

export interface Pool {
  readonly size: number;
  /** Run `jobs`; `onDone(i)` after each; resolves with results in the order of `jobs`. */
  run(jobs: Job[], onDone?: (index: number) => void): Promise<JobResult[]>;
  close(): Promise<void>;
}

/**
 * The compiled worker. From dist/ it sits beside this module; when this module runs from its
 * TypeScript source (vitest) the worker is taken from dist/ (built by `npm test`'s pretest).
 */
function workerFile(): string | null {
  const here = import.meta.url;
  const url = here.endsWith('.ts') ? new URL('../../dist/src/report/worker.js', here) : new URL('./worker.js', here);
  const path = fileURLToPath(url);
  return existsSync(path) ? path : null;
}

/** `workers` 0 runs everything in this thread (no parallelism, no worker start-up). */
export function createPool(input: ReportInput, workers = defaultWorkers()): Pool {
  const file = workers > 0 ? workerFile() : null;
  if (file === null) return inProcessPool(input);
  return workerPool(input, file, workers);
}

export function defaultWorkers(): number {
  const env = process.env.HVSIM_WORKERS;
  if (env !== undefined && /^\d+$/.test(env)) return Number(env);
  return availableParallelism();
}

function inProcessPool(input: ReportInput): Pool {
  return {
    size: 0,
    async run(jobs, onDone) {
      return jobs.map((job, i) => {
        const r = runJob(input, job);
        onDone?.(i);
        return r;
      });
    },
    async close() {},
  };
}

type Reply = { id: number; result: JobResult } | { id: number; failure: JobFailure };

function workerPool(input: ReportInput, file: string, size: number): Pool {
  const workers = Array.from({ length: size }, () => new Worker(file, { workerData: input }));
  return {
    size,
    run(jobs, onDone) {
      return new Promise((resolve, reject) => {
        const results: JobResult[] = new Array(jobs.length);
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
          const onMessage = (msg: Reply) => {
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
