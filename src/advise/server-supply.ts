// The supply-bound function each stack's server gives one vCPU of a VMU whose SLA is (Q, P): the
// least CPU time it is sure to receive in any window of length t while its vCPU is backlogged
// (compositional analysis, Shin & Lee 2003; src/analysis/supply.ts). `advise budget` checks the
// guest task set's demand against it; `sound` says whether the bound is a proven lower bound of
// what the model delivers (then the simulation can never need more budget than the analysis), or a
// heuristic for a stack that promises no window at all.
//
// * kvm-irmos, kvm-deadline: a hard CBS on an EDF-schedulable CPU is the periodic resource Γ(P, Q)
//   (linux-irmos.md §2.4, §2.9, §4.2).
// * xen-sedf: a backlogged vCPU gets its slice in every period (xen.md §5), Γ(P, Q) — but a vCPU
//   that blocks and wakes before its deadline forfeits the rest of its slice (§5 "Wake", short
//   block), so a guest whose tasks idle can receive less: heuristic, not a guarantee.
// * xen-rtds: a deferrable server on the grid k·P delivers Q somewhere in every period of the grid,
//   which is exactly what Γ(P, Q) assumes; its worst blackout is the same 2(P − Q) (xen.md §4,
//   "Semantics and guarantees"). Sound while global EDF is schedulable.
// * kvm-linux: RT throttling is a deferrable server on a fixed global grid (linux-irmos.md §3.1):
//   Q anywhere in each period, hence Γ(P, Q) again, but only for the highest-priority RT group —
//   groups compete by priority (§3.3), so with another reserved VMU on the host it is no guarantee.
// * kvm-linux-cfs: cpu.max is a quota on a fixed grid (§6.3); below it the share comes from
//   cpu.shares, so Γ(P, Q) is what the quota allows, not what the host promises: heuristic.
// * xen-credit: the cap acts at 30 ms accounting; a capped vCPU runs bursts of one slice and is
//   parked about s(1 − α)/α (xen.md §2.11), with no latency guarantee (§2.12). Heuristic linear
//   bound α(t − Δ) with α = Q/P and Δ = s/α (one slice of queueing plus the parking gap).
// * xen-credit2: the cap is a budget refilled every 10 ms (xen.md §3); weights give only a long-run
//   share. Heuristic α(t − Δ) with Δ = 2·(1 − α)·10 ms + 10 ms (the replenishment blackout plus one
//   maximum slice).

import { periodicResource } from '../analysis/supply.js';
import type { SupplyOptions } from '../analysis/supply-options.js';
import type { Ns } from '../scenario/types.js';

export type BoundKind = 'periodic-resource' | 'deferrable-server' | 'fixed-grid' | 'linear-share';

export interface ServerBound {
  kind: BoundKind;
  /** What the bound is, for the report, e.g. "hard CBS Γ(P, Q) (Shin & Lee 2003)". */
  label: string;
  /** A proven lower bound of the model's supply (the analytic budget is then always enough). */
  sound: boolean;
  /** Why it is not a guarantee (absent when sound). */
  caveat?: string;
  supply: Required<Pick<SupplyOptions, 'supply' | 'supplyRate' | 'supplyDelay'>> & Pick<SupplyOptions, 'inverseSupply'>;
}

export interface BoundContext {
  /** Other reserved VMUs share the host (matters for kvm-linux, whose groups compete by priority). */
  sharedWithReserved: boolean;
  /** The model's parameters from the scenario (Credit's `tslice`). */
  params: Record<string, unknown>;
}

const CREDIT_TSLICE_NS = 30_000_000; // xen.md §0: sched_credit_tslice_ms = 30
const CREDIT2_REPLENISH_NS = 10_000_000; // xen.md §3: CSCHED2_BDGT_REPL_PERIOD

/** α·(t − Δ), never negative: a long-run rate reached after a delay. */
function linearSupply(rate: number, delay: number): ServerBound['supply'] {
  return { supply: (t) => Math.max(0, rate * (t - delay)), supplyRate: rate, supplyDelay: delay };
}

/** The bound of model `model` for one vCPU reserving Q every P; undefined for a model it does not know. */
export function serverBound(model: string, budgetNs: Ns, periodNs: Ns, ctx: BoundContext): ServerBound | undefined {
  const gamma = periodicResource(periodNs, budgetNs);
  const rate = budgetNs / periodNs;
  switch (model) {
    case 'kvm-irmos':
    case 'kvm-deadline':
      return { kind: 'periodic-resource', label: 'hard CBS Γ(P, Q) (Shin & Lee 2003; linux-irmos.md §2.9)', sound: true, supply: gamma };
    case 'xen-sedf':
      return { kind: 'periodic-resource', label: 'SEDF slice Γ(P, Q) (xen.md §5)', sound: false, caveat: 'a vCPU that blocks before its deadline forfeits the rest of its slice (xen.md §5, short block)', supply: gamma };
    case 'xen-rtds':
      return { kind: 'deferrable-server', label: 'deferrable server on the grid k·P, as Γ(P, Q) (xen.md §4)', sound: true, supply: gamma };
    case 'kvm-linux':
      return ctx.sharedWithReserved
        ? { kind: 'fixed-grid', label: 'RT throttling on a fixed grid, as Γ(P, Q) (linux-irmos.md §3.1)', sound: false, caveat: 'RT groups compete by priority: another reserved VMU may take the CPU first (linux-irmos.md §3.3)', supply: gamma }
        : { kind: 'fixed-grid', label: 'RT throttling on a fixed grid, as Γ(P, Q) (linux-irmos.md §3.1)', sound: true, supply: gamma };
    case 'kvm-linux-cfs':
      return { kind: 'fixed-grid', label: 'CFS cpu.max quota on a fixed grid, as Γ(P, Q) (linux-irmos.md §6.3)', sound: false, caveat: 'a cap only: below the quota the share comes from cpu.shares', supply: gamma };
    case 'xen-credit': {
      const slice = typeof ctx.params.tslice === 'number' ? ctx.params.tslice : CREDIT_TSLICE_NS;
      const delay = rate > 0 ? Math.ceil(slice / rate) : Infinity;
      if (!Number.isFinite(delay)) return undefined;
      return { kind: 'linear-share', label: `Credit cap α(t − s/α), s = ${slice / 1e6} ms (xen.md §2.11)`, sound: false, caveat: 'Credit promises a long-run share, no window (xen.md §2.12)', supply: linearSupply(rate, delay) };
    }
    case 'xen-credit2': {
      if (rate <= 0) return undefined;
      const delay = Math.ceil(2 * (1 - rate) * CREDIT2_REPLENISH_NS + CREDIT2_REPLENISH_NS);
      return { kind: 'linear-share', label: 'Credit2 cap α(t − Δ), Δ = 2(1 − α)·10 ms + 10 ms (xen.md §3)', sound: false, caveat: 'Credit2 promises a long-run share, no window (xen.md §3)', supply: linearSupply(rate, delay) };
    }
    default:
      return undefined;
  }
}
