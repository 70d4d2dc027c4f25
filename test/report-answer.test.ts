// The reading's first sentence answers the scenario's question from the results, names the metric
// asked about, and says why with each model's own rule; every model explains every phenomenon.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MODELS } from '../models/index.js';
import { PHENOMENON_NAMES, type Cause } from '../src/engine/phenomena.js';
import { deviceSchedulerCause } from '../src/engine/storage/scheduler-rules.js';
import { InputError } from '../src/errors.js';
import { compare } from '../src/experiments/simulate.js';
import type { IoResult, ModelRun, TaskResult } from '../src/metrics/results.js';
import { answerSentence } from '../src/report/answer.js';
import { readingText } from '../src/report/reading.js';
import { loadScenario, parseScenarioText } from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/types.js';

/** Everything up to the first full stop followed by a space (or the end). */
const firstSentence = (text: string) => text.split(/(?<=\.)\s/)[0];

const base = `
name: q
question: Does the web VMU's latency depend on the backend?
duration: 1s
hosts: [{ id: ph1, cpus: 1 }]
vmus:
  - id: web
    host: ph1
    sla: { budget: 2ms, period: 10ms }
    io: [{ id: requests, kind: net, rate: 100/s, compute: 100us, deadline: 10ms }]
    tasks: [{ id: t1, kind: periodic, period: 10ms, exec: 1ms }]
`;

function scenarioWith(answer: string): Scenario {
  return parseScenarioText(`${base}answer: ${answer}\n`, 'q.yaml', { format: 'yaml' });
}

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('no InputError');
}

const cause = (model: string): Cause => ({ rule: `the rule of ${model}`, ref: `ref §${model.length}` });

/** A run whose requests' p99 is `p99Ns`, with `missed` of 100 over the deadline, and task t1 with `taskMissed` misses. */
function run(model: string, p99Ns: number, missed = 0, taskMissed = 0): ModelRun {
  const io = { id: 'requests', vmu: 'web', kind: 'net', requests: 100, completed: 100, missed, missRatio: missed / 100, path: [], latency: { count: 100, minNs: 0, meanNs: 0, p50Ns: 0, p90Ns: 0, p99Ns, p999Ns: p99Ns, maxNs: p99Ns } } as IoResult;
  const response = { count: 100, minNs: 1, meanNs: 1, p50Ns: 1, p90Ns: 1, p99Ns: 1, p999Ns: 1, maxNs: 1 };
  const task = { id: 't1', judged: 100, missed: taskMissed, missRatio: taskMissed / 100, completed: 100, response, wakeup: response } as TaskResult;
  return { model, family: 'kvm', settings: {}, mapping: [], tasks: [task], vmus: [], hosts: [], io: [io], events: 0, causes: { 'io-path': cause(model), 'reservation-order': cause(model) } };
}

describe('the answer sentence', () => {
  const sc = scenarioWith('{ metric: p99, of: [requests], because: io-path }');

  it('names the metric the question asks about and its bound', () => {
    const s = answerSentence(sc, [run('a', 2_000_000), run('b', 30_000_000)])!;
    expect(s).toMatch(/^The p99 latency of requests stayed within its 10 ms deadline under a \(2 ms\), and exceeded it under b \(30 ms\):/);
  });

  it('flips when the results flip: the other stack holds', () => {
    const one = answerSentence(sc, [run('a', 2_000_000), run('b', 30_000_000)])!;
    const other = answerSentence(sc, [run('a', 30_000_000), run('b', 2_000_000)])!;
    expect(one).toMatch(/within .* under a .* exceeded it under b/);
    expect(other).toMatch(/within .* under b .* exceeded it under a/);
    expect(answerSentence(sc, [run('a', 30_000_000), run('b', 40_000_000)])).toMatch(/^The p99 latency of requests exceeded its 10 ms deadline under a and b/);
  });

  it('cites every model it names with that model’s rule and reference, the failing ones first', () => {
    const s = answerSentence(sc, [run('a', 2_000_000), run('bb', 30_000_000)])!;
    expect(s).toContain(': under bb, the rule of bb (ref §2); under a, the rule of a (ref §1).');
    expect(firstSentence(s)).toBe(s);
  });

  it('says no rule was recorded rather than inventing one', () => {
    const bare = { ...run('a', 2_000_000), causes: undefined };
    expect(answerSentence(sc, [bare])).toContain('under a, no rule recorded for io-path');
  });

  it('judges misses of tasks and I/O together: a stack whose I/O missed does not hold', () => {
    const misses = scenarioWith('{ metric: misses, of: [t1, requests], because: reservation-order }');
    const s = answerSentence(misses, [run('a', 1, 0, 0), run('b', 1, 3, 0), run('c', 1, 0, 5)])!;
    expect(s).toMatch(/^Every deadline of t1 and requests was met under a, and requests missed deadlines under b \(up to 3.00 % of requests\), and t1 under c \(up to 5.00 % of the jobs of t1\):/);
  });

  it('judges a VMU\'s share against its reservation', () => {
    const share = scenarioWith('{ metric: share, of: [web], because: overload-isolation }');
    const withShare = (model: string, cpuShare: number) => ({ ...run(model, 1), causes: { 'overload-isolation': cause(model) }, vmus: [{ id: 'web', cpuShare, reservedShare: 0.2 }] }) as ModelRun;
    expect(answerSentence(share, [withShare('a', 0.1)])).toMatch(/^The CPU share of web fell short of its reservation under a \(10.0 %\)/);
    expect(answerSentence(share, [withShare('a', 0.2), withShare('b', 0.1)])).toMatch(/^The CPU share of web reached its reservation under a \(20.0 %\), and fell short of it under b \(10.0 %\): under b, the rule of b/);
  });

  it('when no model holds every target, names the targets every model held', () => {
    const misses = scenarioWith('{ metric: misses, of: [t1, requests], because: reservation-order }');
    expect(answerSentence(misses, [run('a', 1, 2, 0), run('b', 1, 3, 0)])).toMatch(/^Every deadline of t1 was met under a and b, and requests missed deadlines under a and b \(up to 3.00 % of requests\):/);
  });

  it('answers per target when every model agrees which targets hold (variants compared within one scenario)', () => {
    const variants = scenarioWith('{ metric: p99, of: [t1, requests], because: io-path }');
    expect(answerSentence(variants, [run('a', 30_000_000), run('b', 40_000_000)])).toMatch(/^The p99 response time of t1 stayed within its 10 ms deadline under a and b \(1 ns\), and that of requests exceeded it \(30 ms–40 ms\): under a/);
    // The models disagree: the answer is per model again.
    expect(answerSentence(variants, [run('a', 2_000_000), run('b', 40_000_000)])).toMatch(/^The p99 response time of t1 and requests stayed within their 10 ms deadline under a \(2 ms\), and exceeded it under b/);
  });

  it('opens the reading, before the per-task detail', () => {
    const text = readingText(sc, { runs: [run('a', 2_000_000)], expectations: [] } as never, []);
    expect(firstSentence(text)).toMatch(/^The p99 latency of requests stayed within/);
  });

  it('compares two targets: which is over twice the other, per model', () => {
    const cmp = scenarioWith('{ kind: compares, metric: max, of: [requests, t1], because: io-path }');
    const s = answerSentence(cmp, [run('a', 5_000_000), run('b', 1)])!;
    expect(s).toMatch(/^The worst latency of requests was over twice t1’s under a \(5 ms against 1 ns\) and about the same as t1’s under b/);
  });
});

describe('answer: in a scenario', () => {
  it('refuses an id that is none of the kinds the metric measures, at its pointer', () => {
    const e = inputError(() => scenarioWith('{ metric: p99, of: [reqests], because: io-path }'));
    expect(e.pointer).toBe('/answer/of/0');
    expect(e.hint).toBe('did you mean "requests"?');
    expect(inputError(() => scenarioWith('{ metric: share, of: [t1], because: io-path }')).expected).toMatch(/a VMU/);
  });

  it('refuses a bound where none applies, a wake-up without one, and a comparison of one target', () => {
    expect(inputError(() => scenarioWith('{ metric: misses, of: [t1], bound: 5ms, because: io-path }')).pointer).toBe('/answer/bound');
    expect(inputError(() => scenarioWith('{ metric: wakeup-max, of: [t1], because: io-path }')).pointer).toBe('/answer/bound');
    expect(inputError(() => scenarioWith('{ kind: compares, metric: p99, of: [t1], because: io-path }')).pointer).toBe('/answer/of');
  });

  it('refuses an unknown phenomenon through the schema', () => {
    expect(inputError(() => scenarioWith('{ metric: p99, of: [requests], because: luck }')).pointer).toBe('/answer/because');
  });
});

describe('every model explains every phenomenon', () => {
  // A short run of a bundled scenario under every registered model records each model's cause.
  it.each(PHENOMENON_NAMES)('%s: a rule and a § reference, inside one sentence, from every model', (phenomenon) => {
    const sc = loadScenario('scenarios/rm-vs-edf.yaml');
    const short: Scenario = { ...sc, durationNs: 50_000_000, warmupNs: 0, figures: [], answer: { ...sc.answer!, because: phenomenon } };
    const results = compare(short, MODELS.map((model) => ({ model })));
    for (const r of results.runs) {
      const c = r.causes?.[phenomenon];
      expect(c, r.model).toBeDefined();
      expect(c!.rule.length).toBeGreaterThan(20);
      expect(c!.rule).not.toMatch(/\.\s/);
      expect(c!.ref).toMatch(/\.md §\d/);
    }
    const s = answerSentence(short, results.runs)!;
    expect(firstSentence(s)).toBe(s);
    for (const r of results.runs) expect(s).toMatch(new RegExp(`under [^;]*\\b${r.model}\\b[^;]*, ${escape(r.causes![phenomenon]!.rule)}`));
  });

  it('every bundled scenario names what answers its question', () => {
    for (const f of readdirSync('scenarios').filter((x) => x.endsWith('.yaml'))) {
      expect(loadScenario(`scenarios/${f}`).answer, f).toBeDefined();
    }
  });
});

describe('device-scheduling: the device scheduler’s rule, per target', () => {
  it('cites the rule of each storage stream’s own device scheduler, whatever the model, in one sentence', () => {
    const sc = loadScenario('scenarios/osd-qos.yaml');
    const short: Scenario = { ...sc, durationNs: 300_000_000, warmupNs: 0, figures: [], expectations: [] };
    const results = compare(short, ['kvm-irmos', 'xen-credit'].map((name) => ({ model: MODELS.find((m) => m.name === name)! })));
    const s = answerSentence(short, results.runs)!;
    expect(firstSentence(s)).toBe(s);
    for (const t of short.answer!.of) {
      const host = short.hosts.find((h) => h.id === short.vmus.find((v) => v.io.some((l) => l.id === t.id))!.host)!;
      const rule = deviceSchedulerCause(host.storage!);
      expect(s).toMatch(new RegExp(`under the ${host.storage!.scheduler} device scheduler \\([^)]*\\b${t.id}\\b[^)]*\\), ${escape(rule.rule)} \\(${escape(rule.ref)}\\)`));
    }
    // The models' own I/O-path rules are not what decides here.
    expect(s).not.toContain(results.runs[0].causes!['device-scheduling']!.rule);
  });

  it('states mq-deadline’s rule with the host’s own parameters', () => {
    const rule = deviceSchedulerCause({ device: 'hdd', deviceParams: {}, scheduler: 'mq-deadline', schedulerParams: { readExpireNs: 100_000_000, fifoBatch: 4 } }).rule;
    expect(rule).toContain('up to 4 requests');
    expect(rule).toContain('read_expire 100 ms');
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
