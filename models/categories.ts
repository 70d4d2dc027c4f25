// CPU categories per PH role (issue 11; seed §4, figures 4–10), the part every model shares:
// admission of the VMUs into the VMU-granted category, and the mapping rows that say what the
// categories are on a host. How a stack enforces them is the model's (kvm-irmos: irmos-categories.ts);
// a model that does not enforce them yet says so in its row rather than pretend.
//
// Admission (seed §4.1.2: "The CPU time for running VMUs must be granted"; seed §4.1.5: the portion
// "is the basis for the ResourceManager Node to report available CPU resources"): Σ over the host's
// VMUs of vCPUs × budget / period ≤ the VMU share × the host's CPUs. Σ shares ≤ 100 % is checked when
// the scenario is read (src/scenario/categories.ts); a model's own bound (IRMOS Σ Q/P ≤ 0.95 per
// CPU) then applies to the reservations that enforce the categories.

import type { HostCategories } from '../src/engine/system.js';
import type { HostSetup, SlaMappingRow } from '../src/engine/model.js';
import { InputError } from '../src/errors.js';
import { percent } from '../src/scenario/categories.js';
import { vmusOnHost } from './population.js';

export type CategoryName = keyof HostCategories;

/** What runs in each category (seed §4.1.1–4.1.3), for the mapping rows. */
const CONTENTS: Record<CategoryName, string> = {
  ixb: 'IXB packet work',
  vmu: 'the VMUs',
  framework: 'host threads (ISONI framework)',
};

const LABEL: Record<CategoryName, string> = { ixb: 'IXB real-time', vmu: 'VMU-granted', framework: 'ISONI framework' };

/** CPUs the host's VMUs' SLAs ask for: Σ vCPUs × budget / period. */
export function vmuDemand(setup: HostSetup): number {
  return vmusOnHost(setup).reduce((sum, v) => sum + (v.vmu.sla ? (v.vmu.vcpus * v.vmu.sla.budget) / v.vmu.sla.period : 0), 0);
}

/**
 * The host's categories after admission of its VMUs into the VMU category; undefined when the host
 * declares none. Throws the InputError that makes the model's result a refusal.
 */
export function admitCategories(setup: HostSetup): HostCategories | undefined {
  const categories = setup.host.categories;
  if (categories === undefined) return undefined;
  const capacity = categories.vmu.share * setup.host.cpus;
  let sum = 0;
  for (const v of vmusOnHost(setup)) {
    if (!v.vmu.sla) continue;
    sum += (v.vmu.vcpus * v.vmu.sla.budget) / v.vmu.sla.period;
    // 1e-9: bandwidths that fill the category exactly must pass despite float rounding.
    if (sum > capacity + 1e-9) {
      throw new InputError({
        file: setup.scenario.file,
        pointer: `${v.pointer}/sla`,
        expected: `VMUs that fit the VMU-granted category of host ${setup.host.id} (Σ vCPUs × budget/period ≤ ${percent(categories.vmu.share)} × ${setup.host.cpus} CPU = ${round(capacity)} CPU; seed §4.1.2)`,
        found: `Σ = ${round(sum)} CPU up to VMU ${v.vmu.id}`,
        hint: 'place the VMU on another PH, lower its budget, or raise the host\'s categories.vmu.share',
      });
    }
  }
  return categories;
}

/** One mapping row per category: its portion, what runs in it, and how this model realises it. */
export function categoryRow(setup: HostSetup, name: CategoryName, native: string): SlaMappingRow {
  const c = setup.host.categories![name];
  const role = setup.host.role === undefined ? '' : ` (${setup.host.role} ${setup.host.id})`;
  return {
    entity: `category ${LABEL[name]}${role}`,
    requested: `${percent(c.share)} of ${setup.host.cpus} CPU ${c.fixed ? 'fixed' : 'left to the scheduler'}: ${CONTENTS[name]}`,
    native,
  };
}

/**
 * Rows for a model that checks admission but does not enforce the categories yet: each says what
 * actually schedules that category's work, so the report does not claim a partition that is not there.
 */
export function unenforcedCategoryRows(setup: HostSetup, model: string, where: Record<CategoryName, string>): SlaMappingRow[] {
  if (setup.host.categories === undefined) return [];
  return (['ixb', 'vmu', 'framework'] as const).map((n) =>
    categoryRow(setup, n, n === 'vmu' ? `admission only (Σ VMU SLAs ≤ the category); ${where.vmu}` : `not enforced by ${model} yet: ${where[n]}`),
  );
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;
