// The IXB packet flows in a report (issue 11): a table per model (one-way latency, jitter,
// throughput, losses by cause), and the reading's first sentences — per flow, which stacks
// delivered every packet in time, which dropped packets and where (a starved IXB ring, a full queue,
// the policer, a destination VMU that was not running), with the link's load beside it so "dropped
// though the link had room" is visible.

import type { FlowResult } from '../metrics/flow-results.js';
import type { ModelRun } from '../metrics/results.js';
import type { Scenario } from '../scenario/types.js';
import type { Block, Cell } from './doc.js';
import { fmtNs, fmtPct, listText } from './format.js';

const num = (text: string, sort: number): Cell => ({ text, sort });
const bitrate = (bps: number) => (bps >= 1e9 ? `${(bps / 1e9).toPrecision(3)} Gbit/s` : bps >= 1e6 ? `${(bps / 1e6).toPrecision(3)} Mbit/s` : `${(bps / 1e3).toPrecision(3)} kbit/s`);

/** The flows table of one model's results. */
export function flowTable(run: ModelRun): Block[] {
  if (!run.flows || run.flows.length === 0) return [];
  // The migrating column only where a live migration ran (other reports keep their tables).
  const migrating = run.migrations !== undefined;
  return [
    {
      kind: 'table',
      caption: 'Packet flows (one-way, source VMU to destination VMU, through the IXBs)',
      header: ['flow', 'sent', 'latency p50', 'p99', 'max', 'jitter', 'throughput', 'lost: policed', 'queue full', 'starved (IXB ring)', ...(migrating ? ['migrating'] : []), 'destination absent', 'late'],
      rows: run.flows.map((f) => {
        const has = f.delivered > 0;
        const ns = (x: number) => (has ? num(fmtNs(x), x) : num('—', -1));
        return [
          f.id,
          num(String(f.sent), f.sent),
          ns(f.latency.p50Ns),
          ns(f.latency.p99Ns),
          ns(f.latency.maxNs),
          ns(f.jitterNs),
          num(bitrate(f.throughputBps), f.throughputBps),
          num(String(f.lost.policed), f.lost.policed),
          num(String(f.lost.queueFull), f.lost.queueFull),
          num(String(f.lost.starved), f.lost.starved),
          ...(migrating ? [num(String(f.lost.migrating), f.lost.migrating)] : []),
          num(String(f.lost.destinationAbsent), f.lost.destinationAbsent),
          num(fmtPct(f.missRatio, 2), f.missRatio),
        ];
      }),
    },
  ];
}

/** The largest share of a link's rate the flows crossing it delivered, under `run`. */
function linkLoad(scenario: Scenario, run: ModelRun): { id: string; share: number } | null {
  let worst: { id: string; share: number } | null = null;
  const hostOf = new Map(scenario.vmus.map((v) => [v.id, v.host]));
  for (const link of scenario.links ?? []) {
    const across = (run.flows ?? []).filter((f) => hostOf.get(f.from) !== hostOf.get(f.to) && link.hosts.includes(hostOf.get(f.from)!) && link.hosts.includes(hostOf.get(f.to)!));
    // Each direction is its own wire: the busier one.
    const byDirection = new Map<string, number>();
    for (const f of across) byDirection.set(hostOf.get(f.from)!, (byDirection.get(hostOf.get(f.from)!) ?? 0) + f.throughputBps);
    const share = Math.max(0, ...byDirection.values()) / link.bandwidthBps;
    if (!worst || share > worst.share) worst = { id: link.id, share };
  }
  return worst;
}

/** The host task that did the flow's sending work, and how long its slowest job (a packet's IXB work, queueing included) took. */
function workerWait(f: FlowResult, run: ModelRun): string {
  const worker = /^IXB send \((.*)\)$/.exec(f.path[0])?.[1];
  const task = run.tasks.find((t) => t.id === worker);
  return task && task.response.count > 0 ? `${worker}, which does its IXB work, took up to ${fmtNs(task.response.maxNs)} per packet, waiting for a CPU` : 'its IXB work waited for a CPU';
}

function badText(f: FlowResult, run: ModelRun, scenario: Scenario): string {
  const bits: string[] = [];
  if (f.lossRatio > 0) {
    const where = [
      f.lost.starved > 0 && `${f.lost.starved} at a full IXB ring`,
      f.lost.queueFull > 0 && `${f.lost.queueFull} at a full queue`,
      f.lost.policed > 0 && `${f.lost.policed} at the policer`,
      f.lost.migrating > 0 && `${f.lost.migrating} at a VMU in its stop-and-copy or the PH it left`,
      f.lost.destinationAbsent > 0 && `${f.lost.destinationAbsent} at ${f.to}'s PH while ${f.to} was not running`,
    ].filter((x): x is string => typeof x === 'string');
    const load = linkLoad(scenario, run);
    const room = load && f.lost.starved > 0 ? ` though link ${load.id} carried only ${fmtPct(load.share, 0)} of its rate` : '';
    bits.push(`dropped ${fmtPct(f.lossRatio, 2)} of ${f.id} (${listText(where)})${room}`);
  }
  if (f.missRatio > 0) bits.push(`delivered ${fmtPct(f.missRatio, 1)} ${f.lossRatio > 0 ? 'of the rest ' : `of ${f.id} `}late (p99 ${fmtNs(f.latency.p99Ns)})`);
  const why = f.lost.starved > 0 || f.missRatio > 0 ? `: ${workerWait(f, run)}` : '';
  return `${run.model} ${bits.join(' and ')}${why}`;
}

/** Reading sentences about the flows, to come first in the reading: they answer an IXB experiment's question. */
export function flowSentences(scenario: Scenario, runs: ModelRun[]): string[] {
  const out: string[] = [];
  for (const spec of scenario.flows ?? []) {
    const per = runs.map((run) => ({ run, f: run.flows?.find((x) => x.id === spec.id) })).filter((x): x is { run: ModelRun; f: FlowResult } => x.f !== undefined && x.f.sent > 0);
    if (per.length === 0) continue;
    const bound = Number.isFinite(spec.deadline) ? ` within its ${fmtNs(spec.deadline)} bound` : '';
    const clean = per.filter((x) => x.f.lossRatio === 0 && x.f.missRatio === 0);
    // Worst first: the stacks that failed the flow are the answer.
    const bad = per.filter((x) => !clean.includes(x)).sort((a, b) => b.f.lossRatio - a.f.lossRatio || b.f.missRatio - a.f.missRatio);
    const parts = bad.map((x) => badText(x.f, x.run, scenario));
    if (clean.length > 0) {
      const worst = Math.max(...clean.map((x) => x.f.latency.maxNs));
      const who = clean.length === per.length && per.length > 2 ? 'Every model' : listText(clean.map((x) => x.run.model));
      parts.push(`${who} delivered every packet of ${spec.id}${bound} (worst ${fmtNs(worst)})`);
    }
    out.push(`${parts.join('; ')}.`);
  }
  return out;
}

function arrivalOf(a: NonNullable<Scenario['flows']>[number]['arrival']): string {
  switch (a.kind) {
    case 'periodic':
      return `CBR ${Number((1e9 / a.period).toPrecision(4))}/s`;
    case 'poisson':
      return `Poisson ${a.ratePerSec}/s`;
    case 'onoff':
      return `${Number((1e9 / a.period).toPrecision(4))}/s on ${fmtNs(a.onNs)}, off ${fmtNs(a.offNs)}`;
    case 'trace':
      return `trace of ${a.times.length}`;
  }
}

function sizeOf(d: NonNullable<Scenario['flows']>[number]['size']): string {
  return d.kind === 'constant' ? `${d.value} B` : d.kind === 'uniform' ? `${d.min}–${d.max} B` : d.kind === 'trace' ? `trace of ${d.values.length}` : 'normal';
}

/** The setup's links and flows, with each sender's virtual link. */
export function flowSetupBlocks(scenario: Scenario): Block[] {
  const out: Block[] = [];
  if (scenario.links && scenario.links.length > 0) {
    out.push({
      kind: 'table',
      caption: 'Links (each direction its own wire)',
      header: ['link', 'hosts', 'bandwidth', 'delay', 'NIC queue'],
      rows: scenario.links.map((l) => [l.id, l.hosts.join(' – '), num(bitrate(l.bandwidthBps), l.bandwidthBps), num(fmtNs(l.delayNs), l.delayNs), num(`${l.queuePackets} packets`, l.queuePackets)]),
    });
  }
  if (scenario.flows && scenario.flows.length > 0) {
    const vmus = new Map(scenario.vmus.map((v) => [v.id, v]));
    out.push({
      kind: 'table',
      caption: 'Flows (through the IXB of each host; the sender\'s policer and egress discipline)',
      header: ['flow', 'from → to', 'arrivals', 'size', 'deadline', 'sender\'s virtual link'],
      rows: scenario.flows.map((f) => {
        const v = vmus.get(f.from)?.vlink;
        const link = v ? `${v.police ? `police ${bitrate(v.police.rateBytesPerSec * 8)} (${v.police.action}), ` : ''}${v.egress.name}` : 'fifo';
        return [f.id, `${f.from} → ${f.to}`, arrivalOf(f.arrival), sizeOf(f.size), Number.isFinite(f.deadline) ? num(fmtNs(f.deadline), f.deadline) : num('—', -1), link];
      }),
    });
  }
  return out;
}
