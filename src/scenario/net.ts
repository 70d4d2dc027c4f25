// The IXB packet path of a scenario (issue 11): a host's IXB costs, links, each VMU's virtual link
// and the flows, resolved to the engine's IxbSpec / LinkSpec / VirtualLinkSpec / FlowSpec, with the
// checks a schema cannot make: flows name VMUs that exist (did you mean…?), hosts with flows between
// them are linked, classes exist in the discipline that should hold them, an HTB's classes fit its
// root, bandwidths are > 0.

import { describeValue } from '../errors.js';
import { DEFAULT_IXB } from '../engine/net/ixb.js';
import type { QdiscSpec } from '../engine/qdisc.js';
import type { ExecDist, FlowArrival, FlowSpec, IxbSpec, LinkSpec, VirtualLinkSpec } from '../engine/system.js';
import type { Checker, IdRegistry } from './checks.js';
import type { RawScenario } from './schema.js';
import { didYouMean } from './suggest.js';
import type { HostSpec, VmuSpec } from './types.js';

type RawIxb = NonNullable<RawScenario['hosts'][number]['ixb']>;
type RawNetwork = NonNullable<NonNullable<RawScenario['vmus']>[number]['network']>;
type RawEgress = NonNullable<RawNetwork['egress']>;
type RawLink = NonNullable<RawScenario['links']>[number];
type RawFlow = NonNullable<RawScenario['flows']>[number];

export function normalizeHostIxb(raw: RawIxb, pointer: string, check: Checker): IxbSpec {
  const d = (text: string | undefined, field: string, fallback: number) => (text === undefined ? fallback : check.duration(text, `${pointer}/${field}`));
  return {
    forwardNs: d(raw.forward, 'forward', DEFAULT_IXB.forwardNs),
    encapsulationNs: d(raw.encapsulation, 'encapsulation', DEFAULT_IXB.encapsulationNs),
    policingNs: d(raw.policing, 'policing', DEFAULT_IXB.policingNs),
    schedulingNs: d(raw.scheduling, 'scheduling', DEFAULT_IXB.schedulingNs),
    timestampingNs: d(raw.timestamping, 'timestamping', DEFAULT_IXB.timestampingNs),
    perByteNs: raw.perByte ?? DEFAULT_IXB.perByteNs,
    ringSlots: raw.ringSlots ?? DEFAULT_IXB.ringSlots,
  };
}

const bytesPerSec = (check: Checker, text: unknown, pointer: string) => check.bandwidth(text, pointer) / 8;

function normalizeEgress(raw: RawEgress, pointer: string, check: Checker): QdiscSpec {
  const limits = { ...(raw.limitPackets !== undefined && { limitPackets: raw.limitPackets }), ...(raw.limitBytes !== undefined && { limitBytes: raw.limitBytes }) };
  const need = (field: 'rate' | 'burst' | 'classes', what: string) => {
    if (raw[field] === undefined) check.fail(`${pointer}/${field}`, what, 'nothing');
  };
  const refuse = (field: 'rate' | 'burst' | 'classes') => {
    if (raw[field] !== undefined) check.fail(`${pointer}/${field}`, `no ${field} with qdisc ${raw.qdisc}`, describeValue(raw[field]));
  };
  switch (raw.qdisc) {
    case 'fifo':
      refuse('rate');
      refuse('burst');
      refuse('classes');
      return { name: 'fifo', params: limits };
    case 'tbf': {
      need('rate', 'the token rate of the tbf, e.g. "10Mbit/s"');
      need('burst', 'the bucket depth of the tbf in bytes, at least the largest packet');
      refuse('classes');
      return { name: 'tbf', params: { rate: bytesPerSec(check, raw.rate, `${pointer}/rate`), burst: raw.burst, ...limits } };
    }
    case 'htb': {
      need('rate', "the root's rate of the htb, e.g. \"100Mbit/s\"");
      need('classes', 'the classes of the htb, each with its rate');
      const root = bytesPerSec(check, raw.rate, `${pointer}/rate`);
      const rawClasses = raw.classes!;
      const names = rawClasses.map((c) => c.name);
      const classes = rawClasses.map((c, i) => {
        const p = `${pointer}/classes/${i}`;
        if (c.rate === undefined) check.fail(`${p}/rate`, 'the guaranteed rate of an htb class', 'nothing');
        const rate = bytesPerSec(check, c.rate, `${p}/rate`);
        const ceil = c.ceil === undefined ? rate : bytesPerSec(check, c.ceil, `${p}/ceil`);
        if (ceil < rate) check.fail(`${p}/ceil`, `a ceil >= the rate (${c.rate})`, describeValue(c.ceil));
        if (c.parent !== undefined && (c.parent === c.name || !names.includes(c.parent))) {
          check.fail(`${p}/parent`, `another class of this htb (${names.filter((n) => n !== c.name).join(', ')})`, describeValue(c.parent), didYouMean(c.parent, names));
        }
        return { name: c.name, rate, ceil, ...opt(c, ['burst', 'cburst', 'prio', 'quantum', 'limitPackets', 'limitBytes', 'parent']) };
      });
      checkHtbTree(classes, root, raw.rate, pointer, check);
      return { name: 'htb', params: { rate: root, ...(raw.burst !== undefined && { burst: raw.burst }), classes } };
    }
    case 'prio':
    case 'drr': {
      need('classes', `the classes of the ${raw.qdisc}`);
      refuse('rate');
      refuse('burst');
      raw.classes!.forEach((c, i) => {
        for (const f of ['rate', 'ceil', 'burst', 'cburst', 'prio'] as const) {
          if (c[f] !== undefined) check.fail(`${pointer}/classes/${i}/${f}`, `no ${f} in a ${raw.qdisc} class (htb only)`, describeValue(c[f]));
        }
        if (raw.qdisc === 'prio' && c.quantum !== undefined) check.fail(`${pointer}/classes/${i}/quantum`, 'no quantum in a prio class (drr, htb)', describeValue(c.quantum));
      });
      return { name: raw.qdisc, params: { classes: raw.classes!.map((c) => ({ name: c.name, ...opt(c, ['quantum', 'limitPackets', 'limitBytes']) })) } };
    }
  }
}

type HtbTreeClass = { name: string; rate: number; ceil: number; parent?: string };

/**
 * An htb class tree as sch_htb admits it and the HTB user guide configures it (io-qos.md §2.2): no
 * cycle, at most 8 levels, the default (last) class a leaf; each parent's rate at least the sum of
 * its children's (over it, no child's rate is guaranteed) and each ceil within its parent's (the
 * root's ceil is its rate: root classes cannot borrow).
 */
function checkHtbTree(classes: HtbTreeClass[], root: number, rootText: unknown, pointer: string, check: Checker): void {
  const at = (name: string) => classes.findIndex((c) => c.name === name);
  classes.forEach((c, i) => {
    const seen = new Set([c.name]);
    let depth = 1;
    for (let p = c.parent; p !== undefined; p = classes[at(p)].parent) {
      if (seen.has(p)) check.fail(`${pointer}/classes/${i}/parent`, 'a parent chain that reaches the root (no cycle)', describeValue(c.parent));
      seen.add(p);
      depth++;
    }
    if (depth > 7) check.fail(`${pointer}/classes/${i}/parent`, 'a class at most 7 levels below the root (htb has 8 levels)', `depth ${depth}`);
    const parent = c.parent === undefined ? undefined : classes[at(c.parent)];
    const parentCeil = parent?.ceil ?? root;
    if (c.ceil > parentCeil * (1 + 1e-9)) {
      check.fail(`${pointer}/classes/${i}/ceil`, parent ? `a ceil <= its parent ${parent.name}'s ceil (${(parentCeil * 8) / 1e6} Mbit/s)` : `a ceil <= the root's rate (${String(rootText)}): root classes cannot borrow`, `${(c.ceil * 8) / 1e6} Mbit/s`);
    }
  });
  const last = classes.length - 1;
  if (classes.some((c) => c.parent === classes[last].name)) {
    check.fail(`${pointer}/classes/${last}`, 'a leaf as the last class (the default class takes unclassified packets; an inner class has no queue)', `inner class ${classes[last].name}`);
  }
  // io-qos.md §2.2: a parent's rate should equal the sum of its children's; over it, no rate is guaranteed.
  const sumOf = (parent: string | undefined) => classes.filter((c) => c.parent === parent).reduce((a, c) => a + c.rate, 0);
  if (sumOf(undefined) > root * (1 + 1e-9)) check.fail(`${pointer}/rate`, `a root rate >= the sum of its classes' rates (${(sumOf(undefined) * 8) / 1e6} Mbit/s)`, describeValue(rootText));
  classes.forEach((c, i) => {
    const sum = sumOf(c.name);
    if (sum > c.rate * (1 + 1e-9)) check.fail(`${pointer}/classes/${i}/rate`, `a rate >= the sum of its children's rates (${(sum * 8) / 1e6} Mbit/s)`, `${(c.rate * 8) / 1e6} Mbit/s`);
  });
}

function opt<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/** Class names of an egress discipline (empty when it has none). */
function classNames(spec: QdiscSpec | undefined): string[] {
  const classes = spec?.params?.classes as { name: string; parent?: string }[] | undefined;
  // Only leaves hold packets: an htb inner class (one some class names as parent) cannot be named.
  const inner = new Set(classes?.flatMap((c) => (c.parent === undefined ? [] : [c.parent])));
  return classes?.filter((c) => !inner.has(c.name)).map((c) => c.name) ?? [];
}

export function normalizeVmuNetwork(raw: RawNetwork, pointer: string, check: Checker): VirtualLinkSpec {
  const egress = raw.egress ? normalizeEgress(raw.egress, `${pointer}/egress`, check) : { name: 'fifo' as const };
  const vlink: VirtualLinkSpec = { bandwidthBps: check.bandwidth(raw.bandwidth ?? '10Gbit/s', `${pointer}/bandwidth`), egress };
  if (raw.police) {
    const p = raw.police;
    const action = p.action ?? 'drop';
    if (action === 'remark') {
      const names = classNames(egress);
      if (p.remarkClass === undefined) check.fail(`${pointer}/police/remarkClass`, 'the egress class re-marked packets go to', 'nothing');
      if (!names.includes(p.remarkClass)) check.fail(`${pointer}/police/remarkClass`, names.length ? `a class of the egress discipline (${names.join(', ')})` : 'an egress discipline with classes (htb, prio, drr) to re-mark into', describeValue(p.remarkClass), didYouMean(p.remarkClass, names));
    } else if (p.remarkClass !== undefined) check.fail(`${pointer}/police/remarkClass`, 'no remarkClass with action "drop"', describeValue(p.remarkClass));
    if (p.class !== undefined) {
      const names = classNames(egress);
      if (!names.includes(p.class)) check.fail(`${pointer}/police/class`, names.length ? `a class of the egress discipline (${names.join(', ')})` : 'an egress discipline with classes (htb, prio, drr)', describeValue(p.class), didYouMean(p.class, names));
    }
    vlink.police = {
      rateBytesPerSec: bytesPerSec(check, p.rate, `${pointer}/police/rate`),
      burstBytes: p.burst,
      action,
      ...(p.remarkClass !== undefined && { remarkClass: p.remarkClass }),
      ...(p.class !== undefined && { onlyClass: p.class }),
    };
  }
  return vlink;
}

export function normalizeLinks(raw: readonly RawLink[], hosts: HostSpec[], check: Checker): LinkSpec[] {
  const ids = new Set<string>();
  const hostIds = hosts.map((h) => h.id);
  return raw.map((l, i): LinkSpec => {
    const p = `/links/${i}`;
    if (ids.has(l.id)) check.fail(`${p}/id`, 'a link id not used before', describeValue(l.id));
    ids.add(l.id);
    l.hosts.forEach((h, j) => {
      if (!hostIds.includes(h)) check.fail(`${p}/hosts/${j}`, `the id of a host (${hostIds.join(', ')})`, describeValue(h), didYouMean(h, hostIds));
    });
    if (l.hosts[0] === l.hosts[1]) check.fail(`${p}/hosts/1`, 'a host other than the first (a link joins two hosts)', describeValue(l.hosts[1]));
    const twin = raw.findIndex((o, k) => k < i && o.hosts.includes(l.hosts[0]) && o.hosts.includes(l.hosts[1]));
    if (twin >= 0) check.fail(`${p}/hosts`, `hosts not already joined (links/${twin} joins them)`, l.hosts.join(', '));
    return { id: l.id, hosts: [l.hosts[0], l.hosts[1]], bandwidthBps: check.bandwidth(l.bandwidth, `${p}/bandwidth`), delayNs: check.duration(l.delay ?? '0s', `${p}/delay`), queuePackets: l.queue ?? 1000 };
  });
}

function flowSize(raw: RawFlow['size']): ExecDist {
  if (raw === undefined) return { kind: 'constant', value: 1500 };
  if (typeof raw === 'number') return { kind: 'constant', value: raw };
  if ('values' in raw) return { kind: 'trace', values: [...raw.values] };
  return { kind: 'uniform', min: raw.min, max: raw.max };
}

/** The arrival process of a flow's packets, or of a chain's requests (chains.ts): the same fields. */
export function flowArrival(raw: Pick<RawFlow, 'arrival' | 'rate' | 'on' | 'off' | 'times' | 'start'>, pointer: string, check: Checker): FlowArrival {
  const offset = check.duration(raw.start ?? '0s', `${pointer}/start`);
  const kind = raw.arrival ?? 'cbr';
  const only = (field: 'rate' | 'on' | 'off' | 'times', kinds: string[]) => {
    if (raw[field] !== undefined && !kinds.includes(kind)) check.fail(`${pointer}/${field}`, `no ${field} with arrival "${kind}" (it goes with ${kinds.join(', ')})`, describeValue(raw[field]));
    if (raw[field] === undefined && kinds.includes(kind)) check.fail(`${pointer}/${field}`, `the ${field} of a flow with arrival "${kind}"`, 'nothing');
  };
  only('rate', ['cbr', 'poisson', 'onoff']);
  only('on', ['onoff']);
  only('off', ['onoff']);
  only('times', ['trace']);
  const period = () => Math.max(1, Math.round(1e9 / check.rate(raw.rate, `${pointer}/rate`)));
  switch (kind) {
    case 'cbr':
      return { kind: 'periodic', period: period(), offset, jitter: 0 };
    case 'poisson':
      return { kind: 'poisson', ratePerSec: check.rate(raw.rate, `${pointer}/rate`), offset };
    case 'onoff':
      return { kind: 'onoff', period: period(), onNs: check.positiveDuration(raw.on, `${pointer}/on`), offNs: check.duration(raw.off, `${pointer}/off`), offset };
    case 'trace': {
      const times = raw.times!.map((t, i) => check.duration(t, `${pointer}/times/${i}`) + offset);
      times.forEach((t, i) => {
        if (i > 0 && t < times[i - 1]) check.fail(`${pointer}/times/${i}`, 'times in increasing order', describeValue(raw.times![i]));
      });
      return { kind: 'trace', times };
    }
  }
}

/** Flows between VMUs that exist, on one host or on two joined by a link; each class known to the sender. */
export function normalizeFlows(raw: readonly RawFlow[], vmus: VmuSpec[], links: LinkSpec[], taskIds: IdRegistry, check: Checker): FlowSpec[] {
  const vmuIds = vmus.map((v) => v.id);
  const find = (id: string, pointer: string) =>
    vmus.find((v) => v.id === id) ?? check.fail(pointer, vmuIds.length ? `the id of a VMU (${vmuIds.join(', ')})` : 'the id of a VMU (the scenario has none)', describeValue(id), didYouMean(id, vmuIds));
  return raw.map((f, i): FlowSpec => {
    const p = `/flows/${i}`;
    taskIds.add(f.id, `${p}/id`);
    const from = find(f.from, `${p}/from`);
    const to = find(f.to, `${p}/to`);
    if (from.id === to.id) check.fail(`${p}/to`, 'a VMU other than the sender', describeValue(f.to));
    if (from.host !== to.host && !links.some((l) => l.hosts.includes(from.host) && l.hosts.includes(to.host))) {
      check.fail(`${p}/to`, `a VMU on host ${from.host}, or hosts joined by a link (links[] with hosts [${from.host}, ${to.host}])`, `VMU ${to.id} on host ${to.host}`);
    }
    const names = classNames(from.vlink?.egress);
    if (f.class !== undefined && !names.includes(f.class)) {
      check.fail(`${p}/class`, names.length ? `a class of ${from.id}'s egress discipline (${names.join(', ')})` : `no class: ${from.id}'s egress discipline has none`, describeValue(f.class), didYouMean(f.class, names));
    }
    const size = flowSize(f.size);
    if (size.kind === 'uniform' && size.max < size.min) check.fail(`${p}/size/max`, `a size >= min (${size.min})`, describeValue(size.max));
    const egress = from.vlink?.egress;
    if (egress?.name === 'tbf') {
      const largest = size.kind === 'constant' ? size.value : size.kind === 'uniform' ? size.max : size.kind === 'trace' ? Math.max(...size.values) : 0;
      const burst = egress.params!.burst as number;
      if (largest > burst) check.fail(`/vmus/${vmus.indexOf(from)}/network/egress/burst`, `a tbf burst of at least the largest packet sent through it (${largest} B, flow ${f.id})`, `${burst}`, 'tbf drops every packet longer than its bucket.');
    }
    return { id: f.id, from: from.id, to: to.id, arrival: flowArrival(f, p, check), size, class: f.class ?? f.id, deadline: f.deadline === undefined ? Infinity : check.positiveDuration(f.deadline, `${p}/deadline`) };
  });
}
