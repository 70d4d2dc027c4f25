// Why a figure differs by more than 5 %: the causes found by investigating the measured runs
// (docs/rtapp.md, "Validation against the kernel"), written with this run's own numbers. A figure
// no rule covers is reported as UNEXPLAINED, so a new disagreement is never hidden.

import type { Figure, Sample } from './metrics.js';
import { formatValue, metricValue, responses, runPercentile, percentile } from './metrics.js';

export interface ExplainContext {
  caseId: string;
  f: Figure;
  real: Sample;
  /** hvsim's prediction (pooled over `models` when it ran once per kernel run). */
  model: Sample;
  /** The kernel runs one by one, and hvsim's predictions for each (one for all, or several per run: rtPhaseFromKernel). */
  runs: Sample[];
  runModels: Sample[][];
  /** Per kernel run, the RT period phase hvsim was given (ns; null: not measured), for rtPhaseFromKernel cases. */
  phasesNs: (number | null)[] | null;
  /** hvsim's prediction for kernel 5.10 (RT throttling without fair_server), when computed (like `models`). */
  pre612: Sample[] | null;
  warmupUs: number;
  /** The calibration run's FIFO wake-up latency (µs), which hvsim's timer-interrupt draws reproduce, and its wake-up count. */
  wake: { p50: number; p99: number; max: number };
  calibrationWakeups: number;
  workScale: number;
  /** CPUs' worth of other processes' time during the case's windows (the worst run). */
  foreignLoad: number;
}

/** Other processes' load above which fair-class figures measure the machine's contention, not the model. */
const CONTENDED = 0.1;

const µs = (v: number) => `${Math.round(v)} µs`;

function threadOf(f: Figure): string | null {
  return 'thread' in f.metric ? f.metric.thread : null;
}

/** The two parts of a response, run column and wake-up latency, over all kernel runs. */
function responseParts(c: ExplainContext, thread: string): string {
  const rows = c.real.rows.get(thread) ?? [];
  const [r50, r99, rmax] = [50, 99, 100].map((p) => runPercentile(rows, c.warmupUs, p));
  const wu = rows.filter((r) => r.rel_st >= c.warmupUs && r.slack > 0).map((r) => r.wu_lat);
  const model = runPercentile(c.model.rows.get(thread) ?? [], c.warmupUs, 50);
  const slow = wu.filter((v) => v > 100).length;
  return `over all kernel runs its run column spans p50 ${µs(r50)}, p99 ${µs(r99)}, max ${µs(rmax)} and its wake-up latency p50 ${µs(percentile(wu, 50))}, p99 ${µs(percentile(wu, 99))}, max ${µs(percentile(wu, 100))} (${slow} of ${wu.length} wake-ups above 100 µs); in hvsim the run is ${µs(model)} and each wake-up is drawn from the calibration's distribution (${calibrated(c)})`;
}

/** The calibration's wake-up distribution as hvsim was given it. */
function calibrated(c: ExplainContext): string {
  return `p50 ${µs(c.wake.p50)}, p99 ${µs(c.wake.p99)}, max ${µs(c.wake.max)} over its ${c.calibrationWakeups} wake-ups`;
}

const RT_TAIL =
  'The thread outranks everything else on the machine (it pre-empts the fair loops at once), so no scheduling decision delays it in either world: its wake-up latency is machine noise — the hrtimer interrupt reaching the guest (a few µs, more when the host is busy), a `runtime` event ending at its first 32 µs loop check past its wall time, and the hypervisor now and then pre-empting the vCPU itself (invisible to the guest: this VM reports no steal time)';

/** What the fair cases follow from (models/kvm/fair.ts header, Linux 6.18 kernel/sched/fair.c). */
const EEVDF_RULES =
  'hvsim follows Linux 6.18 fair.c: a lone loop\'s request (1.4 ms on 2 CPUs) ends unnoticed between ticks (no HRTICK); a waking sleeper\'s enqueue runs update_curr first, which renews it to V + slice, the sleeper is placed at V + slice too (lag 0) and wins the tie (pick_eevdf keeps curr only on a strictly earlier deadline): it pre-empts at once. Woken within 1.4 ms after a tick, the loop\'s request still ends first and the sleeper waits for the next tick (up to 4 ms). Its own 2 ms job is pre-empted only when a tick lands after 1.4 ms of it, and resumes a tick later. A job that waited sleeps with positive lag, which place_entity (PLACE_LAG) restores at its next wake, so that wake pre-empts at once; a sleeper with negative lag is delay-dequeued: it stays in the tree until pick_eevdf reaches it (then its lag is clipped to 0, DELAY_ZERO) or it wakes first, on the same CPU, keeping a negative lag and its deadline (requeue_delayed_entity). With two loops per CPU the waiting loop\'s request also ends before the sleeper\'s, so a wake can wait two ticks (8 ms). Not modelled: the later 6.18.y lag clamp max_slice + tick (hvsim: max(2·slice, tick)), interrupt and timer jitter.';

const RULES: { test: (c: ExplainContext) => boolean; text: (c: ExplainContext) => string }[] = [
  {
    // A contended machine: other users' fair threads share the CPUs with the case's fair threads.
    test: (c) => c.foreignLoad > CONTENDED && ['fair-periodic', 'fair-4hogs', 'nice-ratio', 'fifo-hog-1cpu'].includes(c.caseId),
    text: (c) =>
      `MACHINE LOAD: during this case's kernel runs other processes used up to ${c.foreignLoad.toFixed(2)} CPUs of the two (the runner waited and retried, then kept the quietest attempts). SCHED_OTHER threads of other users and their cgroups share the CPUs with the case's fair threads by weight, so the fair threads got a fraction of the CPU hvsim gives them (see their CPU shares), and their waits and misses measure that contention, not the scheduler's rules; hvsim models only the case's own threads. Rerun on a quiet machine before drawing a conclusion from this figure.`,
  },
  {
    // Wake-up latency of DL/FIFO threads: interrupt delivery, not scheduling.
    test: (c) => ['dl-periodic', 'fifo-periodic', 'dl-under-load'].includes(c.caseId) && c.f.metric.kind === 'wakeup',
    text: (c) => {
      const rows = (c.real.rows.get(threadOf(c.f)!) ?? []).filter((r) => r.rel_st >= c.warmupUs && r.slack > 0).map((r) => r.wu_lat);
      return `${RT_TAIL}. Over all kernel runs of the case its wake-up latency is p50 ${µs(percentile(rows, 50))}, p99 ${µs(percentile(rows, 99))}, max ${µs(percentile(rows, 100))} (${rows.filter((v) => v > 100).length} of ${rows.length} above 100 µs). hvsim draws each wake-up's timer interrupt from the calibration run just before (src/scenario/overheads.ts: ${calibrated(c)}, less the constant wake-up path and context switch), so it predicts this case's tail only as well as that separate, shorter run, minutes earlier, describes it: the hypervisor host's load drifts between the two (this VM cannot see it: no steal time), the calibration's p99 rests on its few slowest wake-ups, and the model draws wake-ups independently where the kernel's slow ones come in bursts${c.foreignLoad > CONTENDED ? ` — and here other processes used up to ${c.foreignLoad.toFixed(2)} CPUs, so the hypervisor often had the vCPU off its physical CPU` : ''}.`;
    },
  },
  {
    test: (c) => ['dl-periodic', 'fifo-periodic', 'dl-under-load'].includes(c.caseId) && (c.f.metric.kind === 'response' || c.f.metric.kind === 'responseMax'),
    text: (c) => `${RT_TAIL}: ${responseParts(c, threadOf(c.f)!)}.`,
  },
  {
    // EEVDF wake-up latency of a sleeper that pre-empts at once: hrtimer slack + interrupt, not scheduling.
    test: (c) => c.caseId === 'fair-periodic' && c.f.metric.kind === 'wakeup' && c.f.metric.p === 50,
    text: (c) => {
      const wu = (c.real.rows.get(threadOf(c.f)!) ?? []).filter((r) => r.rel_st >= c.warmupUs && r.slack > 0).map((r) => r.wu_lat);
      return `MACHINE (hrtimer slack + interrupt latency, not EEVDF): most wake-ups of this case pre-empt a loop at once (rules below), so their latency is SCHED_OTHER's 50 µs timer slack plus the timer interrupt. The kernel's quickest wake-ups here (p5 ${µs(percentile(wu, 5))}) leave ${µs(percentile(wu, 5) - 50)} of interrupt latency once the slack is taken off, while the calibration run just before measured a median of ${µs(c.wake.p50)} for a FIFO thread (no slack): the host's load changed between the two, and hvsim drew the timer interrupt from the calibration's distribution (${calibrated(c)}). ${EEVDF_RULES}`;
    },
  },
  {
    // EEVDF (6.6+): waits and mid-job pre-emptions at ticks, per the 6.18 rules; the p50 of a bimodal distribution.
    test: (c) => (c.caseId === 'fair-periodic' || c.caseId === 'fair-4hogs') && c.f.metric.kind !== 'cpuShareSum',
    text: (c) => {
      const thread = threadOf(c.f)!;
      const share = (s: Sample) => {
        const r = responses(s.rows.get(thread) ?? [], c.warmupUs);
        return r.length === 0 ? '—' : `${((100 * r.filter((v) => v > 3000).length) / r.length).toFixed(1)} %`;
      };
      return `MODEL (EEVDF, linux-irmos.md §6.2): ${EEVDF_RULES} Jobs delayed a tick or more (response > 3 ms) — kernel runs ${c.runs.map(share).join(', ')}; hvsim on their grids ${c.runModels.map((m) => share(m[0])).join(', ')}. Near 50 % the median of a two-valued distribution flips between its two values on a job or two, so p50 errors of +100 % or more are that flip, not a different rule; tails still differ where the kernel's interrupt jitter and per-job costs move a wake-up across the 1.4 ms slice boundary (the model's overheads are constant).`;
    },
  },
  {
    // The observer (FIFO 10) runs only when both RR loops sleep, so it wakes on an idle vCPU: its
    // wake-up latency is the hypervisor waking a halted vCPU, not a scheduling decision. Measured
    // here: p50 45–48 µs in the runs of 2026-12-07 10:06 and 141–148 µs at 12:05, same kernel and
    // machine, with the run column unchanged (1007–1013 µs): the halted-vCPU wake drifts with the
    // physical host's state, which the guest cannot see.
    test: (c) => c.caseId === 'rr-observer' && c.f.metric.kind === 'response' && threadOf(c.f) === 'obs',
    text: (c) =>
      `MACHINE (waking a halted vCPU): the observer runs only when both RR loops sleep, so every job wakes on an idle vCPU and its wake-up latency is the hypervisor's wake of a halted vCPU (VM exit/entry and the host's own wake-up path) — no scheduling rule of the guest kernel delays it; ${responseParts(c, 'obs')}. hvsim charges the calibration's FIFO wake-up plus a constant VM exit/entry (the calibration's idle-vCPU median); the kernel's idle-vCPU wake drifts between runs on the same machine (this case's observer woke in 45–48 µs at p50 in an earlier validation, with the same run column), which only a distribution of halted-vCPU wakes measured alongside each case would follow.`,
  },
  {
    // RR pair: who gets which 100 ms quantum.
    test: (c) => c.caseId === 'rr-observer' && c.f.metric.kind === 'cpuShare',
    text: () =>
      'MODEL INPUT (start order, linux-irmos.md §1.2): the two RR loops alternate in 100 ms quanta (sched_rr_timeslice_ms) that carry over their sleeps (task_tick_rt refills a slice only when it is used up), and each `runtime` event ends 150 ms of wall time after it first ran, pre-empted or not; so how the pair splits its time (25/25 % or 33/24 %, as the kernel runs themselves show) follows from which loop got going first after rt-app\'s start barrier — a race. hvsim starts every thread at its timer origin t_first (t_zero, read back from its first row: end − wu_lat − c_period) in the order of their first events (validate/runs.ts threadStarts); a difference left here means that order does not say how the race went (for instance two loops that began within the same µs).',
  },
  {
    // The longest wait: the throttling gap before an RT period boundary (docs/validation-notes.md §2).
    test: (c) => c.caseId === 'fifo-hog-1cpu' && c.f.metric.kind === 'responseMax' && threadOf(c.f) === 'fp1',
    text: (c) =>
      'MODEL (RT throttling seen at ticks beside the fair_server, linux-irmos.md §3.1, §4.6; docs/validation-notes.md §2): the worst wait is the ' +
      'first one, ~950 ms (the server\'s deferral P − Q), unless a job is caught in a throttling gap shorter than itself. Each RT period the ' +
      'server serves 50 ms less the overrun debt of its previous period plus its own overrun, so the hog often reaches 950 ms of rt_time just ' +
      'before the period ends; update_curr_rt sees that only at a tick, so the gap runs from the last tick before the boundary to the boundary ' +
      '(0–4 ms, fixed per run by the tick grid against the RT grid). The fair time run in it restarts the server, exhausted and throttled ' +
      'until its deadline, on a new deferred period (update_curr_dl_se): a job that cannot finish in the gap then waits 950 ms more (1.3–1.5 s). ' +
      'The kernel logs show such gaps of 2.1–3.8 ms in every run, longer than a 1.1 ms job, hence 952 ms; hvsim predicts each run on its ' +
      'measured tick grid (validate/linux.ts), or over 8 tick phases when it was not measured, where phases with a gap under one job give 1.3–1.5 s. ' +
      'Before 2026-12 hvsim throttled RT exactly at 950 ms, which made the gap the server\'s shortfall (under a job) on every grid. Per run — ' +
      perRunText(c) +
      '.',
  },
  {
    // fair_server vs RT throttling: a knife-edge race per RT period, decided by the period grid's phase and µs.
    // The jobs between starvations follow the same split as the share and the misses: a period the
    // server serves runs up to ~45 jobs (50 ms of budget, one job per wake-up) between the hog's
    // starvations, one lived on the throttling gap only the few jobs that fit in that gap.
    test: (c) => c.caseId === 'fifo-hog-1cpu' && ['cpuShare', 'missRatio', 'bursts'].includes(c.f.metric.kind) && threadOf(c.f) === 'fp1',
    text: (c) => {
      const fmt = (v: number) => formatValue(v, c.f.unit);
      const perRun = perRunText(c);
      const alt = c.pre612 === null ? '' : ` For comparison, hvsim with kernel 5.10 (RT throttling alone) predicts ${c.pre612.map((s) => fmt(metricValue(c.f.metric, s, c.warmupUs))).join(' / ')}.`;
      return (
        'MODEL (fair_server against root RT throttling, linux-irmos.md §3.1, §4.6; kernel rules in models/kvm/deadline-fair-server.ts): ' +
        'this RT_GROUP_SCHED kernel keeps the 950 ms / 1 s throttling next to the deferred fair_server, and which of the two serves the task ' +
        'depends on where the RT period grid (sched_rt_period_timer, anchored by whatever RT work started it) falls against the server\'s ' +
        '0-laxity instant, 950 ms after the task first woke. A server that reaches the DL band inside an RT period serves one job per wake-up ' +
        'until its 50 ms are used (up to 5 %, some 45 jobs between two starvations); one whose activation meets the throttling gap has its budget eaten by the idle time there ' +
        '(dl_server_update_idle_time) and the task lives on the gap (0.5 %, the few jobs the gap holds). In between, each period is a tie — the hog\'s 950 ms plus the ' +
        'server\'s 50 ms fill it exactly — broken by µs and by ticks: a tick that finds the budget gone while a job still runs restarts the ' +
        'server\'s period there (update_curr_dl_se), one that does not leaves it to replenish at its deadline; and the hog\'s throttling is ' +
        'seen at ticks only (update_curr_rt), so the gap before an RT boundary is as long as the time from the last tick to it. hvsim gets each ' +
        'kernel run\'s measured RT grid and its measured tick grid (where not measured, every tick phase), so its range spans the outcomes those allow; ' +
        'what it cannot know is the server\'s state left by earlier fair activity on CPU 1 (a start that finds an old deadline ahead keeps it), ' +
        'and any other fair thread there takes its share of the 50 ms (runs with more than 2 ms/s of it are retried). Per run — ' +
        perRun +
        '.' +
        alt
      );
    },
  },
];

/** Per kernel run: its RT period grid, the kernel's figure and hvsim's (median and range over the tick phases). */
function perRunText(c: ExplainContext): string {
  const fmt = (v: number) => formatValue(v, c.f.unit);
  return c.runs
    .map((r, i) => {
      const ph = c.phasesNs?.[i];
      const phase = ph === null || ph === undefined ? 'phase not measured' : `grid at ${(ph / 1e6).toFixed(0)} ms`;
      const own = (c.runModels[i] ?? c.runModels[0]).map((s) => metricValue(c.f.metric, s, c.warmupUs));
      const hv = own.length === 1 ? fmt(own[0]) : `${fmt(percentile(own, 50))} (${fmt(Math.min(...own))} – ${fmt(Math.max(...own))} over the tick phases)`;
      return `${phase}: kernel ${fmt(metricValue(c.f.metric, r, c.warmupUs))}, hvsim ${hv}`;
    })
    .join('; ');
}

export function explain(c: ExplainContext): string {
  const hit = RULES.find((r) => r.test(c));
  return hit ? hit.text(c) : 'UNEXPLAINED — investigate before trusting this case.';
}
