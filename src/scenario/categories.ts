// CPU categories per PH role in scenario files (issue 11; seed §4, figures 4–10): a host's `role`
// and the portions of its CPU for the three main categories, read from percentages, with the checks
// a schema cannot make: the portions fit the host (Σ ≤ 100 %) and every VMU on a host with
// categories has an SLA (seed §4.1.2: "The CPU time for running VMUs must be granted" — a best-effort
// VMU would take VMU time no category grants).

import { describeValue } from '../errors.js';
import type { CpuCategory, HostCategories } from '../engine/system.js';
import type { Checker } from './checks.js';
import type { HostSpec, VmuSpec } from './types.js';

const CATEGORY_NAMES = ['ixb', 'vmu', 'framework'] as const;

const categorySchema = (title: string, description: string) =>
  ({
    type: 'object',
    title,
    description,
    additionalProperties: false,
    required: ['share'],
    properties: {
      share: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?%$', title: 'Share', description: 'Portion of all the host\'s CPUs, e.g. "20%".' },
      fixed: { type: 'boolean', default: false, title: 'Fixed', description: 'A reserved portion (seed figure 6), guaranteed; false: a weight the scheduler honours only under contention.' },
    },
  }) as const;

export const hostRoleSchema = {
  enum: ['ixb-node', 'plain'],
  title: 'Role',
  description: 'The PH\'s role in ISONI (seed §4.1.5, figure 10): an ixb-node forwards inter-node traffic, so its IXB category is larger.',
} as const;

export const hostCategoriesSchema = {
  type: 'object',
  title: 'CPU categories',
  description:
    'Top-level partition of the host\'s CPU (seed §4, figure 6): IXB real-time (the IXB packet work: netback in an ixb driver domain under Xen / vhost under KVM), VMU-granted (the VMUs, each within its SLA), ISONI framework (the host threads). Σ shares ≤ 100 %.',
  additionalProperties: false,
  required: ['ixb', 'vmu', 'framework'],
  properties: {
    ixb: categorySchema('IXB real-time', 'The IXB packet work (seed §4.1.1); it may also use time the others leave.'),
    vmu: categorySchema('VMU-granted', 'The VMUs\' SLAs must fit in it (seed §4.1.2); admission checks Σ budget/period × vCPUs.'),
    framework: categorySchema('ISONI framework', 'Host threads: ISONI node and domain functions, monitoring (seed §4.1.3, non-real-time).'),
  },
} as const;

type RawCategory = { share: string; fixed?: boolean };
type RawCategories = Record<(typeof CATEGORY_NAMES)[number], RawCategory>;

/** "20%" → 0.2 (the schema has checked the form). */
const fraction = (share: string) => Number(share.slice(0, -1)) / 100;

export function normalizeHostCategories(raw: RawCategories, pointer: string, check: Checker): HostCategories {
  const read = (name: (typeof CATEGORY_NAMES)[number]): CpuCategory => {
    const share = fraction(raw[name].share);
    if (!(share > 0 && share <= 1)) check.fail(`${pointer}/${name}/share`, 'a portion > 0% and ≤ 100%', describeValue(raw[name].share));
    return { share, fixed: raw[name].fixed ?? false };
  };
  const categories: HostCategories = { ixb: read('ixb'), vmu: read('vmu'), framework: read('framework') };
  const sum = CATEGORY_NAMES.reduce((a, n) => a + categories[n].share, 0);
  // 1e-9: "33.3%" three times is 99.9 %, but float sums of exact percentages may round above 1.
  if (sum > 1 + 1e-9) {
    check.fail(pointer, 'category shares that sum to ≤ 100% of the host', `${CATEGORY_NAMES.map((n) => raw[n].share).join(' + ')} = ${percent(sum)}`, 'lower a share: the three categories partition one host');
  }
  return categories;
}

export const percent = (x: number) => `${Math.round(x * 1e4) / 100}%`;

export function serializeHostCategories(c: HostCategories): RawCategories {
  const one = (x: CpuCategory): RawCategory => ({ share: percent(x.share), ...(x.fixed && { fixed: true }) });
  return { ixb: one(c.ixb), vmu: one(c.vmu), framework: one(c.framework) };
}

/** Every VMU on a host with categories has an SLA: the VMU category grants CPU time only through SLAs. */
export function checkCategorisedVmus(hosts: HostSpec[], vmus: VmuSpec[], check: Checker): void {
  vmus.forEach((v, i) => {
    const host = hosts.find((h) => h.id === v.host);
    if (host?.categories !== undefined && v.sla === undefined) {
      check.fail(`/vmus/${i}/sla`, `an SLA: host ${host.id} declares CPU categories, and the VMU category grants CPU only through SLAs (seed §4.1.2)`, 'nothing', 'give the VMU an sla, or drop the host\'s categories');
    }
  });
}
