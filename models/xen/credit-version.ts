// Xen Credit behaviour by hypervisor version (xen.md §2.13, every row [V] from commit history).
// A paper's results are reproduced by naming its Xen version; each switch below is one row. The
// tickle rows are finer than §2.13's, from xen.git history (commits named at the field).

export interface CreditFeatures {
  /** Xen ≤ 3.4: −(10 × tick ms) credits to whoever runs at each tick instead of exact burning (§2.2). */
  sampledAccounting: boolean;
  /** ≥ 3.0.4: UNDER vCPUs are boosted on wake (§2.5). */
  boostOnWake: boolean;
  /** < 4.7: a vCPU waking after a migration is boosted too. */
  boostAfterMigration: boolean;
  /** ≥ 4.1: weight counts per active vCPU; before, once per active domain (§2.4). */
  perVcpuWeight: boolean;
  /** ≥ 4.1: credit over +tslice credits is halved; before, reset to 0. */
  halveOnClip: boolean;
  /** ≥ 4.2: the 1 ms context-switch rate limit exists (sched_ratelimit_us). */
  ratelimit: boolean;
  /** ≥ 4.2: sched_credit_tslice_ms exists; before, the slice is fixed at 30 ms. */
  configurableTslice: boolean;
  /**
   * Which pCPUs a wake tickles (§2.6): 'all-idlers' (< 4.1) and 'one-idler' (4.1–4.2, opt_tickle_one_idle,
   * e4434634c4) tickle p when the waker outranks cur, plus every / one suitable idler when p is busy;
   * 'idler-first' (≥ 4.3, ebce2d836c, Dec 2012) tickles one suitable idler instead of pre-empting cur.
   */
  tickle: 'all-idlers' | 'one-idler' | 'idler-first';
  /** ≥ 4.9 (47d5292995): a tickled pCPU leaves the idlers mask at once; before, when it schedules. */
  tickledLeaveIdlers: boolean;
  /** ≥ 4.18: work stealing at most once per 1 ms per pCPU. */
  stealRatelimit: boolean;
  /** ≥ 4.5: soft affinity (cpus_soft) steers tickle, steal and pick_cpu first (xen.md §2.6, §2.8). */
  softAffinity: boolean;
  /** ≥ 4.0 (964fae8ac2, tick_suspend): the tick stops while a pCPU idles; [M] it restarts on the tick grid (§2.3). */
  tickStopsWhenIdle: boolean;
}

/**
 * Parse '4.19', '4.0.1', '3.x', '3.0.4': numbers compared component-wise; an 'x' stands for the
 * newest release of that line ('3.x' = 3.4, the last sampled-accounting release line).
 */
export function parseXenVersion(version: string): number[] {
  const parts = version.trim().split('.');
  if (parts.length === 0 || parts.length > 3 || !/^\d+$/.test(parts[0])) {
    throw new Error(`credit: xenVersion must look like '4.19', '3.0.4' or '3.x', got '${version}'`);
  }
  return parts.map((p) => {
    if (p === 'x' || p === 'X') return Number.MAX_SAFE_INTEGER;
    if (!/^\d+$/.test(p)) throw new Error(`credit: xenVersion must look like '4.19', '3.0.4' or '3.x', got '${version}'`);
    return Number(p);
  });
}

function atLeast(v: number[], ...want: number[]): boolean {
  for (let i = 0; i < want.length; i++) {
    const have = v[i] ?? 0;
    if (have !== want[i]) return have > want[i];
  }
  return true;
}

export function creditFeatures(version: string): CreditFeatures {
  const raw = parseXenVersion(version);
  // '3.x' means the newest 3.x line, which is 3.4: keep it below 4.0 however large the wildcard.
  const v = raw[0] === 3 && raw[1] === Number.MAX_SAFE_INTEGER ? [3, 4, Number.MAX_SAFE_INTEGER] : raw;
  return {
    sampledAccounting: !atLeast(v, 4, 0),
    boostOnWake: atLeast(v, 3, 0, 4),
    boostAfterMigration: !atLeast(v, 4, 7),
    perVcpuWeight: atLeast(v, 4, 1),
    halveOnClip: atLeast(v, 4, 1),
    ratelimit: atLeast(v, 4, 2),
    configurableTslice: atLeast(v, 4, 2),
    tickle: atLeast(v, 4, 3) ? 'idler-first' : atLeast(v, 4, 1) ? 'one-idler' : 'all-idlers',
    tickledLeaveIdlers: atLeast(v, 4, 9),
    stealRatelimit: atLeast(v, 4, 18),
    tickStopsWhenIdle: atLeast(v, 4, 0),
    softAffinity: atLeast(v, 4, 5),
  };
}
