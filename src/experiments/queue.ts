// Sweeps beyond one machine on an existing engine: BullMQ queues on a real Redis. `hvsim sweep
// --queue redis://host:port` adds each point still missing from the cache as a job (its id the
// job's content hash, so a point already done or running on the queue is not added twice) and
// waits for the results; `hvsim worker redis://…` on any number of machines takes jobs and runs
// them on its worker threads, so its event loop stays free to renew the job locks. A worker that
// dies loses its locks; BullMQ's stalled-job check in the other workers puts those jobs back on
// the queue (retries when a worker dies). The coordinator merges the results in job order, so the
// outputs are byte-identical to a local run. The queue's name carries the simulator fingerprint:
// a worker running other code never takes a sweep's jobs (its results would differ).

import { Job, Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { InputError, describeValue } from '../errors.js';
import { hvsimFingerprint } from './fingerprint.js';
import { createPool, defaultWorkers } from './pool.js';
import { sweepJobRunner, type SweepJob, type SweepOutcome } from './sweep-job.js';
import type { SweepPlan } from './sweep-plan.js';

interface QueuedJob {
  fingerprint: string;
  job: SweepJob;
}

export function queueName(fingerprint = hvsimFingerprint()): string {
  return `hvsim-sweep-${fingerprint.replace(/[^A-Za-z0-9.-]/g, '-')}`;
}

/** Jobs kept after they finish (for a coordinator that was stopped and is run again): a day. */
const KEEP_SECONDS = 24 * 3600;

function connect(url: string): Redis {
  // BullMQ's blocking commands need maxRetriesPerRequest null.
  return new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true });
}

/** `redis://host:port[/db]` (or rediss://), reachable: else bad input (exit 2) naming the flag. */
export async function checkRedisUrl(url: string, flag = '/queue'): Promise<string> {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || !['redis:', 'rediss:'].includes(parsed.protocol) || parsed.hostname === '') {
    throw new InputError({ file: '<command line>', pointer: flag, expected: 'a Redis URL redis://host:port', found: describeValue(url) });
  }
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 5000 });
  let cause: Error | undefined; // the socket's own error (ECONNREFUSED …) says more than "Connection is closed"
  client.on('error', (error: Error) => (cause ??= error));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new InputError({ file: '<command line>', pointer: flag, expected: 'a reachable Redis server', found: `${describeValue(url)}: ${(cause ?? (error as Error)).message}` });
  } finally {
    client.disconnect();
  }
  return url;
}

/** Put plan jobs `todo` on the queue and call `done` as each result arrives (in any order). */
export async function runOnQueue(url: string, plan: SweepPlan, todo: number[], done: (job: number, outcome: SweepOutcome) => void, log: (line: string) => void): Promise<void> {
  const name = queueName(plan.fingerprint);
  const connection = connect(url);
  const queue = new Queue<QueuedJob, SweepOutcome>(name, { connection });
  const events = new QueueEvents(name, { connection: connect(url) });
  const pending = new Map(todo.map((j) => [plan.jobs[j].key, j]));
  try {
    await events.waitUntilReady();
    let settle!: (error?: Error) => void;
    const finished = new Promise<void>((resolve, reject) => (settle = (error) => (error ? reject(error) : resolve())));
    const take = async (id: string) => {
      const j = pending.get(id);
      if (j === undefined) return;
      const job = await Job.fromId<QueuedJob, SweepOutcome>(queue, id);
      const state = job ? await job.getState() : 'unknown';
      if (state === 'completed' && pending.delete(id)) done(j, job!.returnvalue);
      else if (state === 'failed' && pending.has(id)) return settle(new Error(`sweep point ${plan.jobs[j].point + 1} under ${plan.jobs[j].job.model} failed on a worker: ${job!.failedReason}`));
      if (pending.size === 0) settle();
    };
    events.on('completed', ({ jobId }) => void take(jobId).catch(settle));
    events.on('failed', ({ jobId }) => void take(jobId).catch(settle));
    const added = await queue.addBulk(
      todo.map((j) => ({
        name: 'point',
        data: { fingerprint: plan.fingerprint, job: plan.jobs[j].job },
        opts: { jobId: plan.jobs[j].key, attempts: 2, removeOnComplete: { age: KEEP_SECONDS }, removeOnFail: { age: KEEP_SECONDS } },
      })),
    );
    // A job of the same id left failed by an earlier sweep is tried again rather than reported.
    for (const job of added) if ((await job.getState()) === 'failed') await job.retry('failed');
    for (const id of [...pending.keys()]) await take(id);
    // Events can be missed (a reconnect): look at what is still pending now and then; say when no worker serves the queue.
    let quietPolls = 0;
    const poll = setInterval(() => {
      void (async () => {
        for (const id of [...pending.keys()]) await take(id);
        const workers = await queue.getWorkersCount();
        if (workers === 0 && ++quietPolls === 2) log(`waiting for workers: run \`hvsim worker ${url}\` (hvsim ${plan.fingerprint}) on one or more machines`);
        if (workers > 0) quietPolls = 0;
      })().catch(settle);
    }, 2000);
    try {
      if (pending.size > 0) await finished;
    } finally {
      clearInterval(poll);
    }
  } finally {
    await events.close();
    await queue.close();
    connection.disconnect();
  }
}

export interface WorkerOptions {
  /** Worker threads (default one per core, at least one: the event loop must stay free for the locks). */
  threads?: number;
  /** Lock duration and stalled-check interval (ms): how soon a dead worker's job runs elsewhere. */
  stallMs: number;
  log: (line: string) => void;
}

/** `hvsim worker`: serve the queue of this simulator's fingerprint until stopped. */
export async function serveQueue(url: string, options: WorkerOptions): Promise<{ close(): Promise<void> }> {
  const fingerprint = hvsimFingerprint();
  const pool = createPool(sweepJobRunner, undefined, Math.max(1, options.threads ?? defaultWorkers()));
  const size = Math.max(1, pool.size);
  const worker = new Worker<QueuedJob, SweepOutcome>(
    queueName(fingerprint),
    async (job) => {
      if (job.data.fingerprint !== fingerprint) throw new Error(`job of hvsim ${job.data.fingerprint} on the queue of ${fingerprint}`);
      options.log(`start ${job.id!.slice(0, 12)} ${job.data.job.file} ${job.data.job.model}`);
      const outcome = await pool.submit(job.data.job);
      options.log(`done ${job.id!.slice(0, 12)}`);
      return outcome;
    },
    { connection: connect(url), concurrency: size, lockDuration: options.stallMs, stalledInterval: options.stallMs, maxStalledCount: 3 },
  );
  worker.on('error', (error) => options.log(`queue error: ${error.message}`));
  await worker.waitUntilReady();
  options.log(`serving ${queueName(fingerprint)} on ${url} with ${size} worker thread(s)`);
  return {
    async close() {
      await worker.close();
      await pool.close();
    },
  };
}
