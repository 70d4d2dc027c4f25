// Why a storage stream's request waits at its device (the device-scheduling phenomenon,
// src/engine/phenomena.ts): the rule of the host's device scheduler (seed §5.4's second layer, below
// the throttle) that decides when the request reaches the disk, in the terms of its configuration,
// with the reference section each discipline in src/engine/qdiscs/ follows. Rules, never outcomes:
// the reading cites them beside the numbers (src/report/answer.ts).

import type { Cause } from '../phenomena.js';
import type { HostStorageSpec } from '../system.js';

/** "500 ms", "5 s": the expiries as the kernel's docs state them (whole ms or s). */
const ms = (ns: number) => (ns % 1_000_000_000 === 0 ? `${ns / 1e9} s` : `${ns / 1e6} ms`);
import { MQ_DEADLINE_DEFAULTS, type MqDeadlineParams } from '../qdiscs/mq-deadline.js';
import type { HddParams } from './hdd.js';

export function deviceSchedulerCause(storage: HostStorageSpec): Cause {
  const cause = schedulerCause(storage);
  const depth = storage.device === 'hdd' ? ((storage.deviceParams as HddParams).queueDepth ?? 1) : 1;
  if (depth === 1) return cause;
  // NCQ (hdd.ts): the scheduler's order only decides when a request reaches the disk.
  return {
    rule: `${cause.rule}; then the disk holds up to ${depth} dispatched requests and starts the one it reaches soonest (seek + rotation), so a request already dispatched can still be overtaken inside the disk${(storage.deviceParams as HddParams).maxCommandAgeNs === undefined ? '' : ` until it has waited ${ms((storage.deviceParams as HddParams).maxCommandAgeNs!)} there`}`,
    ref: `${cause.ref}, §1.9`,
  };
}

function schedulerCause(storage: HostStorageSpec): Cause {
  switch (storage.scheduler) {
    case 'fifo':
      return {
        rule: 'FIFO serves the device’s requests in arrival order whatever their stream, so a request waits behind every request of every stream queued before it, its stream’s reservation and latency bound unseen',
        ref: 'io-qos.md §1.9',
      };
    case 'mq-deadline': {
      const p = { ...MQ_DEADLINE_DEFAULTS, ...(storage.schedulerParams as MqDeadlineParams) };
      return {
        rule: `mq-deadline dispatches batches of up to ${p.fifoBatch} requests of one direction in offset order and looks at expiry (read_expire ${ms(p.readExpireNs)}, write_expire ${ms(p.writeExpireNs)}) only when a batch starts, so a read waits behind the batches ahead of it until it has expired: its bound is the expiry, not its stream’s latency target`,
        ref: 'io-qos.md §1.7',
      };
    }
    case 'mclock':
      return {
        rule: `mClock${storage.profile ? ` (Ceph ${storage.profile.name} profile, ${storage.profile.release})` : ''} dispatches a request in the reservation phase as soon as its stream’s R tag (spaced 1/r) falls due, before any weight-phase request, so a stream arriving within its reservation waits only for the request in service, and streams without one share the rest by weight, held to their limits`,
        ref: 'io-qos.md §1.2',
      };
    case 'edf':
      return {
        rule: 'the EDF scheduler serves the earliest deadline first (arrival + the stream’s latency target), streams without a target last, so a stream within its arrival curve meets its target whenever the shaped demand of all streams fits the device',
        ref: 'io-qos.md §1.7',
      };
  }
}
