// The plain-YAML fast path (src/scenario/plain-yaml.ts) must never read a text differently from
// the `yaml` package: where it answers, `yaml` parses the same text without an error into the same
// data (same keys in the same order, same types, -0 apart from 0); anything else it must leave to
// `yaml`. Checked on every YAML file in the repository, on documents `yaml` writes from random data
// in its various styles, and on those files mutated at random.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDocument, stringify } from 'yaml';
import { readPlainYaml } from '../src/scenario/plain-yaml.js';
import { parseSource } from '../src/scenario/source.js';

const root = join(__dirname, '..');
const yamlFiles = execFileSync('git', ['ls-files', '*.yaml', '*.yml'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
const texts = yamlFiles.map((file) => ({ file, text: readFileSync(join(root, file), 'utf8') }));

/** What `yaml` reads, as src/scenario/source.ts asks it: the data, or undefined when it reports an error. */
function yamlReading(text: string): { data: unknown } | undefined {
  const doc = parseDocument(text, { merge: true, uniqueKeys: true });
  return doc.errors.length > 0 ? undefined : { data: doc.toJS({ maxAliasCount: 1000 }) };
}

/** Deep equality that tells -0 from 0, NaN from itself equal, and key order apart. */
function identical(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' || typeof b === 'number') return Object.is(a, b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) !== Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return (
    keysA.length === keysB.length &&
    keysA.every((key, k) => key === keysB[k] && identical((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
  );
}

/** The fast path's promise on one text: no answer, or `yaml`'s answer. */
function expectNoDivergence(text: string): boolean {
  const plain = readPlainYaml(text);
  if (plain === undefined) return false;
  const reference = yamlReading(text);
  if (reference === undefined || !identical(plain, reference.data)) {
    throw new Error(`the fast path read ${JSON.stringify(plain)} where yaml read ${JSON.stringify(reference?.data ?? 'an error')}, from:\n${text}`);
  }
  return true;
}

describe('plain YAML fast path', () => {
  it("reads every scenario and the bench's EDF set, as yaml does", () => {
    const mustRead = yamlFiles.filter((file) => file.startsWith('scenarios/') || file === 'bench/edf-set.yaml');
    expect(mustRead.length).toBeGreaterThan(10);
    for (const { file, text } of texts) {
      const read = expectNoDivergence(text);
      if (mustRead.includes(file)) expect(read, file).toBe(true);
    }
  });

  it('answers nothing on the texts where a second YAML reader went wrong before, or agrees', () => {
    // Cases js-yaml read differently from yaml (bench/RESULTS.md) and the core schema's corners.
    const cases = [
      'tasks:\n    -\n  - { id: a }\n',
      'a: 1\nnull: 2\n',
      '~: 1\n',
      'x: -0\n',
      'x: [-0, 0, -0.0, 0.0]\n',
      'x: [0x10, 0o17, 010, +1, 1e3, 1E-2, .5, 1., .inf, -.Inf, .nan, 00]\n',
      'x: [true, True, TRUE, tRue, yes, no, on, off, y, n, ~, Null, NULL, nULL]\n',
      'x: "a\n  b"\n',
      "x: 'a\n  b'\n",
      'x: [a,\n  b]\n',
      'x: a\n  b\n',
      'x: { a: 1, a: 2 }\n',
      'x: 1\nx: 2\n',
      'x: &a 1\ny: *a\n',
      'base: &b { a: 1 }\nx: { <<: *b, c: 2 }\n',
      'x: !!str 1\n',
      'x: "a\\tb"\n',
      "x: 'it''s'\n",
      'x: a # c\ny: "b" # d\nz: [c] # e\n',
      'x: a#b\n',
      'x: a: b\n',
      'x: >\n  a\n  b\n',
      'x: >\n  a\n\n  b\n',
      'x: |\n  a\n  # b\n',
      'x: >\n  a\n    b\n',
      'x: |\n  a\n  b',
      'x: >-\n  a\n',
      '- a\n- - b\n',
      '- a: 1\n  b: 2\n- c: 3\n',
      '- a:\n  - 1\n  b: 2\n',
      'a:\n- 1\n- 2\nb: 3\n',
      'a:\n  - 1\n - 2\n',
      '---\na: 1\n',
      'a: 1\n...\n',
      '%YAML 1.2\n---\na: 1\n',
      '__proto__: { polluted: true }\n',
      '$schema: x\nname: y\n',
      'a: b\u00a0\n',
      'a: \u2028\n',
      'a: "x"y\n',
      'a: [a b, c]\n',
      'a: { b: , c: 1 }\n',
      'a: [1, 2, ]\n',
      'a:\n  b: 1\n   c: 2\n',
      '  a: 1\n',
      'a: 1\r\nb: 2\r\n',
      'a:\tb\n',
    ];
    for (const text of cases) expectNoDivergence(text);
  });

  it('agrees with yaml on what yaml writes from random data, in any of its styles', () => {
    const key = fc.oneof(
      fc.stringMatching(/^[A-Za-z_$][A-Za-z0-9_.$-]{0,8}$/),
      fc.constantFrom('null', 'true', 'True', 'y', '0', '-1', '1e3', '__proto__', 'a b', '<<', '', 'a:b', '#'),
    );
    const tricky = fc.constantFrom('', ' ', '-', '- a', 'a: b', 'a:b', '#a', 'a #b', '"', "'", '1e3', '0x1F', '.inf', '-0', '007', '1_000', 'null', 'True', '~', '450us', '2.5ms', 'U = 0.9, 10 tasks', '[x]', '{x}', 'µs ×', '\t', '\n', ' a', 'a ');
    const scalar = fc.oneof(
      { arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9 .]{0,6}$/), weight: 3 },
      fc.string({ unit: fc.constantFrom(...'ab09 .:-#,[]{}"\'\\&*!|>%@`~\n\tµ'.split('')), maxLength: 8 }),
      tricky,
      fc.integer({ min: -1e6, max: 1e6 }),
      fc.double({ noNaN: false }),
      fc.boolean(),
      fc.constant(null),
    );
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small' }, scalar, tie('array'), tie('object')),
      array: fc.array(tie('tree'), { maxLength: 4 }),
      object: fc.dictionary(key, tie('tree'), { maxKeys: 4 }),
    }));
    const document = fc.oneof(fc.dictionary(key, tree, { minKeys: 1, maxKeys: 5 }), fc.array(tree, { minLength: 1, maxLength: 5 }));
    const options = fc.record({
      indent: fc.integer({ min: 1, max: 4 }),
      indentSeq: fc.boolean(),
      collectionStyle: fc.constantFrom('any', 'block', 'flow') as fc.Arbitrary<'any' | 'block' | 'flow'>,
      defaultStringType: fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE', 'BLOCK_FOLDED', 'BLOCK_LITERAL') as fc.Arbitrary<'PLAIN'>,
      lineWidth: fc.constantFrom(0, 20, 80),
    });
    let answered = 0;
    fc.assert(
      fc.property(document, options, (data, style) => {
        if (expectNoDivergence(stringify(data, style))) answered++;
      }),
      { numRuns: 1500 },
    );
    // The property means little if the fast path never answered: it must, on a share of them.
    expect(answered).toBeGreaterThan(30); // ~90-130 of 1,500
  });

  it('agrees with yaml on the repository’s YAML files mutated at random', () => {
    const alphabet = ' -:#,[]{}"\'&*!|>%@`~\n0aA.$'.split('');
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), char: fc.constantFrom(...alphabet) }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant('indent' as const), at: fc.nat(), by: fc.integer({ min: -3, max: 3 }) }),
      fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
    );
    type Edit = typeof edit extends fc.Arbitrary<infer E> ? E : never;
    const apply = (text: string, change: Edit): string => {
      const at = change.at % (text.length + 1);
      const lines = text.split('\n');
      const line = change.at % lines.length;
      switch (change.kind) {
        case 'insert':
          return text.slice(0, at) + change.char + text.slice(at);
        case 'delete':
          return text.slice(0, at) + text.slice(at + change.count);
        case 'indent':
          lines[line] = change.by >= 0 ? ' '.repeat(change.by) + lines[line] : lines[line].replace(new RegExp(`^ {0,${-change.by}}`), '');
          return lines.join('\n');
        case 'duplicate':
          lines.splice(line, 0, lines[line]);
          return lines.join('\n');
      }
    };
    let answered = 0;
    fc.assert(
      fc.property(fc.constantFrom(...texts), fc.array(edit, { minLength: 1, maxLength: 3 }), ({ text }, changes) => {
        if (expectNoDivergence(changes.reduce(apply, text))) answered++;
      }),
      { numRuns: 1500 },
    );
    expect(answered).toBeGreaterThan(200); // ~600 of 1,500
  });

  it('agrees with yaml on `>` and `|` blocks: their lines, indentation, blank and comment-like lines, what follows', () => {
    const line = fc.oneof(fc.stringMatching(/^[a-z#:\- ]{0,12}$/), fc.constantFrom('', '  deeper', '# not a comment', 'a: b', '- x', '   '));
    const block = fc.record({
      style: fc.constantFrom('>', '|', '>-', '|+', '>2'),
      key: fc.constantFrom('description', 'note'),
      indent: fc.integer({ min: 0, max: 4 }),
      lines: fc.array(line, { minLength: 1, maxLength: 4 }),
      after: fc.constantFrom('', 'next: 1\n', '\nnext: 1\n', '  # a comment\nnext: 1\n', 'next: 1'),
      endsWithBreak: fc.boolean(),
    });
    let answered = 0;
    fc.assert(
      fc.property(block, ({ style, key, indent, lines, after, endsWithBreak }) => {
        const body = lines.map((l) => ' '.repeat(indent) + l).join('\n');
        const text = `name: x\n${key}: ${style}\n${body}${endsWithBreak || after !== '' ? '\n' : ''}${after}`;
        if (expectNoDivergence(text)) answered++;
      }),
      { numRuns: 1500 },
    );
    expect(answered).toBeGreaterThan(50); // ~140-180 of 1,500
  });

  it('still names the line of a value the fast path read, for errors found after parsing', () => {
    const text = 'name: x\nhosts:\n  - { id: ph1, cpus: 1 }\n  - id: ph2\n    cpus: two\n';
    expect(readPlainYaml(text)).toBeDefined();
    const source = parseSource(text, 'x.yaml', 'yaml');
    expect([source.lineOf('/hosts/0'), source.lineOf('/hosts/1/cpus'), source.lineOf('/hosts/9')]).toEqual([3, 5, 3]); // a missing item: its sequence's line
  });
});
