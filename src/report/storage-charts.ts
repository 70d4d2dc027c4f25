// Charts of storage streams (issue 11, OSD QoS): what each stream was served against what its QoS
// asked (reservation and limit), and the distribution of its requests' latency. Both show the two
// layers of seed §5.4 at work: the device scheduler decides who waits once the disk is overloaded.

import type { Results } from '../metrics/results.js';
import { RESPONSE_CDF_PERCENTILES } from '../metrics/results.js';
import type { IoLoadSpec } from '../engine/system.js';
import type { Scenario } from '../scenario/types.js';
import { modelColour, type XySeries } from './charts.js';
import type { FigureOutput } from './figures.js';
import { fmtNs, listText } from './format.js';

const toMs = (ns: number) => ns / 1e6;

/** The storage streams of the scenario, with their host's device scheduler, in scenario order. */
function streamsOf(scenario: Scenario) {
  return scenario.vmus.flatMap((v) => {
    const scheduler = scenario.hosts.find((h) => h.id === v.host)?.storage?.scheduler ?? 'fifo';
    return v.io.flatMap((l) => (l.storage ? [{ load: l, storage: l.storage, scheduler }] : []));
  });
}

/** "40/s" for a rate the stream's arrival process sets; "trace" otherwise. */
function offered(arrival: IoLoadSpec['arrival']): string {
  return 'ratePerSec' in arrival ? `${arrival.ratePerSec}/s` : arrival.kind;
}

/** Per-stream IOPS per model, beside the stream's reservation and limit (null where none is set). */
export function storageIopsChart(scenario: Scenario, results: Results): FigureOutput | null {
  const streams = streamsOf(scenario);
  if (streams.length === 0 || results.runs.length === 0) return null;
  const series = results.runs.map((r, i) => ({
    label: r.model,
    color: modelColour(r.model, i),
    values: streams.map((s) => r.io.find((x) => x.id === s.load.id)?.iops ?? null),
  }));
  series.push({ label: 'reservation', color: '#2e7d32', values: streams.map((s) => (s.storage.reservation > 0 ? s.storage.reservation : null)) });
  series.push({ label: 'limit', color: '#c62828', values: streams.map((s) => (s.storage.limit > 0 ? s.storage.limit : null)) });
  return {
    file: 'storage-iops.png',
    spec: {
      kind: 'bar',
      title: 'Storage IOPS per stream against reservation and limit',
      width: 900,
      height: 460,
      categories: streams.map((s) => `${s.load.id} (${s.scheduler})`),
      y: { title: 'requests served per second', min: 0 },
      series,
    },
    caption: `Requests each storage stream was served per second in the measured window, per model, beside the reservation and limit its QoS declares (the device scheduler is in brackets; a reservation or limit binds only under mClock, io-qos.md §1.2). Offered rates: ${listText(streams.map((s) => `${s.load.id} ${offered(s.load.arrival)}`))}.`,
  };
}

/** One latency CDF per storage stream, per model, on a log axis. */
export function storageLatencyCdfCharts(scenario: Scenario, results: Results): FigureOutput[] {
  return streamsOf(scenario).flatMap(({ load, scheduler }) => {
    const series: XySeries[] = results.runs.flatMap((r, i) => {
      const cdf = r.io.find((x) => x.id === load.id)?.latencyCdfNs ?? [];
      return cdf.length === 0 ? [] : [{ label: r.model, color: modelColour(r.model, i), points: cdf.map((ns, k) => [toMs(ns), RESPONSE_CDF_PERCENTILES[k]] as [number, number]) }];
    });
    if (series.length === 0) return [];
    const bounded = Number.isFinite(load.deadline);
    if (bounded) series.push({ label: `latency bound ${fmtNs(load.deadline)}`, color: '#777777', dash: true, points: [[toMs(load.deadline), 0], [toMs(load.deadline), 100]] });
    return [
      {
        file: `storage-cdf-${load.id}.png`,
        spec: {
          kind: 'xy' as const,
          title: `Request latency CDF of storage stream ${load.id} (${scheduler})`,
          width: 800,
          height: 440,
          // Log always: a disk's latencies run from its service time (ms) to an overloaded queue's seconds.
          x: { title: 'request latency, arrival to completion (ms, log scale)', log: true },
          y: { title: 'requests completed within (%)', min: 0, max: 100 },
          series,
        },
        caption: `Latency distribution of storage stream ${load.id} under the ${scheduler} device scheduler, per model: share of its requests completed within a given time of their arrival (guest, backend thread and device)${bounded ? `; dashed: its ${fmtNs(load.deadline)} latency bound` : ''}; logarithmic axis.`,
      },
    ];
  });
}
