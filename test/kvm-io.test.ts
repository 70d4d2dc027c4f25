// The KVM I/O path (linux-irmos.md §7.2, §7.3): a request crosses the VMU's vhost thread, the
// guest, and vhost again; where the vhost thread is scheduled shows in the request latency.
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../src/scenario/types.js';
import { simulate } from '../src/experiments/simulate.js';
import { kvmIrmos } from '../models/kvm/kvm-irmos.js';
import { kvmDeadline, kvmLinux } from '../models/kvm/kvm-linux.js';
import { busyTask, ms, s, scenario, us, vmu, netLoad } from './helpers/scenario.js';

const web = netLoad('requests', 200, us(100));

/**
 * A reserved web VMU next to two reserved VMUs spinning through their budgets and a best-effort
 * one spinning too: the host is busy, and what is outside every reservation runs only in the gaps.
 */
function busyHost(): Scenario {
  const reserved = (id: string) => ({
    ...vmu(id, [busyTask(`${id}-spin`)]),
    sla: { budget: ms(3), period: ms(10), deadline: ms(10) },
  });
  return scenario({
    durationNs: s(10),
    warmupNs: ms(200),
    vmus: [
      { ...vmu('web', []), sla: { budget: ms(1), period: ms(4), deadline: ms(4) }, io: [web] },
      reserved('hog1'),
      reserved('hog2'),
      vmu('batch', [busyTask('batch-spin', { policy: { class: 'fair', nice: 0 } })], { guest: { scheduler: 'fair', tickNs: ms(4) } }),
    ],
  });
}

const p99 = (run: ReturnType<typeof simulate>) => run.io.find((l) => l.id === 'requests')!.latency.p99Ns;

describe('KVM vhost placement', () => {
  for (const [name, model] of [['kvm-irmos', kvmIrmos], ['kvm-linux', kvmLinux], ['kvm-deadline', kvmDeadline]] as const) {
    it(`${name}: with vhost outside the reservation on a busy host I/O latency suffers; inside it does not`, () => {
      const outside = simulate(busyHost(), model, { params: { ioThreads: 'outside' }, pointer: '/models/0' });
      const inside = simulate(busyHost(), model, { params: { ioThreads: 'inside' }, pointer: '/models/0' });
      const requests = outside.io[0].requests;
      expect(requests).toBeGreaterThan(1500); // ~200/s over 9.8 s
      expect(inside.io[0].completed).toBeGreaterThan(requests * 0.99);
      // Outside, vhost runs only when no reservation wants the CPU, twice per request.
      expect(p99(outside)).toBeGreaterThan(ms(2));
      expect(p99(inside)).toBeLessThan(p99(outside) / 3);
      // Every request crossed vhost twice: its CPU time is there.
      const vhost = inside.tasks.find((t) => t.id === 'web.vhost')!;
      expect(vhost.completed).toBeGreaterThanOrEqual(2 * inside.io[0].completed - 2);
    });
  }

  it('the path a request crosses is reported', () => {
    const run = simulate(busyHost(), kvmIrmos);
    expect(run.io[0].path).toEqual(['vhost RX (web.vhost)', 'guest handler (requests)', 'vhost TX (web.vhost)', 'wire']);
  });
});
