// `hvsim regress`: a planted regression is caught and named, tolerances accept within and reject
// outside, --update round-trips, JUnit XML is well-formed with one testcase per scenario × model,
// bad tolerance or expect input is exit 2 with its pointer, and an admission refusal is a result
// (in regress, compare and validate), never an abort of the other models.
//
// The scenario is analytic: under kvm-irmos one periodic task alone on its CPU, inside a hard CBS
// reservation (5 ms, 10 ms) larger than its demand and replenished at each of its releases, completes
// every job in exactly its execution time, so its response time *is* the 3 ms (or 3.2 ms) written in
// the file.
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hvsimInProcess as hvsim, STACK_FRAME } from './helpers/cli.js';

interface Options {
  exec?: string;
  tolerances?: string;
  expect?: string;
  models?: string;
  budget?: string;
}

const scenario = (o: Options = {}) => `
name: lone-task
duration: 200ms
hosts: [{ id: ph1, cpus: 1 }]
vmus:
  - id: rt
    host: ph1
    sla: { budget: ${o.budget ?? '5ms'}, period: 10ms }
    tasks: [{ id: t, kind: periodic, period: 10ms, exec: ${o.exec ?? '3ms'} }]
models: ${o.models ?? '[kvm-irmos, xen-sedf]'}
${o.expect ?? ''}
${o.tolerances ?? ''}
`;

function suite(o: Options = {}): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hvsim-regress-'));
  const file = join(dir, 'lone-task.yaml');
  writeFileSync(file, scenario(o));
  return { dir, file };
}

/** Record the goldens of the 3 ms file, then plant `o` (e.g. exec 3.2 ms) in its place. */
async function recordedThen(o: Options): Promise<{ dir: string; file: string }> {
  const s = suite({ ...o, exec: '3ms' });
  const r = await hvsim(['regress', s.file, '--update']);
  expect(r.code, r.stderr).toBe(0);
  writeFileSync(s.file, scenario(o));
  return s;
}

function expectBadInput(r: { code: number; stderr: string }, pattern: RegExp) {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(STACK_FRAME);
}

describe('hvsim regress: goldens', () => {
  it('a planted regression (a task’s 3 ms → 3.2 ms) exits 1 naming scenario, model, metric, golden and now', async () => {
    const s = await recordedThen({ exec: '3.2ms' });
    const r = await hvsim(['regress', s.dir]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/FAIL kvm-irmos/);
    expect(r.stdout).toMatch(/FAIL xen-sedf/);
    expect(r.stdout).toContain('lone-task');
    expect(r.stdout).toContain('task:t responseMaxNs: golden 3 ms (3000000 ns), now 3.2 ms (3200000 ns) (tolerance exact)');
    expect(r.stdout).toMatch(/2 of 2 case\(s\) FAILED/);
    const json = JSON.parse((await hvsim(['regress', s.dir, '--json'])).stdout);
    expect(json.ok).toBe(false);
    const irmos = json.cases.find((c: { model: string }) => c.model === 'kvm-irmos');
    expect(irmos.changes).toContainEqual({ subject: 'task:t', metric: 'responseMaxNs', golden: 3_000_000, now: 3_200_000, allowed: 0, regression: true });
  });

  it('an unchanged scenario matches its goldens byte for byte (exit 0), and --update then changes nothing', async () => {
    const s = await recordedThen({ exec: '3ms' });
    const golden = join(s.dir, 'lone-task.golden', 'kvm-irmos.json');
    const before = readFileSync(golden, 'utf8');
    const r = await hvsim(['regress', s.file]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/all 2 case\(s\) hold/);
    const again = await hvsim(['regress', s.file, '--update']);
    expect(again.stdout).toContain('every golden already matches');
    expect(readFileSync(golden, 'utf8')).toBe(before);
    // Small and metric-only: no traces, no histograms.
    expect(before.length).toBeLessThan(4000);
    expect(JSON.parse(before).metrics['task:t'].responseMaxNs).toBe(3_000_000);
  });

  it('--update re-baselines: it prints what changed, rewrites only the golden, and the suite then holds', async () => {
    const s = await recordedThen({ exec: '3.2ms' });
    const u = await hvsim(['regress', s.file, '--update']);
    expect(u.code, u.stderr).toBe(0);
    expect(u.stdout).toContain(`updated ${join(s.dir, 'lone-task.golden', 'kvm-irmos.json')}`);
    expect(u.stdout).toContain('task:t responseMaxNs: golden 3 ms (3000000 ns), now 3.2 ms (3200000 ns)');
    expect(readdirSync(join(s.dir, 'lone-task.golden')).sort()).toEqual(['kvm-irmos.json', 'xen-sedf.json']); // no temp files left
    expect((await hvsim(['regress', s.file])).code).toBe(0);
    // Back to 3 ms: the planted change is now the regression.
    writeFileSync(s.file, scenario({ exec: '3ms' }));
    expect((await hvsim(['regress', s.file])).code).toBe(1);
  });

  it('a model dropped from the scenario leaves a stale golden, which --update removes', async () => {
    const s = await recordedThen({});
    writeFileSync(s.file, scenario({ models: '[kvm-irmos]' }));
    const r = await hvsim(['regress', s.file, '--update']);
    expect(r.stdout).toContain(`removed ${join(s.dir, 'lone-task.golden', 'xen-sedf.json')}`);
    expect(existsSync(join(s.dir, 'lone-task.golden', 'xen-sedf.json'))).toBe(false);
  });

  it('a scenario without goldens fails until --update records them', async () => {
    const s = suite();
    const r = await hvsim(['regress', s.file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('no golden result yet');
  });
});

describe('hvsim regress: tolerances', () => {
  // 3 ms → 3.2 ms is a change of 200 µs, 6.67 % of the golden.
  const cases: [string, string, 0 | 1][] = [
    ['relative 10 % accepts 6.7 %', 'regress: { tolerances: [{ metric: responseMaxNs, relative: "10%" }] }', 0],
    ['relative 5 % rejects 6.7 %', 'regress: { tolerances: [{ metric: responseMaxNs, relative: "5%" }] }', 1],
    ['absolute 250 µs accepts 200 µs', 'regress: { tolerances: [{ metric: responseMaxNs, absolute: 250us }] }', 0],
    ['absolute 199 µs rejects 200 µs', 'regress: { tolerances: [{ metric: responseMaxNs, absolute: 199us }] }', 1],
    ['absolute 200 µs accepts exactly 200 µs (inclusive)', 'regress: { tolerances: [{ metric: responseMaxNs, absolute: 200us }] }', 0],
    ['the subject’s exact entry beats the metric-wide 10 %', 'regress: { tolerances: [{ metric: responseMaxNs, relative: "10%" }, { metric: responseMaxNs, task: t, relative: "0%" }] }', 1],
    ['a tolerance for another model does not apply', 'regress: { tolerances: [{ metric: responseMaxNs, model: xen-sedf, relative: "10%" }] }', 1],
  ];
  for (const [what, tolerances, code] of cases) {
    it(what, async () => {
      // Only responseMaxNs is at stake: the other metrics this change moves get a loose tolerance.
      const others = ['responseP50Ns', 'responseP99Ns', 'cpuShare', 'shareOfReservation'].map((m) => `{ metric: ${m}, ${m.endsWith('Ns') ? 'relative: "100%"' : 'absolute: 1'} }`).join(', ');
      const t = tolerances.replace('tolerances: [', `tolerances: [${others}, `);
      const s = await recordedThen({ exec: '3.2ms', tolerances: t, models: '[kvm-irmos]' });
      const r = await hvsim(['regress', s.file]);
      expect(r.code, r.stdout).toBe(code);
      if (code === 1) expect(r.stdout).toMatch(/task:t responseMaxNs: golden 3 ms \(3000000 ns\), now 3\.2 ms/);
    });
  }
});

describe('hvsim regress: outputs', () => {
  it('JUnit XML is well-formed: one testsuite per scenario, one testcase per scenario × model, a failure per regression', async () => {
    const s = await recordedThen({ exec: '3.2ms', models: '[kvm-irmos, xen-sedf, kvm-linux]', tolerances: 'regress: { tolerances: [{ metric: responseMaxNs, model: kvm-linux, relative: "100%" }, { metric: responseP50Ns, relative: "100%" }, { metric: responseP99Ns, relative: "100%" }, { metric: cpuShare, absolute: 1 }, { metric: shareOfReservation, absolute: 1 }] }' });
    const other = join(s.dir, 'other.yaml');
    writeFileSync(other, scenario({ models: '[kvm-irmos]' }).replace('name: lone-task', 'name: otherx'));
    await hvsim(['regress', other, '--update']);
    const xml = join(s.dir, 'out', 'junit.xml');
    const md = join(s.dir, 'out', 'regress.md');
    const r = await hvsim(['regress', s.dir, '--junit', xml, '--markdown', md]);
    expect(r.code).toBe(1);
    const text = readFileSync(xml, 'utf8');
    const root = parseXml(text);
    expect(root.name).toBe('testsuites');
    expect(root.children.map((c) => c.name)).toEqual(['testsuite', 'testsuite']);
    const cases = root.children.flatMap((suite) => suite.children.map((c) => ({ suite: suite.attrs.name, ...c })));
    expect(cases.map((c) => `${c.suite}/${c.attrs.name}`)).toEqual(['lone-task/kvm-irmos', 'lone-task/xen-sedf', 'lone-task/kvm-linux', 'otherx/kvm-irmos']);
    const failed = cases.filter((c) => c.children.some((f) => f.name === 'failure'));
    expect(failed.map((c) => c.attrs.name)).toEqual(['kvm-irmos', 'xen-sedf']); // kvm-linux within its 100 % tolerance
    expect(failed[0].children[0].attrs.message).toContain('responseMaxNs');
    expect(root.attrs.tests).toBe('4');
    expect(root.attrs.failures).toBe('2');
    expect(readFileSync(md, 'utf8')).toMatch(/\| lone-task \| kvm-irmos \| \*\*FAIL\*\* \| task:t responseMaxNs: golden 3 ms/);
  });
});

describe('hvsim regress: bad input is exit 2 with the pointer', () => {
  const bad: [string, Options, RegExp][] = [
    ['a relative tolerance without %', { tolerances: 'regress: { tolerances: [{ metric: responseMaxNs, relative: 5 }] }' }, /at \/regress\/tolerances\/0\/relative: expected a percentage such as "5%"/],
    ['a unitless absolute tolerance of a nanosecond metric', { tolerances: 'regress: { tolerances: [{ metric: responseMaxNs, absolute: 100 }] }' }, /at \/regress\/tolerances\/0\/absolute: expected a duration such as "100us" \(responseMaxNs is in nanoseconds\), found 100/],
    ['a duration for a ratio', { tolerances: 'regress: { tolerances: [{ metric: missRatio, absolute: 1ms }] }' }, /at \/regress\/tolerances\/0\/absolute: expected a number \(missRatio is a ratio, not a duration\)/],
    ['a tolerance with neither bound', { tolerances: 'regress: { tolerances: [{ metric: missRatio }] }' }, /at \/regress\/tolerances\/0: expected at least one of the fields relative/],
    ['an unknown metric', { expect: 'expect: [{ task: t, metric: responseP98Ns, max: 1 }]' }, /at \/expect\/0\/metric: expected one of/],
    ['a VMU metric on a task', { expect: 'expect: [{ task: t, metric: shareOfReservation, min: 1 }]' }, /at \/expect\/0\/metric: expected a metric of a task or host thread/],
    ['a comparison with itself', { expect: 'expect: [{ model: kvm-irmos, task: t, metric: responseMaxNs, below: kvm-irmos }]' }, /at \/expect\/0\/below: expected a model other than kvm-irmos itself/],
    ['a comparison without a model', { expect: 'expect: [{ task: t, metric: responseMaxNs, below: xen-sedf }]' }, /at \/expect\/0\/model: expected the model compared with xen-sedf/],
    ['an admission verdict with a metric', { expect: 'expect: [{ model: kvm-irmos, refused: true, metric: missRatio }]' }, /at \/expect\/0\/metric: expected no metric fields beside "refused"/],
    ['an I/O metric of a missing load', { expect: 'expect: [{ io: web, metric: ioLatencyP99Ns, max: 1ms }]' }, /at \/expect\/0\/io: expected the id of an I\/O load, found "web"/],
  ];
  for (const [what, o, pattern] of bad) {
    it(what, async () => {
      const s = suite(o);
      expectBadInput(await hvsim(['regress', s.file]), pattern);
      expect(existsSync(join(s.dir, 'lone-task.golden'))).toBe(false); // nothing run, nothing written
    });
  }

  it('two files that would share a golden folder (a.yaml, a.json) are refused', async () => {
    const s = suite();
    writeFileSync(join(s.dir, 'lone-task.json'), JSON.stringify({ name: 'other', duration: '100ms', hosts: [{ id: 'h', cpus: 1 }], models: ['kvm-irmos'] }));
    expectBadInput(await hvsim(['regress', s.dir]), /lone-task\.(yaml|json)(:\d+)?: expected a scenario file whose goldens .*lone-task\.golden.* no other file of the suite shares, found also the goldens of .*lone-task\.(json|yaml)\n/);
  });

  it('every bad file of a suite is named, not only the first', async () => {
    const s = suite({ tolerances: 'regress: { tolerances: [{ metric: responseMaxNs, relative: 5 }] }' });
    writeFileSync(join(s.dir, 'b.yaml'), scenario({ expect: 'expect: [{ task: nope, metric: missRatio, max: 0 }]' }).replace('lone-task', 'b'));
    const r = await hvsim(['regress', s.dir]);
    expectBadInput(r, /2 bad files/);
    expect(r.stderr).toMatch(/b\.yaml:\d+ at \/expect\/0\/task/);
    expect(r.stderr).toMatch(/lone-task\.yaml:\d+ at \/regress\/tolerances\/0\/relative/);
  });
});

describe('an admission refusal is a result, not an abort', () => {
  // 9.7 ms per 10 ms: over kvm-irmos's per-CPU bound (Σ Q/P ≤ 0.95, linux-irmos.md); xen-sedf admits any slice ≤ period.
  const overBound = { budget: '9.7ms', models: '[kvm-irmos, xen-sedf]' };

  it('regress: the refusing model is a case "refused by admission"; the other runs; an expected refusal holds', async () => {
    const s = await recordedThen({ ...overBound, exec: '3ms', expect: 'expect: [{ model: kvm-irmos, refused: true }, { model: xen-sedf, refused: false }]' });
    const r = await hvsim(['regress', s.file]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ok {3}kvm-irmos +refused by admission/);
    expect(r.stdout).toMatch(/ok {3}xen-sedf +1 expectation/);
    expect(JSON.parse(readFileSync(join(s.dir, 'lone-task.golden', 'kvm-irmos.json'), 'utf8'))).toMatchObject({ refused: true, metrics: {} });
  });

  it('regress: a refusal the scenario says should not happen fails, and so does a golden that ran', async () => {
    const s = await recordedThen({ models: '[kvm-irmos, xen-sedf]', exec: '3ms' });
    writeFileSync(s.file, scenario({ ...overBound, expect: 'expect: [{ model: kvm-irmos, refused: false }]' }));
    const r = await hvsim(['regress', s.file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('kvm-irmos NOT admitted by admission as expected');
    expect(r.stdout).toContain('refused by admission, where the golden ran');
  });

  it('compare: the refused model has its reason in results.json; the other model ran (exit 0)', async () => {
    const s = suite(overBound);
    const r = await hvsim(['compare', s.file, '--out', join(s.dir, 'out'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const results = JSON.parse(r.stdout);
    expect(results.runs.map((x: { model: string }) => x.model)).toEqual(['xen-sedf']);
    expect(results.refused[0].model).toBe('kvm-irmos');
    expect(results.refused[0].reason).toMatch(/^refused by admission\/configuration: .*lone-task\.yaml/);
    const report = readFileSync(join(s.dir, 'out', 'report.md'), 'utf8');
    expect(report).toContain('**kvm-irmos: refused by admission.** refused by admission/configuration:');
    // Its column stays in the comparison tables, saying so.
    expect(report).toMatch(/\| task \| xen-sedf \| kvm-irmos \|\n\|---\|---\|---\|\n\| t \| [^|]+ \| refused by admission \|/);
  });

  it('validate checks and reports every file: exit 2 if any is bad, each bad one named, the good ones ok', async () => {
    const good = suite();
    const refusing = join(good.dir, 'refusing.yaml');
    writeFileSync(refusing, scenario(overBound).replace('lone-task', 'refusing'));
    const broken = join(good.dir, 'broken.yaml');
    writeFileSync(broken, scenario({ exec: '3 parsecs' }).replace('lone-task', 'broken'));
    const expected = join(good.dir, 'expected.yaml');
    writeFileSync(expected, scenario({ ...overBound, expect: 'expect: [{ model: kvm-irmos, refused: true }]' }).replace('lone-task', 'expected'));
    const r = await hvsim(['validate', refusing, good.file, broken, expected]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`ok ${good.file}`);
    expect(r.stdout).toContain(`ok ${expected}: 1 host(s), 1 VMU(s), 1 task(s); models xen-sedf; refused by admission as expected: kvm-irmos`);
    expect(r.stderr).toMatch(/refusing\.yaml:\d+ at \/vmus\/0\/sla: expected a configuration that passes IRMOS admission control[\s\S]*kvm-irmos refuses this configuration/);
    expect(r.stderr).toMatch(/broken\.yaml:\d+ at \/vmus\/0\/tasks\/0\/exec/);
    expect(r.stderr).toContain('2 of 4 file(s) invalid');
    expect((await hvsim(['validate', good.file, expected])).code).toBe(0);
  });
});

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/**
 * A strict reader of the XML subset JUnit files use (prolog, elements, attributes, text, the five
 * predefined entities and numeric references): it throws on anything not well-formed — unbalanced
 * or crossed tags, unquoted or repeated attributes, a raw `<` or `&` in text or attributes, an
 * unknown entity, characters XML 1.0 forbids, content after the root.
 */
function parseXml(text: string): XmlElement {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`not well-formed at ${i}: ${why}`);
  };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(text)) fail('a character XML 1.0 forbids');
  const decl = /^<\?xml version="1\.0" encoding="UTF-8"\?>\n/.exec(text);
  if (!decl) fail('no XML declaration');
  i = decl![0].length;
  const unescape = (raw: string) => {
    if (/<|&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(raw)) fail(`a raw < or & in ${JSON.stringify(raw)}`);
    return raw.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e]!);
  };
  const element = (): XmlElement => {
    const open = /^<([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"]*")*)\s*(\/?)>/.exec(text.slice(i)) ?? fail('a malformed start tag');
    i += open[0].length;
    const attrs: Record<string, string> = {};
    for (const m of open[2].matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) {
      if (m[1] in attrs) fail(`attribute ${m[1]} twice`);
      attrs[m[1]] = unescape(m[2]);
    }
    const node: XmlElement = { name: open[1], attrs, children: [], text: '' };
    if (open[3] === '/') return node;
    for (;;) {
      const lt = text.indexOf('<', i);
      if (lt < 0) fail(`no end tag for <${node.name}>`);
      node.text += unescape(text.slice(i, lt));
      i = lt;
      if (text.startsWith('</', i)) {
        const close = /^<\/([A-Za-z_][\w.-]*)\s*>/.exec(text.slice(i)) ?? fail('a malformed end tag');
        if (close[1] !== node.name) fail(`</${close[1]}> closes <${node.name}>`);
        i += close[0].length;
        return node;
      }
      node.children.push(element());
    }
  };
  const root = element();
  if (text.slice(i).trim() !== '') fail('content after the root element');
  return root;
}
