// Errors users read. Bad input (scenario, flags, rt-app files, infeasible configurations) is an
// InputError: it names the file, the JSON pointer inside it, what was expected and what was found.
// The CLI prints it without a stack trace and exits 2.

export interface InputErrorFields {
  /** File the bad value came from ('<command line>' for flags). */
  file: string;
  /** RFC 6901 JSON pointer to the offending value ('' = whole document). */
  pointer: string;
  /** Optional: 1-based line of the offending value in the file, when the parser knows it. */
  line?: number;
  /** What a valid value looks like. */
  expected: string;
  /** What was there instead (already rendered for humans). */
  found: string;
  /** Optional: what to do about it. */
  hint?: string;
}

export class InputError extends Error {
  readonly file: string;
  readonly pointer: string;
  readonly line?: number;
  readonly expected: string;
  readonly found: string;
  readonly hint?: string;

  constructor(fields: InputErrorFields) {
    super(formatInputError(fields));
    this.name = 'InputError';
    this.file = fields.file;
    this.pointer = fields.pointer;
    this.line = fields.line;
    this.expected = fields.expected;
    this.found = fields.found;
    this.hint = fields.hint;
  }

  toJSON(): InputErrorFields {
    return { file: this.file, pointer: this.pointer, line: this.line, expected: this.expected, found: this.found, hint: this.hint };
  }
}

export function formatInputError(f: InputErrorFields): string {
  const file = f.line === undefined ? f.file : `${f.file}:${f.line}`;
  const where = f.pointer === '' ? file : `${file} at ${f.pointer}`;
  const lines = [escapeControl(`${where}: expected ${f.expected}, found ${f.found}`)];
  if (f.hint) lines.push(`  hint: ${escapeControl(f.hint)}`);
  return lines.join('\n');
}

/**
 * Control characters (C0, DEL, C1) as \u escapes: file names, keys and values come from files and
 * flags, and raw escape sequences in them would reach the terminal (issue 15, item 10).
 */
export function escapeControl(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** How deep describeValue looks into nested values: a 5,000-deep array must not overflow the stack. */
const DESCRIBE_DEPTH = 8;
const DESCRIBE_WIDTH = 80;

/** Render a found value compactly for an error message (bounded in depth and length). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = compactJson(value, DESCRIBE_DEPTH, DESCRIBE_WIDTH + 1);
  return text.length > DESCRIBE_WIDTH ? `${text.slice(0, DESCRIBE_WIDTH - 3)}...` : text;
}

/** JSON of `value`, nested values below `depth` as "…", stopping once `budget` characters are out. */
function compactJson(value: unknown, depth: number, budget: number): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'string') return JSON.stringify(value.length > budget ? value.slice(0, budget) : value);
    return typeof value === 'bigint' || typeof value === 'function' || typeof value === 'symbol' ? String(value) : (JSON.stringify(value) ?? 'nothing');
  }
  if (depth === 0) return Array.isArray(value) ? '[…]' : '{…}';
  const parts: string[] = [];
  let used = 2;
  const entries = Array.isArray(value) ? value.map((v) => [undefined, v] as const) : Object.entries(value).map(([k, v]) => [k, v] as const);
  for (const [key, item] of entries) {
    if (used > budget) break;
    const text = (key === undefined ? '' : `${JSON.stringify(key)}:`) + compactJson(item, depth - 1, budget - used);
    parts.push(text);
    used += text.length + 1;
  }
  return Array.isArray(value) ? `[${parts.join(',')}]` : `{${parts.join(',')}}`;
}

/** Join JSON pointer segments, escaping '~' and '/' as RFC 6901 requires. */
export function pointerOf(...segments: (string | number)[]): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}
