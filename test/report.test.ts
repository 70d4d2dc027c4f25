// `hvsim report`: the comparison document and per-scenario reports from a small suite — every
// section present, every chart a real picture of the announced size, scenario text escaped, the
// same bytes whatever the number of worker threads, and a browser that opens the HTML cleanly.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadImage, createCanvas } from '@napi-rs/canvas';
import { beforeAll, describe, expect, it } from 'vitest';
import { runReport } from '../src/cli/report-command.js';
import type { Progress } from '../src/report/progress.js';

const silent: Progress = { phase() {}, step() {}, end() {}, log() {} };

const HOSTILE = '<script>window.__pwned = 1</script> & <img src=x onerror="alert(1)"> | *bold* [link](javascript:alert(1))';

const ISOLATION = `
name: tiny-isolation
question: "Does a spinning VMU <b>hurt</b> the frames?"
description: >
  ${HOSTILE}
duration: 400ms
warmup: 40ms
hosts: [{ id: ph1, cpus: 1 }]
vmus:
  - id: video
    host: ph1
    sla: { budget: 8ms, period: 10ms }
    tasks: [{ id: frames, kind: periodic, period: 10ms, exec: { dist: uniform, min: 4ms, max: 7ms } }]
  - id: buggy
    host: ph1
    sla: { budget: 1ms, period: 10ms }
    aggressor: { mode: busy }
    tasks: [{ id: spin, kind: busy }]
answer: { metric: misses, of: [frames], because: overload-isolation }
models: [kvm-irmos, { name: kvm-linux-cfs, params: { bandwidthControl: false } }]
figures:
  - { kind: period-sweep, vmu: video, periods: [2ms, 10ms, 40ms], duration: 300ms }
expect:
  - { model: kvm-irmos, task: frames, metric: missRatio, max: 0 }
`;

const SWEEP = `
name: tiny-rm-edf
description: Two reservations at 88.6 %; a small utilisation sweep.
duration: 300ms
hosts: [{ id: ph1, cpus: 2 }]
vmus:
  - { id: fast, host: ph1, affinity: [0], sla: { budget: 2ms, period: 5ms }, tasks: [{ id: t5, kind: periodic, period: 5ms, exec: 2ms }] }
  - { id: slow, host: ph1, affinity: [0], sla: { budget: 3.4ms, period: 7ms }, tasks: [{ id: t7, kind: periodic, period: 7ms, exec: 3.4ms }] }
models: [kvm-irmos, kvm-deadline]
figures:
  - { kind: utilisation-sweep, utilisations: [0.6, 0.9, 1.0], taskSets: 3, tasks: 4, duration: 200ms }
`;

function suite(): { dir: string; files: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'hvsim-report-'));
  mkdirSync(join(dir, 'scenarios'));
  const files = [join(dir, 'scenarios', 'a.yaml'), join(dir, 'scenarios', 'b.yaml')];
  writeFileSync(files[0], ISOLATION);
  writeFileSync(files[1], SWEEP);
  return { dir, files };
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
    .sort();
}

/** Luminance variance of a decoded PNG: 0 for a blank image. */
async function decode(png: Buffer): Promise<{ width: number; height: number; variance: number }> {
  const img = await loadImage(png);
  const canvas = createCanvas(img.width, img.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const px = ctx.getImageData(0, 0, img.width, img.height).data;
  let sum = 0;
  let sq = 0;
  const n = px.length / 4;
  for (let i = 0; i < px.length; i += 4) {
    const y = 0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2];
    sum += y;
    sq += y * y;
  }
  const mean = sum / n;
  return { width: img.width, height: img.height, variance: sq / n - mean * mean };
}

let dir = '';
let out = '';
let ok = false;

beforeAll(async () => {
  const s = suite();
  dir = s.dir;
  out = join(dir, 'reports');
  ok = (await runReport(s.files, out, { workers: 0, progress: silent })).ok;
});

describe('hvsim report on a small suite', () => {
  it('writes the comparison document and one folder per scenario', () => {
    expect(ok).toBe(true);
    const files = listFiles(out);
    expect(files).toContain('index.md');
    expect(files).toContain('index.html');
    for (const name of ['tiny-isolation', 'tiny-rm-edf']) {
      for (const f of ['results.json', 'report.md', 'report.html', 'cpu-share.png', 'schedule.png']) expect(files).toContain(`${name}/${f}`);
    }
    expect(files).toContain('tiny-isolation/cdf-frames.png');
    expect(files).toContain('tiny-isolation/tiny-isolation-fig1-wakeup-vs-period.png');
    expect(files).toContain('tiny-isolation/tiny-isolation-fig1-response-vs-period.png');
    expect(files).toContain('tiny-rm-edf/tiny-rm-edf-fig1-misses-vs-utilisation.png');
    // results.json carries the response-time CDF the charts are drawn from.
    const results = JSON.parse(readFileSync(join(out, 'tiny-isolation', 'results.json'), 'utf8'));
    const frames = results.runs[0].tasks.find((t: { id: string }) => t.id === 'frames');
    expect(frames.responseCdfNs.length).toBe(18);
    expect(frames.responseCdfNs[0]).toBe(frames.response.minNs);
    expect(frames.responseCdfNs[17]).toBe(frames.response.maxNs);
  });

  it('gives every experiment its question, setup, SLA mapping, a results table per model, charts and a reading', () => {
    const index = readFileSync(join(out, 'index.md'), 'utf8');
    for (const name of ['tiny-isolation', 'tiny-rm-edf']) {
      const section = index.slice(index.indexOf(`## ${name}`));
      expect(section).toMatch(/\*\*Question\.\*\* /);
      for (const heading of ['### Setup', '### How each model mapped the SLAs', '### Results', '### Charts', '### Reading']) expect(section).toContain(heading);
    }
    expect(index).toContain('#### kvm-irmos');
    expect(index).toContain('#### kvm-linux-cfs');
    expect(index).toContain('#### kvm-deadline');
    expect(index).toMatch(/!\[[^\]]*\]\(tiny-isolation\/cdf-frames\.png\)/);
    // The reading is written from the numbers: the unbounded shares model misses, the reservation does not.
    const reading = index.slice(index.indexOf('### Reading'));
    expect(reading).toMatch(/kvm-irmos met every deadline of frames \(worst response [^)]+, a margin of \d+ % at least\)/);
    expect(reading).toMatch(/kvm-linux-cfs missed \d+ % of \d+ jobs/);
    expect(reading).toContain('The expectation of the scenario held.');
    expect(index).toMatch(/Utilisation sweep, 3 random sets of 4 tasks per point under kvm-irmos: fixed priorities/);
    // The first sentence answers the question for the metric it names, with each model's rule.
    expect(reading.split('\n\n')[1]).toMatch(/^Every deadline of frames was met under kvm-irmos, and frames missed deadlines under kvm-linux-cfs \(up to [\d.]+ % of the jobs of frames\): under kvm-linux-cfs, with bandwidth control off [^;]+ \(linux-irmos\.md §6\.1\); under kvm-irmos, a hard CBS/);
    const report = readFileSync(join(out, 'tiny-isolation', 'report.md'), 'utf8');
    for (const heading of ['## Setup', '## How each model mapped the SLAs', '## Results', '## Figures', '## Reading', '## Expectations']) expect(report).toContain(heading);
  });

  it('embeds the isolation matrix of a scenario with an aggressor in its report and the index, and only there', () => {
    const index = readFileSync(join(out, 'index.md'), 'utf8');
    const report = readFileSync(join(out, 'tiny-isolation', 'report.md'), 'utf8');
    for (const doc of [index, report]) {
      expect(doc).toMatch(/#+ Isolation matrix\n\nWith buggy \(busy: an infinite loop on each vCPU\) misbehaving, /);
      expect(doc).toMatch(/\| kvm-linux-cfs \| frames \| [^|]+ \| [^|]+ \| [^|]+ \| p99 /);
    }
    expect(index.match(/Isolation matrix/g)?.length).toBe(1);
    const iso = JSON.parse(readFileSync(join(out, 'tiny-isolation', 'isolation.json'), 'utf8'));
    expect(iso.aggressors).toEqual([{ vmu: 'buggy', misbehaviour: { mode: 'busy' } }]);
    expect(iso.models.map((m: { model: string }) => m.model)).toEqual(['kvm-irmos', 'kvm-linux-cfs']);
    expect(listFiles(out)).not.toContain('tiny-rm-edf/isolation.json');
  });

  it('the index links every chart of index.md by its path in the scenario folders, lazily, and inlines none', () => {
    const md = readFileSync(join(out, 'index.md'), 'utf8');
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    const charts = [...md.matchAll(/!\[[^\]]*\]\(([^)]+\.png)\)/g)].map((m) => m[1]);
    const linked = [...html.matchAll(/<img src="([^"]+\.png)" loading="lazy"/g)].map((m) => decodeURI(m[1]));
    expect(charts.length).toBeGreaterThan(3);
    expect(linked).toEqual(charts);
    for (const c of linked) expect(existsSync(join(out, c)), c).toBe(true);
    expect(html).not.toContain('data:image/png');
  });

  it('draws every chart: each PNG decodes, has the size the page announces, and is not blank', async () => {
    for (const name of ['tiny-isolation', 'tiny-rm-edf']) {
      const md = readFileSync(join(out, name, 'report.md'), 'utf8');
      const html = readFileSync(join(out, name, 'report.html'), 'utf8');
      const files = [...md.matchAll(/!\[[^\]]*\]\(([^)]+\.png)\)/g)].map((m) => m[1]);
      const inline = [...html.matchAll(/<img src="data:image\/png;base64,([^"]+)" width="(\d+)" height="(\d+)"/g)];
      expect(files.length).toBeGreaterThanOrEqual(3);
      expect(inline.length).toBe(files.length);
      for (let i = 0; i < files.length; i++) {
        const bytes = readFileSync(join(out, name, files[i]));
        expect(Buffer.from(inline[i][1], 'base64').equals(bytes), `${files[i]} inlined as is`).toBe(true);
        const image = await decode(bytes);
        expect([image.width, image.height], files[i]).toEqual([Number(inline[i][2]), Number(inline[i][3])]);
        expect(image.variance, `${files[i]} is not blank`).toBeGreaterThan(200);
      }
    }
  });

  it('escapes scenario text: a description with markup appears as text in report.html, index.html and report.md', () => {
    for (const file of ['tiny-isolation/report.html', 'index.html']) {
      const html = readFileSync(join(out, file), 'utf8');
      expect(html).not.toContain('<script>window.__pwned');
      expect(html).not.toContain('<img src=x');
      expect(html).not.toContain('<b>hurt</b>');
      expect(html).toContain('&lt;script&gt;window.__pwned = 1&lt;/script&gt; &amp; &lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
      expect(html).toContain('Does a spinning VMU &lt;b&gt;hurt&lt;/b&gt; the frames?');
      // Our own script is the only one.
      expect(html.match(/<script>/g)?.length).toBe(1);
    }
    const md = readFileSync(join(out, 'tiny-isolation', 'report.md'), 'utf8');
    expect(md).toContain('\\<script\\>window.\\_\\_pwned = 1\\</script\\>');
    expect(md).not.toContain('[link](javascript');
  });

  it('writes the same results.json as `hvsim compare` (the schedule excerpt observer changes nothing)', async () => {
    const { compareScenario } = await import('../src/cli/commands.js');
    const { loadExperiment, resolveModels } = await import('../src/experiments/load.js');
    const scenario = loadExperiment(join(dir, 'scenarios', 'a.yaml'));
    const results = compareScenario(scenario, resolveModels(scenario, undefined));
    expect(JSON.stringify(results, null, 2) + '\n').toBe(readFileSync(join(out, 'tiny-isolation', 'results.json'), 'utf8'));
  });

  it('is deterministic: the same suite on two worker threads gives the same bytes as in-process', async () => {
    const s = suite();
    const again = join(s.dir, 'reports');
    await runReport(s.files, again, { workers: 2, progress: silent });
    const files = listFiles(out);
    expect(listFiles(again)).toEqual(files);
    for (const f of files) expect(readFileSync(join(again, f)).equals(readFileSync(join(out, f))), f).toBe(true);
    // No wall-clock time reaches the documents.
    const index = readFileSync(join(out, 'index.md'), 'utf8');
    expect(index).not.toMatch(/\b20\d\d-\d\d-\d\d\b|\d\d:\d\d:\d\d/);
  });
});

// ---- a real browser -------------------------------------------------------------------------

function findChromium(): string | null {
  const candidates = [process.env.HVSIM_CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome'].filter((c): c is string => !!c);
  for (const c of candidates) {
    const r = spawnSync(c, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return c;
  }
  return null;
}

const chromium = findChromium();
if (!chromium) {
  console.warn('report.test: no Chromium found (Debian package `chromium`, installed by .ci/run where apt-get can); the browser test is skipped.');
}

describe.skipIf(!chromium)('report.html in headless Chromium', () => {
  const browse = (args: string[], page: string) =>
    spawnSync(chromium!, ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--enable-logging=stderr', '--v=0', `--user-data-dir=${mkdtempSync(join(tmpdir(), 'hvsim-chromium-'))}`, ...args, `file://${page}`], {
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('opens with no console message, runs its script, and renders a page that is not blank', async () => {
    for (const page of [join(out, 'tiny-isolation', 'report.html'), join(out, 'index.html')]) {
      const dom = browse(['--dump-dom'], page);
      expect(dom.status, dom.stderr).toBe(0);
      expect(dom.stderr.split('\n').filter((l) => /:CONSOLE/.test(l)), 'console output').toEqual([]);
      // The sorting script ran to its end; the injected one never did.
      expect(dom.stdout).toContain('data-tables="sortable"');
      expect(dom.stdout).not.toContain('__pwned = 1</script>');
      const shot = join(dir, 'shot.png');
      const r = browse([`--screenshot=${shot}`, '--window-size=390,2000', '--hide-scrollbars'], page);
      expect(r.status, r.stderr).toBe(0);
      expect(existsSync(shot)).toBe(true);
      const image = await decode(readFileSync(shot));
      expect(image.width).toBe(390);
      expect(image.variance, 'screenshot is not blank').toBeGreaterThan(200);
      expect(r.stderr.split('\n').filter((l) => /:CONSOLE/.test(l))).toEqual([]);
    }
  });
});

describe('report text escaping', () => {
  it('Markdown: markup characters, raw HTML and line-start markers of scenario text stay text', async () => {
    const { mdEscape, renderMarkdown } = await import('../src/report/doc.js');
    expect(mdEscape('a <b>|c| *d* _e_ [f](g) `h` #i &amp;')).toBe('a \\<b\\>\\|c\\| \\*d\\* \\_e\\_ \\[f\\](g) \\`h\\` \\#i &amp;amp;');
    const md = renderMarkdown({ title: 't', blocks: [{ kind: 'paragraph', text: '- not a list' }, { kind: 'paragraph', text: '1. not a list either' }] });
    expect(md).toBe('\\- not a list\n\n1\\. not a list either\n');
  });

  it('charts: text outside the bundled font is folded, so no system font is ever asked for', async () => {
    const { chartText } = await import('../src/report/charts.js');
    expect(chartText('P − Q ≤ 7.5 ms → ok, 25 µs × 2')).toBe('P − Q <= 7.5 ms -> ok, 25 µs × 2');
    expect(chartText('漢字')).toBe('??');
  });
});
