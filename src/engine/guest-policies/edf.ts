// EDF inside a guest: earliest absolute job deadline first — a guest running its tasks under
// SCHED_DEADLINE with runtime ≥ demand, so in EDF order (budget enforcement inside the guest is not
// modelled). Equal deadlines in queue order; a task carrying on with a queued job re-queues behind
// the equal deadlines, as enqueue_dl_entity does after a replenishment.

import type { GuestPolicy, GuestPolicyFactory } from '../guest-policy.js';

export const edfPolicy: GuestPolicyFactory = {
  summary: 'earliest deadline first (SCHED_DEADLINE order, no budget enforcement)',
  create(): GuestPolicy {
    return {
      compare: (a, b) => (a.currentJob?.deadline ?? Infinity) - (b.currentJob?.deadline ?? Infinity),
      requeueOnNextJob: true,
      ticks: false,
    };
  },
};
