// Network qdiscs of the IXB (io-qos.md §2.1–§2.3): TBF's envelope (never more than
// burst + rate·t in a window of length t), HTB's guarantees (a backlogged class gets at least its
// rate, never more than its ceil, spare split by quantum: the HTB user guide's examples, flat and
// with inner classes, io-qos.md A6), DRR byte shares in proportion to quanta, and strict priority.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QDISCS } from '../src/engine/qdisc.js';
import { checked, closedLoop, serve } from './helpers/qdisc.js';

/** Bytes started in every window [t_i, t_j] of `started` never exceed burst + rate·(t_j − t_i). */
function maxExcess(started: { at: number; bytes: number }[], rate: number, burst: number): number {
  let worst = -Infinity;
  for (let i = 0; i < started.length; i++) {
    let bytes = 0;
    for (let j = i; j < started.length; j++) {
      bytes += started[j].bytes;
      worst = Math.max(worst, bytes - (burst + (rate * (started[j].at - started[i].at)) / 1e9));
    }
  }
  return worst;
}

const packets = fc.array(fc.record({ gap: fc.integer({ min: 0, max: 2_000_000 }), bytes: fc.integer({ min: 64, max: 1500 }) }), { minLength: 1, maxLength: 60 });

describe('TBF (io-qos.md §2.1, A7)', () => {
  it('never starts more than burst + rate·t bytes in any window of length t, nor more than the bucket at once', () => {
    fc.assert(
      fc.property(packets, fc.integer({ min: 100_000, max: 50_000_000 }), fc.integer({ min: 1500, max: 20_000 }), (raw, rate, burst) => {
        let at = 0;
        const subs = raw.map((p) => ({ at: (at += p.gap), serviceNs: 1, bytes: p.bytes, flow: 'f' }));
        const tbf = checked(QDISCS.tbf.create({ rate, burst, limitBytes: 1e9 }));
        const { finished } = serve(tbf, 1, subs);
        const started = tbf.started.map((s) => ({ at: s.at, bytes: s.request.bytes }));
        expect(maxExcess(started, rate, burst)).toBeLessThanOrEqual(1e-3);
        // Same-instant starts are one burst: at most the bucket.
        const byInstant = new Map<number, number>();
        for (const s of started) byInstant.set(s.at, (byInstant.get(s.at) ?? 0) + s.bytes);
        for (const b of byInstant.values()) expect(b).toBeLessThanOrEqual(burst);
        // Work to do is never left undone: everything was served (the limit is huge).
        expect(finished.every((f) => Number.isFinite(f))).toBe(true);
      }),
      { numRuns: 150, seed: 21 },
    );
  });

  it('a saturating source averages the rate: N packets of L bytes take (N·L − burst)/rate after the first burst', () => {
    const rate = 1_000_000; // 1 MB/s
    const burst = 15_000;
    const n = 200;
    const tbf = checked(QDISCS.tbf.create({ rate, burst, limitBytes: 1e9 }));
    serve(tbf, 1, Array.from({ length: n }, () => ({ at: 0, serviceNs: 1, bytes: 1500 })));
    const last = tbf.started[n - 1].at;
    expect(last).toBeGreaterThanOrEqual(((n * 1500 - burst) / rate) * 1e9);
    expect(last).toBeLessThanOrEqual(((n * 1500 - burst) / rate) * 1e9 + n);
    // The first burst/L packets go out back to back (one per ns on this 1 ns server), the next waits for tokens.
    expect(tbf.started.slice(0, burst / 1500).map((s) => s.at)).toEqual(Array.from({ length: burst / 1500 }, (_, k) => k));
    expect(tbf.started[burst / 1500].at).toBeGreaterThan(1000);
  });

  it('drops what exceeds its byte limit, and a packet larger than the bucket', () => {
    const { server } = serve(QDISCS.tbf.create({ rate: 1000, burst: 3000, limitBytes: 3000 }), 16, [
      ...Array.from({ length: 8 }, () => ({ at: 0, serviceNs: 1, bytes: 1000 })),
      { at: 1, serviceNs: 1, bytes: 4000 },
    ]);
    // 3 leave at once on the full bucket, 3 fill the 3000-byte queue, 2 + the oversized one are dropped.
    expect(server.dropped).toBe(3);
  });
});

describe('HTB (io-qos.md §2.2, A6)', () => {
  const kB = 1000;
  // The HTB user guide's flat example: root 100 kB/s, leaves 30/10/60 kB/s, all with ceil 100.
  const guide = () =>
    QDISCS.htb.create({
      rate: 100 * kB,
      classes: [
        { name: 'a', rate: 30 * kB, ceil: 100 * kB },
        { name: 'b', rate: 10 * kB, ceil: 100 * kB },
        { name: 'c', rate: 60 * kB, ceil: 100 * kB },
      ],
    });
  const T = 20e9;
  const rateOf = (c: number[] | undefined) => ((c?.length ?? 0) * kB) / (T / 1e9);
  const stream = (flow: string) => ({ flow, outstanding: 50, bytes: kB });

  it('all backlogged: each leaf gets its rate (30/10/60)', () => {
    const { completions } = closedLoop(checked(guide()), ['a', 'b', 'c'].map(stream), { serviceNs: 1000, untilNs: T });
    expect(rateOf(completions.get('a')) / kB).toBeCloseTo(30, 0);
    expect(rateOf(completions.get('b')) / kB).toBeCloseTo(10, 0);
    expect(rateOf(completions.get('c')) / kB).toBeCloseTo(60, 0);
  });

  it('c idle: the spare 60 is split 3:1 by quantum (75/25); only b active: b gets 100', () => {
    const two = closedLoop(checked(guide()), ['a', 'b'].map(stream), { serviceNs: 1000, untilNs: T }).completions;
    expect(rateOf(two.get('a')) / kB).toBeCloseTo(75, 0);
    expect(rateOf(two.get('b')) / kB).toBeCloseTo(25, 0);
    const one = closedLoop(checked(guide()), [stream('b')], { serviceNs: 1000, untilNs: T }).completions;
    expect(rateOf(one.get('b')) / kB).toBeCloseTo(100, 0);
  });

  it('a backlogged leaf gets at least its rate and never more than ceil·t + cburst; it borrows only when there is spare', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ rate: fc.integer({ min: 5, max: 40 }), extra: fc.integer({ min: 0, max: 60 }), active: fc.boolean() }), { minLength: 1, maxLength: 4 }), (spec) => {
        const classes = spec.map((c, i) => ({ name: `k${i}`, rate: c.rate * kB, ceil: (c.rate + c.extra) * kB }));
        const root = Math.max(100, spec.reduce((a, c) => a + c.rate, 0)) * kB;
        const htb = QDISCS.htb.create({ rate: root, classes }) as ReturnType<typeof QDISCS.htb.create> & { borrowed: number };
        const active = classes.filter((_, i) => spec[i].active || i === 0);
        const until = 5e9;
        const { completions } = closedLoop(checked(htb), active.map((c) => stream(c.name)), { serviceNs: 1000, untilNs: until });
        for (const c of active) {
          const bytes = (completions.get(c.name)?.length ?? 0) * kB;
          const secs = until / 1e9;
          const cburst = c.ceil / 1000 + 1600;
          expect(bytes).toBeLessThanOrEqual(c.ceil * secs + cburst + kB);
          expect(bytes).toBeGreaterThanOrEqual(Math.min(c.rate, root) * secs - 2 * kB);
        }
        const spare = root > active.reduce((a, c) => a + c.rate, 0);
        const canBorrow = active.some((c) => c.ceil > c.rate);
        expect(htb.borrowed > 0).toBe(spare && canBorrow);
      }),
      { numRuns: 25, seed: 22 },
    );
  });
});

describe('HTB inner classes (io-qos.md §2.2, A6 hierarchical)', () => {
  const kB = 1000;
  const T = 20e9;
  const rateOf = (c: number[] | undefined) => ((c?.length ?? 0) * kB) / (T / 1e9);
  const stream = (flow: string) => ({ flow, outstanding: 50, bytes: kB });
  // The HTB user guide's tree: root 100 kB/s; A (rate 40) over www (30) and smtp (10); B (60).
  const tree = (o: { aCeil?: number; smtpCeil?: number } = {}) =>
    QDISCS.htb.create({
      rate: 100 * kB,
      classes: [
        { name: 'A', rate: 40 * kB, ceil: (o.aCeil ?? 100) * kB },
        { name: 'www', rate: 30 * kB, ceil: 100 * kB, parent: 'A' },
        { name: 'smtp', rate: 10 * kB, ceil: (o.smtpCeil ?? 100) * kB, parent: 'A' },
        { name: 'B', rate: 60 * kB, ceil: 100 * kB },
      ],
    }) as ReturnType<typeof QDISCS.htb.create> & { borrowed: number };
  const run = (htb: ReturnType<typeof tree>, active: string[]) => closedLoop(checked(htb), active.map(stream), { serviceNs: 1000, untilNs: T }).completions;

  it('all backlogged: each leaf its rate (www 30, smtp 10, B 60), nothing borrowed', () => {
    const htb = tree();
    const c = run(htb, ['www', 'smtp', 'B']);
    expect(rateOf(c.get('www')) / kB).toBeCloseTo(30, 0);
    expect(rateOf(c.get('smtp')) / kB).toBeCloseTo(10, 0);
    expect(rateOf(c.get('B')) / kB).toBeCloseTo(60, 0);
    expect(htb.borrowed).toBe(0);
  });

  it('www stops: smtp borrows inside A first and takes A\'s 40, B stays at 60', () => {
    const htb = tree();
    const c = run(htb, ['smtp', 'B']);
    expect(rateOf(c.get('smtp')) / kB).toBeCloseTo(40, 0);
    expect(rateOf(c.get('B')) / kB).toBeCloseTo(60, 0);
    expect(htb.borrowed).toBeGreaterThan(0);
  });

  it('A wants less than its 40 (smtp alone, ceil 20): the excess goes to B', () => {
    const c = run(tree({ smtpCeil: 20 }), ['smtp', 'B']);
    expect(rateOf(c.get('smtp')) / kB).toBeCloseTo(20, 0);
    expect(rateOf(c.get('B')) / kB).toBeCloseTo(80, 0);
  });

  it('ceil variant, B idle: A capped at its ceil 60 in total and smtp at 20', () => {
    const c = run(tree({ aCeil: 60, smtpCeil: 20 }), ['www', 'smtp']);
    expect(rateOf(c.get('smtp')) / kB).toBeLessThanOrEqual(20.1);
    expect((rateOf(c.get('www')) + rateOf(c.get('smtp'))) / kB).toBeCloseTo(60, 0);
    // A's 20 of borrowed spare divides 3:1 by quantum (3000 : 1000 B), under smtp's ceil.
    expect(rateOf(c.get('smtp')) / kB).toBeCloseTo(15, 0);
  });

  it('refuses a parent that is not a class, a cycle, and a default class that is a parent', () => {
    expect(() => QDISCS.htb.create({ rate: 1000, classes: [{ name: 'a', rate: 10, parent: 'x' }] })).toThrow(/parent x is not a class/);
    expect(() => QDISCS.htb.create({ rate: 1000, classes: [{ name: 'a', rate: 10, parent: 'b' }, { name: 'b', rate: 10, parent: 'a' }, { name: 'c', rate: 10 }] })).toThrow(/cycle/);
    expect(() => QDISCS.htb.create({ rate: 1000, classes: [{ name: 'a', rate: 10, parent: 'b' }, { name: 'b', rate: 10 }] })).toThrow(/default \(last\) class must be a leaf/);
  });

  // A green leaf sends on its own rate without asking its ancestors (sch_htb: a class's mode is its own
  // buckets'), so an inner class's children can overrun its ceil bucket by their rate bursts.
  it('in any two-level tree, no inner class sends more than ceil·t + cburst + its children\'s bursts, and a backlogged leaf gets at least its rate', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ kids: fc.array(fc.record({ rate: fc.integer({ min: 5, max: 20 }), extra: fc.integer({ min: 0, max: 40 }), active: fc.boolean() }), { minLength: 1, maxLength: 3 }), extra: fc.integer({ min: 0, max: 40 }) }), { minLength: 1, maxLength: 3 }),
        (groups) => {
          const classes: { name: string; rate: number; ceil: number; parent?: string }[] = [];
          const leaves: { name: string; rate: number; ceil: number; group: number; active: boolean }[] = [];
          groups.forEach((g, i) => {
            // A parent's rate equals the sum of its children's (io-qos.md §2.2 "Resulting rules").
            const rate = g.kids.reduce((a, k) => a + k.rate, 0) * kB;
            classes.push({ name: `g${i}`, rate, ceil: rate + g.extra * kB });
            g.kids.forEach((k, j) => leaves.push({ name: `g${i}k${j}`, rate: k.rate * kB, ceil: (k.rate + k.extra) * kB, group: i, active: k.active || (i === 0 && j === 0) }));
          });
          const root = Math.max(100 * kB, classes.reduce((a, c) => a + c.rate, 0));
          const htb = QDISCS.htb.create({ rate: root, classes: [...classes, ...leaves.map((l) => ({ name: l.name, rate: l.rate, ceil: l.ceil, parent: `g${l.group}` }))] });
          const until = 4e9;
          const active = leaves.filter((l) => l.active);
          const { completions } = closedLoop(checked(htb), active.map((l) => stream(l.name)), { serviceNs: 1000, untilNs: until });
          const secs = until / 1e9;
          const sent = (name: string) => (completions.get(name)?.length ?? 0) * kB;
          for (const l of active) expect(sent(l.name)).toBeGreaterThanOrEqual(l.rate * secs - 2 * kB);
          classes.forEach((c, i) => {
            const kids = leaves.filter((l) => l.group === i);
            const bytes = kids.reduce((a, l) => a + sent(l.name), 0);
            const bursts = kids.reduce((a, l) => a + l.rate / 1000 + 1600, 0);
            expect(bytes).toBeLessThanOrEqual(c.ceil * secs + c.ceil / 1000 + 1600 + bursts + kB);
          });
        },
      ),
      { numRuns: 20, seed: 23 },
    );
  });
});

describe('DRR (io-qos.md §2.3)', () => {
  it('backlogged classes get byte shares in proportion to their quanta, whatever their packet sizes', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ quantum: fc.integer({ min: 1500, max: 9000 }), bytes: fc.integer({ min: 64, max: 1500 }) }), { minLength: 2, maxLength: 4 }), (spec) => {
        const classes = spec.map((c, i) => ({ name: `k${i}`, quantum: c.quantum }));
        const { completions } = closedLoop(
          checked(QDISCS.drr.create({ classes })),
          spec.map((c, i) => ({ flow: `k${i}`, outstanding: 20, bytes: c.bytes })),
          { serviceNs: 1000, untilNs: 3_000_000 },
        );
        const bytes = spec.map((c, i) => (completions.get(`k${i}`)?.length ?? 0) * c.bytes);
        const rounds = bytes[0] / spec[0].quantum;
        spec.forEach((c, i) => {
          // Each class sends its quantum per round, give or take one packet and one quantum of carried deficit.
          expect(Math.abs(bytes[i] - rounds * c.quantum)).toBeLessThanOrEqual(2 * 9000 + 1500);
        });
      }),
      { numRuns: 30, seed: 23 },
    );
  });
});

describe('strict priority (io-qos.md §2.3)', () => {
  it('a lower class starts a packet only when no higher-class packet is waiting', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ gap: fc.integer({ min: 0, max: 3000 }), band: fc.integer({ min: 0, max: 2 }) }), { minLength: 1, maxLength: 60 }), (raw) => {
        let at = 0;
        const subs = raw.map((p) => ({ at: (at += p.gap), serviceNs: 1000, bytes: 100, flow: `b${p.band}` }));
        const prio = checked(QDISCS.prio.create({ classes: [{ name: 'b0' }, { name: 'b1' }, { name: 'b2' }] }));
        serve(prio, 1, subs);
        const startOf = new Map(prio.started.map((s) => [s.request, s.at]));
        for (const s of prio.started) {
          const band = Number(s.request.flow.slice(1));
          // Every packet of a higher band that had arrived by now had already started.
          for (const [r, start] of startOf) {
            if (Number(r.flow.slice(1)) < band && r.arrivalNs <= s.at) expect(start).toBeLessThanOrEqual(s.at);
          }
        }
      }),
      { numRuns: 100, seed: 24 },
    );
  });

  it('per-class packet limits drop at the full class only', () => {
    const { server } = serve(QDISCS.prio.create({ classes: [{ name: 'hi', limitPackets: 2 }, { name: 'lo', limitPackets: 10 }] }), 1, [
      ...Array.from({ length: 5 }, () => ({ at: 0, serviceNs: 1000, bytes: 100, flow: 'hi' })),
      ...Array.from({ length: 5 }, () => ({ at: 0, serviceNs: 1000, bytes: 100, flow: 'lo' })),
    ]);
    // The first hi starts at once; 2 wait; 2 are dropped. All 5 lo fit.
    expect(server.dropped).toBe(2);
  });
});
