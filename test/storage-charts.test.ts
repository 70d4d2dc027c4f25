// The OSD QoS charts (issue 11): per-stream IOPS beside the reservation and limit each stream
// declares, and per-stream latency CDFs on a log axis with the stream's latency bound.
import { describe, expect, it } from 'vitest';
import type { IoResult, ModelRun, Results } from '../src/metrics/results.js';
import { storageIopsChart, storageLatencyCdfCharts } from '../src/report/storage-charts.js';
import { parseScenarioText } from '../src/scenario/index.js';

const scenario = parseScenarioText(
  `
name: osd
duration: 2s
hosts:
  - { id: ph1, cpus: 1, storage: { device: ssd, scheduler: mclock } }
vmus:
  - id: media
    host: ph1
    io:
      - { id: video, kind: disk, rate: 40/s, deadline: 100ms, storage: { reservation: 30/s, limit: 50/s } }
      - { id: bulk, kind: disk, rate: 30/s }
      - { id: backup, kind: disk, rate: 30/s, storage: { write: true } }
`,
  'osd.yaml',
);

const io = (id: string, iops: number, cdf: number[]) => ({ id, iops, latencyCdfNs: cdf }) as unknown as IoResult;
const run = (model: string, videoIops: number) => ({ model, io: [io('video', videoIops, [1e6, 2e6, 3e8]), io('backup', 5, [])] }) as unknown as ModelRun;
const results = { runs: [run('a', 31), run('b', 29)] } as unknown as Results;

describe('storage charts', () => {
  it('sets each storage stream’s IOPS per model beside its declared reservation and limit', () => {
    const chart = storageIopsChart(scenario, results)!;
    if (chart.spec.kind !== 'bar') throw new Error('not a bar chart');
    // Only storage streams, with the device scheduler named: the plain disk load `bulk` has no QoS.
    expect(chart.spec.categories).toEqual(['video (mclock)', 'backup (mclock)']);
    const byLabel = Object.fromEntries(chart.spec.series.map((s) => [s.label, s.values]));
    expect(byLabel).toEqual({ a: [31, 5], b: [29, 5], reservation: [30, null], limit: [50, null] });
  });

  it('draws a latency CDF per stream with completed requests, on a log axis, with its bound', () => {
    const charts = storageLatencyCdfCharts(scenario, results);
    expect(charts.map((c) => c.file)).toEqual(['storage-cdf-video.png']);
    const spec = charts[0].spec;
    if (spec.kind !== 'xy') throw new Error('not an xy chart');
    expect(spec.x.log).toBe(true);
    expect(spec.series.map((s) => s.label)).toEqual(['a', 'b', 'latency bound 100 ms']);
    expect(spec.series[0].points.at(-1)).toEqual([300, expect.any(Number)]);
  });

  it('draws nothing for a scenario without storage streams', () => {
    const plain = parseScenarioText('name: p\nduration: 1s\nhosts: [{ id: ph1, cpus: 1 }]\nvmus: [{ id: v, host: ph1, io: [{ id: r, kind: net, rate: 10/s }] }]\n', 'p.yaml');
    expect(storageIopsChart(plain, results)).toBeNull();
    expect(storageLatencyCdfCharts(plain, results)).toEqual([]);
  });
});
