// Bandwidth admission control for CPU reservations.
//
// * Per CPU (partitioned EDF of servers): Σ Q_i/P_i ≤ bound on every CPU. This is the EDF
//   utilisation bound of Liu & Layland 1973 applied to CBS servers (Abeni & Buttazzo 1998: a server
//   never demands more than Q_i per P_i), lowered by the RT reserve: IRMOS checks it per CPU for every
//   group (linux-irmos.md §2.8, U(root) = sched_rt_runtime_us / sched_rt_period_us, 0.95 by
//   default), and so do stock RT groups (§3.3).
// * Global (SCHED_DEADLINE, per root domain): Σ bw_i ≤ M × 0.95 (linux-irmos.md §4.5). This admits
//   task sets that global EDF cannot always schedule (Dhall effect, §4.4); it guarantees bounded
//   tardiness only.
//
// The kernels compare fixed-point integers (bandwidth scaled by 2^20, §4.1 DL_SCALE), not exact
// fractions. Here the sum is taken in floating point and compared with a 1e-12 tolerance, so a
// configuration that is exactly at the bound (0.1 + 0.2 + 0.65 = 0.95) is accepted, as intended.

export interface Reservation {
  id: string;
  cpu: number;
  runtime: number;
  period: number;
}

export interface CpuLoad {
  cpu: number;
  /** Σ runtime/period of the members, rounded to 6 decimal places for reporting. */
  sum: number;
  bound: number;
  /** Reservation ids on this CPU, in input order. */
  members: string[];
}

export interface AdmissionResult {
  ok: boolean;
  perCpu: CpuLoad[];
  /** The first CPU (in `cpus` order, then unknown CPUs) whose sum exceeds its bound. */
  firstViolation?: CpuLoad;
}

const TOLERANCE = 1e-12;

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function checkBandwidth(what: string, runtime: number, period: number): void {
  if (!(Number.isFinite(period) && period > 0)) throw new RangeError(`${what}: period must be > 0, got ${period}`);
  if (!(Number.isFinite(runtime) && runtime >= 0)) throw new RangeError(`${what}: runtime must be ≥ 0, got ${runtime}`);
}

/**
 * Per-CPU admission: on each CPU of `cpus`, Σ runtime/period of the reservations placed there must
 * be ≤ `bound` (1 for plain EDF, 0.95 with the default RT reserve). A reservation on a CPU that is
 * not in `cpus` (offline, or outside the cpuset) cannot be admitted: that CPU is reported with
 * bound 0, so it always shows up as a violation.
 */
export function perCpuAdmission(reservations: readonly Reservation[], bound: number, cpus: readonly number[]): AdmissionResult {
  if (!(bound >= 0)) throw new RangeError(`bound must be ≥ 0, got ${bound}`);
  const sums = new Map<number, { sum: number; members: string[] }>();
  for (const c of cpus) sums.set(c, { sum: 0, members: [] });
  const known = new Set(cpus);
  for (const r of reservations) {
    checkBandwidth(`reservation ${r.id}`, r.runtime, r.period);
    let entry = sums.get(r.cpu);
    if (entry === undefined) {
      entry = { sum: 0, members: [] };
      sums.set(r.cpu, entry);
    }
    entry.sum += r.runtime / r.period;
    entry.members.push(r.id);
  }
  const perCpu: CpuLoad[] = [];
  let firstViolation: CpuLoad | undefined;
  for (const [cpu, { sum, members }] of sums) {
    const cpuBound = known.has(cpu) ? bound : 0;
    const load = { cpu, sum: round6(sum), bound: cpuBound, members };
    perCpu.push(load);
    // Compare the unrounded sum: rounding to 6 digits could hide an excess of 4e-7.
    if (sum > cpuBound + TOLERANCE && firstViolation === undefined) firstViolation = load;
  }
  return firstViolation === undefined ? { ok: true, perCpu } : { ok: false, perCpu, firstViolation };
}

export interface GlobalAdmissionResult {
  ok: boolean;
  /** Σ bandwidths, rounded to 6 decimal places. */
  sum: number;
  /** bound × cpuCount. */
  capacity: number;
}

/**
 * SCHED_DEADLINE root-domain admission: Σ bandwidths ≤ bound × cpuCount (bound = 0.95 by default;
 * pass Infinity to model sched_rt_runtime_us = −1, which disables the check). Since 6.12 the
 * fair_server's 0.05 per CPU counts too (§4.5, §4.6): include it in `bandwidths` to model that.
 */
export function globalAdmission(bandwidths: readonly number[], cpuCount: number, bound = 0.95): GlobalAdmissionResult {
  if (!(Number.isInteger(cpuCount) && cpuCount >= 1)) throw new RangeError(`cpuCount must be a positive integer, got ${cpuCount}`);
  if (!(bound >= 0)) throw new RangeError(`bound must be ≥ 0, got ${bound}`);
  let sum = 0;
  bandwidths.forEach((b, i) => {
    if (!(Number.isFinite(b) && b >= 0)) throw new RangeError(`bandwidths[${i}] must be ≥ 0, got ${b}`);
    sum += b;
  });
  const capacity = bound * cpuCount;
  return { ok: sum <= capacity + TOLERANCE * cpuCount, sum: round6(sum), capacity };
}
