// npm run bench: throughput and memory, reported with the machine they were measured on.
// Not part of `npm test`: numbers depend on the machine, so nothing here asserts a time.
//   node dist/bench/run.js            all benchmarks
//   node dist/bench/run.js --child M S  one reference run of model M for S simulated seconds (prints JSON)

import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { EventPhase, EventQueue, type Timer } from '../src/engine/event-queue.js';
import { Rng } from '../src/engine/rng.js';
import { Simulator } from '../src/engine/simulator.js';
import { findModel } from '../models/index.js';
import { referenceScenario } from './reference.js';

interface ChildResult {
  model: string;
  simulatedS: number;
  wallS: number;
  events: number;
  maxRssMiB: number;
  heapAfterGcMiB: number;
}

function holdModel(pending: number, operations: number): number {
  // Classic hold model: `pending` timers; each firing re-arms itself an exponential time later.
  // The increments are drawn beforehand so the loop measures the event set, not Math.log.
  const q = new EventQueue();
  const rng = new Rng(42, 'hold');
  const increments = Float64Array.from({ length: 1 << 16 }, () => 1 + Math.floor(rng.exponential(1_000_000)));
  let next = 0;
  let fired = 0;
  for (let i = 0; i < pending; i++) {
    const t: Timer = q.timer(EventPhase.release, (at) => {
      fired++;
      t.arm(at + increments[next++ & 0xffff]);
    });
    t.arm(increments[next++ & 0xffff]);
  }
  const start = process.hrtime.bigint();
  while (fired < operations) q.fireNext();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return operations / seconds;
}

function child(model: string, simulatedS: number): ChildResult {
  const scenario = referenceScenario(simulatedS * 1e9);
  const sim = new Simulator(scenario, findModel(model, '<bench>', ''));
  const start = process.hrtime.bigint();
  sim.run();
  const wallS = Number(process.hrtime.bigint() - start) / 1e9;
  // Live heap after a full collection: what the run holds, whatever the GC's lazy peak RSS is.
  (globalThis as { gc?: () => void }).gc?.();
  const heapAfterGcMiB = Math.round(process.memoryUsage().heapUsed / 2 ** 20);
  return { model, simulatedS, wallS, events: sim.eventsFired, maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024), heapAfterGcMiB };
}

function runChild(model: string, simulatedS: number): ChildResult {
  const out = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', model, String(simulatedS)], { encoding: 'utf8' });
  return JSON.parse(out) as ChildResult;
}

function main(): void {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    process.stdout.write(JSON.stringify(child(args[1], Number(args[2]))) + '\n');
    return;
  }
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`# hvsim benchmarks\n\nMachine: ${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}\n`);
  console.log('## Pending-event set (hold model)\n');
  console.log('| pending timers | events/s |\n|---|---|');
  for (const pending of [64, 1024, 16384]) {
    console.log(`| ${pending} | ${(holdModel(pending, 3_000_000) / 1e6).toFixed(2)} M |`);
  }
  console.log('\n## Reference scenario: 4 pCPUs, 16 VMUs, 64 tasks\n');
  console.log('| model | simulated | wall | events/s | × real time | peak RSS | live heap after GC |\n|---|---|---|---|---|---|---|');
  // kvm-linux is absent on purpose: stock RT group runtimes apply on every CPU, so 16 groups of 20 % fail its admission.
  const runs: [string, number][] = [['kvm-irmos', 60], ['kvm-irmos', 600], ['kvm-linux-cfs', 60], ['kvm-deadline', 60], ['xen-credit', 60], ['xen-credit', 600], ['xen-sedf', 60], ['xen-rtds', 60], ['xen-credit2', 60]];
  for (const [model, seconds] of runs) {
    const r = runChild(model, seconds);
    console.log(
      `| ${r.model} | ${r.simulatedS} s | ${r.wallS.toFixed(2)} s | ${(r.events / r.wallS / 1e6).toFixed(2)} M | ${(r.simulatedS / r.wallS).toFixed(0)}× | ${r.maxRssMiB} MiB | ${r.heapAfterGcMiB} MiB |`,
    );
  }
}

main();
