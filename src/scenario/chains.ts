// A VSN's request chains (issue 11 "VSNs across PHs"), resolved to the engine's ChainSpec with the
// checks a schema cannot make: each stage is exactly one of hop/compute/storage; hops join two
// different VMUs that exist (did you mean…?) on one host or on hosts joined by a link; compute
// stages name a VMU; storage stages name a host, with `service` exactly when it has no storage model.
// A storage stage on another host than the VMU the chain is at (the previous compute stage's, or the
// previous hop's receiver) is a request to that host's OSD over the network (remote-osd.ts): the host
// needs a storage device and a link to the VMU's host.

import { describeValue } from '../errors.js';
import { ChainRun } from '../engine/net/chain.js';
import type { ChainSpec, ChainStage, LinkSpec } from '../engine/system.js';
import type { Checker, IdRegistry } from './checks.js';
import { flowArrival } from './net.js';
import { linked } from './storage.js';
import type { RawScenario } from './schema.js';
import { didYouMean } from './suggest.js';
import type { HostSpec, VmuSpec } from './types.js';

type RawChain = NonNullable<RawScenario['chains']>[number];
type RawStage = RawChain['stages'][number];

const STAGE_KINDS = ['hop', 'compute', 'storage'] as const;

export function normalizeChains(raw: readonly RawChain[], vmus: VmuSpec[], hosts: HostSpec[], links: LinkSpec[], taskIds: IdRegistry, check: Checker): ChainSpec[] {
  const vmuIds = vmus.map((v) => v.id);
  const hostIds = hosts.map((h) => h.id);
  const findVmu = (id: string, pointer: string) =>
    vmus.find((v) => v.id === id) ?? check.fail(pointer, vmuIds.length ? `the id of a VMU (${vmuIds.join(', ')})` : 'the id of a VMU (the scenario has none)', describeValue(id), didYouMean(id, vmuIds));
  const findHost = (id: string, pointer: string) => hosts.find((h) => h.id === id) ?? check.fail(pointer, `the id of a host (${hostIds.join(', ')})`, describeValue(id), didYouMean(id, hostIds));

  /** `at`: the VMU the chain is at before this stage (the last compute stage's, or the last hop's receiver). */
  const stage = (s: RawStage, p: string, at: VmuSpec | undefined): ChainStage => {
    const given = STAGE_KINDS.filter((k) => s[k] !== undefined);
    if (given.length !== 1) check.fail(p, 'exactly one of hop, compute, storage', given.length === 0 ? 'none of them' : given.join(' and '));
    if (s.hop) {
      const from = findVmu(s.hop.from, `${p}/hop/from`);
      const to = findVmu(s.hop.to, `${p}/hop/to`);
      if (from.id === to.id) check.fail(`${p}/hop/to`, 'a VMU other than the sender', describeValue(s.hop.to));
      if (from.host !== to.host && !links.some((l) => l.hosts.includes(from.host) && l.hosts.includes(to.host))) {
        check.fail(`${p}/hop/to`, `a VMU on host ${from.host}, or hosts joined by a link (links[] with hosts [${from.host}, ${to.host}])`, `VMU ${to.id} on host ${to.host}`);
      }
      return { kind: 'hop', from: from.id, to: to.id, bytes: s.hop.bytes ?? 1500 };
    }
    if (s.compute) {
      const vmu = findVmu(s.compute.vmu, `${p}/compute/vmu`);
      return { kind: 'compute', vmu: vmu.id, demandNs: check.positiveDuration(s.compute.demand, `${p}/compute/demand`), priority: s.compute.priority ?? 60 };
    }
    const st = s.storage!;
    const host = findHost(st.host, `${p}/storage/host`);
    // The chain is at a VMU of another host: the request goes to this host's OSD over the network (remote-osd.ts).
    const remote = at !== undefined && at.host !== host.id;
    if (remote && !host.storage) check.fail(`${p}/storage/host`, `a host with a storage device (hosts[].storage) to serve as OSD for VMU ${at.id} on host ${at.host}`, `host ${host.id} without one`);
    if (remote && !linked(links, at.host, host.id)) check.fail(`${p}/storage/host`, `an OSD host joined to host ${at.host} (where the chain is, at VMU ${at.id}) by a link (links[] with hosts [${at.host}, ${host.id}])`, `host ${host.id}, no link from ${at.host}`);
    if (host.storage === undefined && st.service === undefined) check.fail(`${p}/storage/service`, `the device time of the request (host ${host.id} declares no storage: model)`, 'nothing');
    if (host.storage !== undefined && st.service !== undefined) check.fail(`${p}/storage/service`, `no service: host ${host.id}'s ${host.storage.device} works out its own from bytes`, describeValue(st.service));
    return { kind: 'storage', host: host.id, bytes: st.bytes ?? 4096, write: st.write ?? false, serviceNs: st.service === undefined ? 0 : check.positiveDuration(st.service, `${p}/storage/service`), ...(remote && { from: at.id }) };
  };

  return raw.map((c, i): ChainSpec => {
    const p = `/chains/${i}`;
    taskIds.add(c.id, `${p}/id`);
    let at: VmuSpec | undefined;
    const stages = c.stages.map((s, j) => {
      const read = stage(s, `${p}/stages/${j}`, at);
      if (read.kind === 'compute') at = vmus.find((v) => v.id === read.vmu);
      else if (read.kind === 'hop') at = vmus.find((v) => v.id === read.to);
      return read;
    });
    // Each compute stage's handler thread carries a task id of its own (results and charts name it).
    stages.forEach((s, j) => s.kind === 'compute' && taskIds.add(ChainRun.handlerId(c.id, j), `${p}/stages/${j}/compute`));
    return { id: c.id, arrival: flowArrival(c, p, check), stages, deadline: c.deadline === undefined ? Infinity : check.positiveDuration(c.deadline, `${p}/deadline`) };
  });
}
