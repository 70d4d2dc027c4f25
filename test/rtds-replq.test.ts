// RTDS's ReplQ as a heap (models/xen/rtds-replq.ts, issue 14: scale) must give the order of the scan
// it replaces: the queued vCPU of earliest deadline, the first admitted among equals.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReplQueue, type ReplMember } from '../models/xen/rtds-replq.js';

interface Member extends ReplMember {
  deadline: number;
  queued: boolean;
}

/** What RtdsClass did before: scan every vCPU for the earliest queued one, first in admission order on ties. */
function scanHead(all: Member[]): Member | null {
  let best: Member | null = null;
  for (const x of all) if (x.queued && (best === null || x.deadline < best.deadline)) best = x;
  return best;
}

const op = fc.record({ kind: fc.constantFrom('add', 'delete', 'move', 'pop'), who: fc.nat(11), deadline: fc.integer({ min: 0, max: 8 }) });

describe('RTDS ReplQ heap', () => {
  it('has at its head what a scan in admission order finds, through adds, deletes and deadline moves', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const all: Member[] = Array.from({ length: 12 }, (_, index) => ({ index, deadline: 0, replSlot: -1, queued: false }));
        const q = new ReplQueue<Member>();
        for (const o of ops) {
          const v = all[o.who];
          if (o.kind === 'add') {
            v.deadline = o.deadline;
            q.add(v);
            v.queued = true;
          } else if (o.kind === 'delete') {
            q.delete(v);
            v.queued = false;
          } else if (o.kind === 'move') {
            v.deadline += o.deadline; // a replenishment moves the deadline later
            q.changed(v);
          } else {
            // The replenishment handler: take the head and push its deadline past the others'.
            const h = q.head();
            if (h !== null) {
              h.deadline += 9;
              q.changed(h);
            }
          }
          expect(q.head()).toBe(scanHead(all));
          expect(q.size).toBe(all.filter((x) => x.queued).length);
          for (const x of all) expect(q.has(x)).toBe(x.queued);
        }
      }),
      { numRuns: 300, seed: 14 },
    );
  });
});
