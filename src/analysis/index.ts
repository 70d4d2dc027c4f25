// Schedulability analysis for hvsim: the closed-form and exact tests that simulated schedules of
// hypervisor / real-time schedulers are checked against (linux-irmos.md §2.8, §2.9, §3.1, §4.5, §6.3).
// One idea per file; each file cites its source.

export * from './tasks.js';
export * from './liu-layland.js';
export * from './supply-options.js';
export * from './supply.js';
export * from './rta.js';
export * from './edf.js';
export * from './admission.js';
