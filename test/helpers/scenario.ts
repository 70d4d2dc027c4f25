// Build resolved scenarios in code for tests, with the loader's documented defaults.
import type {
  Arrival, ExecDist, HostSpec, HostThreadSpec, IoLoadSpec, Policy, Scenario, TaskSpec, VmuSpec,
} from '../../src/scenario/types.js';

export const ms = (x: number) => Math.round(x * 1_000_000);
export const us = (x: number) => Math.round(x * 1_000);
export const s = (x: number) => Math.round(x * 1_000_000_000);

export function host(id = 'ph1', cpus = 1, extra: Partial<HostSpec> = {}): HostSpec {
  return { id, cpus, contextSwitchNs: 0, tickNs: ms(1), ...extra };
}

export function constant(value: number): ExecDist {
  return { kind: 'constant', value };
}

export function periodic(period: number, offset = 0): Arrival {
  return { kind: 'periodic', period, offset, jitter: 0 };
}

interface TaskOpts {
  arrival?: Arrival;
  exec?: ExecDist;
  deadline?: number;
  policy?: Policy;
  affinity?: number[];
}

/** A periodic task (C, T) with implicit deadline by default. */
export function task(id: string, wcet: number, period: number, opts: TaskOpts = {}): TaskSpec {
  return {
    id,
    arrival: opts.arrival ?? periodic(period),
    exec: opts.exec ?? constant(wcet),
    deadline: opts.deadline ?? period,
    policy: opts.policy ?? { class: 'fifo', priority: 50 },
    affinity: opts.affinity ?? [0],
  };
}

export function busyTask(id: string, opts: TaskOpts = {}): TaskSpec {
  return {
    id,
    arrival: { kind: 'busy', offset: 0 },
    exec: constant(1),
    deadline: Infinity,
    policy: opts.policy ?? { class: 'fifo', priority: 50 },
    affinity: opts.affinity ?? [0],
  };
}

export function hostThread(spec: TaskSpec, hostId = 'ph1', affinity = spec.affinity): HostThreadSpec {
  return { ...spec, host: hostId, affinity };
}

export function vmu(id: string, tasks: TaskSpec[], opts: Partial<VmuSpec> = {}): VmuSpec {
  const vcpus = opts.vcpus ?? 1;
  return {
    id,
    host: 'ph1',
    vcpus,
    affinity: opts.affinity ?? [0],
    guest: { scheduler: 'fifo', tickNs: ms(4) },
    weight: 1024,
    tasks: tasks.map((t) => ({ ...t, affinity: t.affinity.filter((i) => i < vcpus) })),
    io: [],
    ...opts,
  };
}

export function scenario(parts: Partial<Scenario> & { durationNs: number }): Scenario {
  return {
    name: 'test',
    description: '',
    file: '<memory>',
    warmupNs: 0,
    seed: 1,
    hosts: [host()],
    vmus: [],
    hostThreads: [],
    models: [],
    expectations: [],
    ...parts,
  };
}

/** A network request/response load: Poisson arrivals, constant guest compute, 20 µs on the wire. */
export function netLoad(id: string, ratePerSec: number, computeNs: number): IoLoadSpec {
  return {
    id,
    kind: 'net',
    arrival: { kind: 'poisson', ratePerSec, offset: 0 },
    compute: { kind: 'constant', value: computeNs },
    deviceNs: us(20),
    deadline: Infinity,
    priority: 60,
  };
}
