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
  const lines = [`${where}: expected ${f.expected}, found ${f.found}`];
  if (f.hint) lines.push(`  hint: ${f.hint}`);
  return lines.join('\n');
}

/** Render a found value compactly for an error message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

/** Join JSON pointer segments, escaping '~' and '/' as RFC 6901 requires. */
export function pointerOf(...segments: (string | number)[]): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}
