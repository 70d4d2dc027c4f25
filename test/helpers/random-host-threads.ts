// Host threads beside the VMUs of a random kvm-irmos host (the islands and keep-picks properties):
// a SCHED_DEADLINE thread on the last pCPU and, one host in five, a SCHED_FIFO thread on pCPU 0, each
// a 300 µs job every 20 ms — what ties a host's CPUs through the host's own classes.

import type { HostThreadSpec, TaskSpec } from '../../src/scenario/types.js';
import { ms, us } from './scenario.js';

export interface HostThreadDraw {
  cpus: number;
  deadlineThread: boolean;
  /** 0: a FIFO thread on pCPU 0 (fc.integer 0–4: one host in five). */
  fifoThread: number;
}

export function randomHostThreads(h: HostThreadDraw): HostThreadSpec[] {
  const thread = (id: string, policy: TaskSpec['policy'], affinity: number[]): HostThreadSpec => ({
    id, host: 'ph1', arrival: { kind: 'periodic', period: ms(20), offset: us(700), jitter: 0 }, exec: { kind: 'constant', value: us(300) }, deadline: ms(20), policy, affinity,
  });
  const threads: HostThreadSpec[] = [];
  if (h.deadlineThread) threads.push(thread('dl', { class: 'deadline', runtime: us(500), deadline: ms(20), period: ms(20) }, [h.cpus - 1]));
  if (h.fifoThread === 0) threads.push(thread('rt', { class: 'fifo', priority: 20 }, [0]));
  return threads;
}
