// sch_htb's round robin (htb-round-robin.ts; net/sched/sch_htb.c htb_lookup_leaf, htb_dequeue_tree;
// io-qos.md §2.2): leaves of one prio borrowing at one level share by deficit round robin with their
// quanta; an inner class keeps its parent's turn for one round of its own children; a lower prio
// number is offered the spare first.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServedRequest } from '../src/engine/device.js';
import { QDISCS } from '../src/engine/qdisc.js';
import { checked, closedLoop } from './helpers/qdisc.js';

const kB = 1000;
const T = 20e9;
const create = (params: Record<string, unknown>) => QDISCS.htb.create<ServedRequest>(params) as ReturnType<typeof QDISCS.htb.create<ServedRequest>> & { borrowed: number };
const bytesOf = (completions: Map<string, number[]>, flow: string, packet: number) => (completions.get(flow)?.length ?? 0) * packet;

describe('HTB round robin (sch_htb feeds and DRR)', () => {
  it('two leaves borrowing from one parent share its spare in the ratio of their quanta, within a round', () => {
    fc.assert(
      // Quanta of at least a packet, as the HTB user guide asks (quantum ≥ MTU).
      fc.property(fc.integer({ min: 1500, max: 20_000 }), fc.integer({ min: 1500, max: 20_000 }), fc.constantFrom(200, 576, 1000, 1500), (qa, qb, packet) => {
        // Leaves with a negligible rate of their own: nearly every byte is borrowed from P.
        const htb = create({
          rate: 100 * kB,
          classes: [
            { name: 'P', rate: 100 * kB },
            { name: 'a', rate: 1, ceil: 100 * kB, quantum: qa, burst: packet, parent: 'P' },
            { name: 'b', rate: 1, ceil: 100 * kB, quantum: qb, burst: packet, parent: 'P' },
          ],
        });
        const { completions } = closedLoop(checked(htb), ['a', 'b'].map((flow) => ({ flow, outstanding: 20, bytes: packet })), { serviceNs: 1000, untilNs: T / 4 });
        const a = bytesOf(completions, 'a', packet);
        const b = bytesOf(completions, 'b', packet);
        expect(htb.borrowed).toBeGreaterThan(0);
        // n turns send n quanta to within a packet each; the round in progress adds at most a quantum and a packet,
        // and the leaf's own burst (one packet) sent green at level 0.
        expect(Math.abs(a / qa - b / qb)).toBeLessThanOrEqual(2 + (3 * packet) / Math.min(qa, qb));
        expect(a + b).toBeGreaterThan(0.95 * 100 * kB * (T / 4 / 1e9));
      }),
      { numRuns: 10, seed: 31 },
    );
  });

  it('quanta below the packet size: a turn still sends one packet (the deficit is checked after it), so shares go by packets', () => {
    const htb = create({
      rate: 100 * kB,
      classes: [
        { name: 'P', rate: 100 * kB },
        { name: 'a', rate: 1, ceil: 100 * kB, quantum: 200, burst: kB, parent: 'P' },
        { name: 'b', rate: 1, ceil: 100 * kB, quantum: 400, burst: kB, parent: 'P' },
      ],
    });
    const { completions } = closedLoop(checked(htb), ['a', 'b'].map((flow) => ({ flow, outstanding: 20, bytes: kB })), { serviceNs: 1000, untilNs: T / 4 });
    expect(Math.abs(completions.get('a')!.length - completions.get('b')!.length)).toBeLessThanOrEqual(1);
  });

  it("an inner class keeps its parent's turn for one round of its own children (htb_lookup_leaf): a1, a2, then b — not the class list's order", () => {
    // Everything below the root borrows from it: X, Y and the leaves have a negligible rate.
    const tiny = { rate: 1, ceil: 100 * kB, quantum: kB, burst: kB };
    const htb = create({
      rate: 100 * kB,
      classes: [
        { name: 'X', ...tiny },
        { name: 'Y', ...tiny },
        { name: 'a1', ...tiny, parent: 'X' },
        { name: 'b', ...tiny, parent: 'Y' },
        { name: 'a2', ...tiny, parent: 'X' },
      ],
    });
    const order = checked(htb);
    closedLoop(order, ['a1', 'b', 'a2'].map((flow) => ({ flow, outstanding: 5, bytes: kB })), { serviceNs: 1000, untilNs: 1e9 });
    const flows = order.started.map((s) => s.request.flow);
    expect(flows.length).toBeGreaterThan(90);
    // After the first green packets, one packet per turn (quantum = packet) in the feeds' order.
    const steady = flows.slice(30, 90).join(' ');
    const rounds = ['a1 a2 b', 'a2 b a1', 'b a1 a2'].map((round) => Array.from({ length: 20 }, () => round).join(' '));
    expect(rounds).toContain(steady);
    // Equal quanta: each leaf a third of the packets all the same.
    for (const flow of ['a1', 'a2', 'b']) expect(flows.slice(30, 90).filter((f) => f === flow).length).toBe(20);
  });

  it('borrowing, a lower prio number is offered the spare first; the other keeps its own rate; ceil caps the first', () => {
    const tree = (hiCeil: number) =>
      create({
        rate: 100 * kB,
        classes: [
          { name: 'P', rate: 100 * kB },
          { name: 'hi', rate: 10 * kB, ceil: hiCeil * kB, prio: 0, parent: 'P' },
          { name: 'lo', rate: 10 * kB, ceil: 100 * kB, prio: 1, parent: 'P' },
        ],
      });
    const rate = (c: Map<string, number[]>, flow: string) => bytesOf(c, flow, kB) / (T / 1e9) / kB;
    const run = (hiCeil: number) => closedLoop(checked(tree(hiCeil)), ['hi', 'lo'].map((flow) => ({ flow, outstanding: 50, bytes: kB })), { serviceNs: 1000, untilNs: T }).completions;
    const all = run(100);
    expect(rate(all, 'hi')).toBeCloseTo(90, 0);
    expect(rate(all, 'lo')).toBeCloseTo(10, 0);
    const capped = run(50);
    expect(rate(capped, 'hi')).toBeCloseTo(50, 0);
    expect(rate(capped, 'lo')).toBeCloseTo(50, 0);
  });
});
