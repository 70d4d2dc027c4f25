// Turning scenario text into plain data, with syntax errors located by line and column, and a
// way back from a JSON pointer to the line it came from (for errors found after parsing).

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { codeUrl } from '../code-root.js';
import { requireWithCodeCache } from '../code-cache.js';
import type { Document, LineCounter, Node } from 'yaml';
import { InputError } from '../errors.js';
import { jsonSyntaxErrorOffset, jsonHasDuplicateKey } from './json-position.js';
import { readPlainYaml } from './plain-yaml.js';

type YamlLibrary = typeof import('yaml');
let yamlLibrary: YamlLibrary | undefined;

/**
 * The YAML library, loaded on first use (start-up, issue 14: it takes ~40 ms to load, and a JSON
 * scenario needs it only to report an error). Its Node entry point is CommonJS, the same module
 * an `import` would give, so `require` returns the one instance. `npm run build` also bundles that
 * entry point into one file (build/bundle-cli.mjs: ~60 modules to resolve and read become one, a
 * third of the load time), compiled with its V8 code cache (src/code-cache.ts); the package itself
 * serves when that file is absent (TypeScript sources).
 */
export function yaml(): YamlLibrary {
  yamlLibrary ??= loadYaml();
  return yamlLibrary;
}

function loadYaml(): YamlLibrary {
  try {
    return requireWithCodeCache(fileURLToPath(BUNDLED_YAML_URL)) as YamlLibrary;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    return createRequire(import.meta.url)('yaml') as YamlLibrary;
  }
}

/** The yaml package's Node entry point bundled into one CommonJS file by `npm run build` (src/code-root.ts). */
export const BUNDLED_YAML_URL = codeUrl('bundle/yaml.cjs');

export type SourceFormat = 'json' | 'yaml';

export interface ParsedSource {
  data: unknown;
  /** 1-based line of the value at `pointer` (or of its closest existing ancestor), if known. */
  lineOf(pointer: string): number | undefined;
}

/** `.json` → json, `.yaml`/`.yml` → yaml, anything else: undefined. */
export function formatOfFile(file: string): SourceFormat | undefined {
  const lower = file.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  return undefined;
}

export function parseSource(text: string, file: string, format: SourceFormat): ParsedSource {
  return format === 'json' ? parseJson(text, file) : parseYaml(text, file);
}

function parseJson(text: string, file: string): ParsedSource {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    // V8 sometimes omits the position ("Unexpected token '}', ... is not valid JSON"), so find it
    // with a small scanner rather than parsing the message.
    const offset = jsonSyntaxErrorOffset(text) ?? text.length;
    const { line, col } = lineAndColumn(text, offset);
    const reason = String((error as Error).message)
      .replace(/, .*is not valid JSON$/s, '')
      .replace(/ in JSON at position \d+.*$/s, '');
    throw new InputError({
      file,
      pointer: '',
      line,
      expected: 'valid JSON',
      found: `${reason} at line ${line}, column ${col}`,
    });
  }
  // JSON is YAML 1.2 flow syntax, so the YAML parser can map pointers to lines. It also catches
  // duplicate keys, which JSON.parse silently resolves to the last one. A quick scan decides
  // whether there is one; the YAML parser runs only then, or when an error needs a line.
  const located = lazilyLocated(text, { uniqueKeys: true });
  if (jsonHasDuplicateKey(text)) {
    const duplicate = located.doc().errors.find((e) => e.code === 'DUPLICATE_KEY');
    if (duplicate) {
      const line = duplicate.linePos?.[0].line;
      throw new InputError({ file, pointer: '', line, expected: 'an object with unique keys', found: `a duplicate key at line ${line}` });
    }
  }
  return { data, lineOf: located.lineOf };
}

/**
 * The YAML parse of text already read another way, made only when first needed: for a line
 * (an error after parsing) or a check only `yaml` makes.
 */
function lazilyLocated(text: string, options: { uniqueKeys: true; merge?: true }): { doc(): Document; lineOf: ParsedSource['lineOf'] } {
  let parsed: { doc: Document; lineCounter: LineCounter } | undefined;
  const parse = () => {
    if (!parsed) {
      const lineCounter = new (yaml().LineCounter)();
      parsed = { doc: yaml().parseDocument(text, { ...options, lineCounter }), lineCounter };
    }
    return parsed;
  };
  let lineOf: ParsedSource['lineOf'] | undefined;
  return {
    doc: () => parse().doc,
    lineOf: (pointer) => {
      if (!lineOf) {
        const { doc, lineCounter } = parse();
        lineOf = doc.errors.length ? () => undefined : locator(doc, lineCounter);
      }
      return lineOf(pointer);
    },
  };
}

function parseYaml(text: string, file: string): ParsedSource {
  // Most scenario files are plain YAML, which src/scenario/plain-yaml.ts reads without the YAML
  // library; `yaml` parses only the others, and any file once an error needs a line.
  const plain = readPlainYaml(text);
  if (plain !== undefined) return { data: plain, lineOf: lazilyLocated(text, YAML_OPTIONS).lineOf };
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...YAML_OPTIONS, lineCounter, prettyErrors: true });
  const syntax = doc.errors[0];
  if (syntax) {
    const line = syntax.linePos?.[0].line;
    throw new InputError({
      file,
      pointer: '',
      line,
      expected: 'valid YAML',
      found: syntax.message.split('\n')[0].replace(/:$/, ''),
    });
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    throw new InputError({ file, pointer: '', expected: 'valid YAML', found: String((error as Error).message) });
  }
  return { data, lineOf: locator(doc, lineCounter) };
}

/** How scenario YAML is read; `merge: true` lets scenarios share task definitions with `<<: *anchor`. */
const YAML_OPTIONS = { merge: true, uniqueKeys: true } as const;

/** Walk the YAML node tree along a JSON pointer; stop at the last node that exists. */
function locator(doc: Document, lineCounter: LineCounter): (pointer: string) => number | undefined {
  const { isAlias, isMap, isScalar, isSeq } = yaml();
  return (pointer) => {
    let node: unknown = doc.contents;
    const segments = pointer === '' ? [] : pointer.slice(1).split('/').map(unescapeSegment);
    for (const segment of segments) {
      if (isAlias(node)) node = node.resolve(doc);
      let next: unknown;
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : p.key) === segment);
        next = pair ? (pair.value ?? pair.key) : undefined;
      } else if (isSeq(node)) {
        next = node.items[Number(segment)];
      }
      if (next === undefined || next === null) break;
      node = next;
    }
    const range = (node as Node | null)?.range;
    return range ? lineCounter.linePos(range[0]).line : undefined;
  };
}

function unescapeSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function lineAndColumn(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, col: offset - before.lastIndexOf('\n') };
}
