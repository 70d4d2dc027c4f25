// Where each CPU's scheduler tick falls. Fair-class results hang on it: without HRTICK the end of a
// request (EEVDF slice) or of a CFS timeslice is only noticed at a tick, so a woken fair task that
// does not pre-empt at once waits for the next tick of its CPU — between 0 and 1/HZ depending on the
// phase of its timer against the tick grid. A simulation that starts the workload on a tick locks
// every wait to one phase; a real run starts wherever the grid happens to be.
//
// The kernel (kernel/time/tick-sched.c, tick_setup_sched_timer, 6.x):
//   hrtimer_set_expires(&ts->sched_timer, tick_init_jiffy_update());   /* last_jiffies_update */
//   if (sched_skew_tick) {                                             /* skew_tick=1 boot option */
//       u64 offset = TICK_NSEC >> 1;
//       do_div(offset, num_possible_cpus());
//       offset *= smp_processor_id();
//       hrtimer_add_expires_ns(&ts->sched_timer, offset);
//   }
//   hrtimer_forward_now(&ts->sched_timer, TICK_NSEC);
// Every CPU's tick is set from the one jiffies grid, so by default all CPUs tick at the same
// instants (observed here: /proc/timer_list shows both CPUs' tick_nohz_handler expiring at the same
// nanosecond, a multiple of 4 ms); skew_tick=1 staggers CPU i by i·(TICK_NSEC/2)/ncpus. A CPU that
// stops its tick when idle (NO_HZ_IDLE) restarts it on the same grid (tick_nohz_restart forwards
// from last_tick), so [M] the engine keeps every CPU's tick running on its grid.
//
// The grid's phase against the workload's time 0 is a host field (`tickPhase`): a duration, or
// 'random' — drawn once per host from the scenario's seed, so a run stays reproducible while a set
// of seeds samples the phases a set of real runs meets.

//
// A guest kernel ticks on its own jiffies grid, set when it booted (its own tick_setup_sched_timer);
// nothing ties it to the host's. hvsim gives a guest the host's phase rule unless the VMU states its
// own (`guest.tickPhase`): a stated host phase is the grid origin of every kernel in the scenario (a
// phase sweep moves host and guests together, and with equal HZ the guest ticks with the host), and
// 'random' draws each guest's phase separately from the seed, as each kernel booted at its own
// instant. A guest tick is a timer interrupt delivered to the guest: with host overheads it reaches
// the guest timerInterrupt + vmExit after its expiry (src/scenario/overheads.ts), like a guest task's
// timer wake-up less the wake-up path; a term given as a distribution counts by its median, as the
// whole grid is shifted by one delay. [M] One tick per VMU (all its vCPUs on one grid, the guest's
// skew_tick off) that fires whether or not a vCPU is running.

import type { HostSpec, Ns, VmuSpec } from './system.js';
import { Rng } from './rng.js';
import { medianNs } from './overhead-delay.js';

/** Phase of the host's tick grid (CPU 0), in [0, tickNs). */
export function tickPhaseNs(spec: HostSpec, seed: number): Ns {
  const phase = spec.tickPhase ?? 0;
  if (phase !== 'random') return phase;
  return new Rng(seed, `${spec.id}/tick-phase`).intBetween(0, spec.tickNs - 1);
}

/** First tick of VMU `vmu`'s guest after time 0 (> 0, like the host's), interrupt delivery included. */
export function firstGuestTickNs(host: HostSpec, vmu: VmuSpec, seed: number): Ns {
  const tickNs = vmu.guest.tickNs;
  const rule = vmu.guest.tickPhase ?? host.tickPhase ?? 0;
  const phase = rule === 'random' ? new Rng(seed, `${vmu.id}/guest-tick-phase`).intBetween(0, tickNs - 1) : rule % tickNs;
  // A distribution stands here by its median ([M]: one delivery delay for the whole grid).
  const delivery = host.overheads === undefined ? 0 : medianNs(host.overheads.timerInterruptNs) + medianNs(host.overheads.vmExitNs);
  return (phase === 0 ? tickNs : phase) + delivery;
}

/** First tick of CPU `cpu` after time 0 (> 0: a tick at 0 would find nothing to account). */
export function firstTickNs(spec: HostSpec, cpu: number, seed: number): Ns {
  const skew = spec.skewTick === true ? Math.floor(Math.floor(spec.tickNs / 2) / spec.cpus) * cpu : 0;
  const at = (tickPhaseNs(spec, seed) + skew) % spec.tickNs;
  return at === 0 ? spec.tickNs : at;
}
