// Worker-thread entry of the report pipeline (`report`, `compare`, `run --out`): receives the
// scenarios once (workerData), then runs jobs one at a time as the pool sends them, answering
// { id, result } or { id, failure }.

import { parentPort, workerData } from 'node:worker_threads';
import { runJob, toFailure, type Job, type ReportInput } from './jobs.js';

const input = workerData as ReportInput;

parentPort!.on('message', (msg: { id: number; job: Job }) => {
  try {
    const result = runJob(input, msg.job);
    // PNG bytes are moved, not copied.
    const transfer = result.kind === 'render' ? [result.png.buffer as ArrayBuffer] : [];
    parentPort!.postMessage({ id: msg.id, result }, transfer);
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, failure: toFailure(err) });
  }
});
