// A reader for the plain subset of YAML that scenario files are written in — block mappings and
// sequences of identifier keys, one-line flow collections, plain and one-line quoted scalars, `>`
// and `|` blocks of one indentation — so a valid scenario needs neither the `yaml` package's load
// nor its parse (start-up, issue 14: for the 2.3 KB EDF set that parse costs ~50 M instructions
// interpreted, and ~125 M more of V8's optimising compiler working on the parser's functions for
// their single use, on the core the simulation's own compiles need next).
//
// It is a fast path, never a second opinion: it returns the data only where it is sure `yaml`
// (parseDocument with the options src/scenario/source.ts gives, then toJS) reads the same data
// without an error, and `undefined` for anything else — anchors, tags, merge keys, block scalars
// with indicators, blank or deeper lines, multi-line or escaped scalars, unusual keys, any doubtful
// indentation, duplicate keys, numbers in any form but plain decimals — which then goes to `yaml`,
// with its messages. Plain scalars are typed by YAML 1.2's core schema as `yaml` 2 applies it (its
// schema/core tags: null, bool, int, float); test/plain-yaml.test.ts compares the two readers on the
// bundled files, on generated documents and on mutated ones.

/** What the fast path gives up on: the caller parses the text with `yaml` instead. */
class NotPlain extends Error {}
const giveUp = (): never => {
  throw new NotPlain();
};

interface Line {
  /** Spaces before the content. */
  indent: number;
  /** The content after them (a comment-only or blank line is not a Line). */
  text: string;
  /** Its index among the text's lines (a block scalar reads those, comment-like lines included). */
  raw: number;
}

/** The text's data, or `undefined` where it leaves the plain subset (then use `yaml`). */
export function readPlainYaml(text: string): unknown {
  try {
    if (OUTSIDE_SUBSET.test(text)) return undefined;
    const rawLines = text.split('\n');
    const lines = contentLines(rawLines);
    if (lines.length === 0 || lines[0].indent !== 0) return undefined;
    if (lines[0].text[0] === '{' || lines[0].text[0] === '[') return lines.length === 1 ? inlineValue(lines[0].text) : undefined;
    const reader = new BlockReader(lines, rawLines);
    const data = reader.block(0);
    if (reader.at < lines.length) return undefined;
    return data;
  } catch (error) {
    if (error instanceof NotPlain) return undefined;
    throw error;
  }
}

// Characters the subset admits anywhere: printable ASCII and the newline, and non-ASCII text
// except the byte-order mark, the line and paragraph separators (which YAML or JavaScript treat
// as breaks), the other Unicode spaces (JavaScript's trim and \s take them for white space, YAML
// does not) and surrogates (an astral character or a broken one): all left to `yaml`.
const OUTSIDE_SUBSET = /[^\n\x20-\x7e\u00a1-\ud7ff\ue000-\ufefe\uff00-\ufffd]|[\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

function contentLines(rawLines: string[]): Line[] {
  const lines: Line[] = [];
  rawLines.forEach((line, raw) => {
    const indent = indentOf(line);
    const content = line.slice(indent);
    if (content === '' || content[0] === '#') return;
    // Document markers and directives start a YAML stream's structure the subset does not have.
    if (indent === 0 && (content.startsWith('---') || content.startsWith('...') || content[0] === '%')) giveUp();
    lines.push({ indent, text: content.trimEnd(), raw });
  });
  return lines;
}

function indentOf(line: string): number {
  let indent = 0;
  while (line.charCodeAt(indent) === 32) indent++;
  return indent;
}

// A key the subset admits: an identifier-like plain scalar that the core schema reads as a string
// (not null or a boolean), and not one JavaScript objects treat specially.
const KEY_START = '[A-Za-z_$]';
const KEY_REST = '[A-Za-z0-9_.$-]';
const KEY = new RegExp(`^${KEY_START}${KEY_REST}{0,127}$`);
/** A flow mapping's `key: ` at the reader's position (the key checked by checkedKey after). */
const FLOW_ENTRY_HEAD = new RegExp(`^(${KEY_START}${KEY_REST}*): `);
const NOT_STRING_KEYS = new Set(['null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE', '__proto__']);
function checkedKey(key: string): string {
  if (!KEY.test(key) || NOT_STRING_KEYS.has(key)) giveUp();
  return key;
}

/** `key`, not yet in `map`: a duplicate is `yaml`'s to report (uniqueKeys). */
function newKeyOf(map: Record<string, unknown>, key: string): string {
  if (Object.prototype.hasOwnProperty.call(map, key)) giveUp();
  return key;
}

/** `key:` at the start of `text`, followed by a space or the end: the key and where its value starts. */
function entryHead(text: string): { key: string; rest: string } | undefined {
  const colon = text.indexOf(':');
  if (colon <= 0 || (colon + 1 < text.length && text[colon + 1] !== ' ')) return undefined;
  const key = text.slice(0, colon);
  if (!KEY.test(key)) return undefined;
  return { key: checkedKey(key), rest: text.slice(colon + 1).trimStart() };
}

const isSequenceEntry = (text: string) => text === '-' || text.startsWith('- ');

/** Block structure: each Line is one mapping entry or sequence entry. */
class BlockReader {
  at = 0;
  constructor(
    private readonly lines: Line[],
    private readonly rawLines: string[],
  ) {}

  /** The block node whose first line is the current one, at `indent`. */
  block(indent: number): unknown {
    const line = this.lines[this.at];
    if (line.indent !== indent) giveUp();
    return isSequenceEntry(line.text) ? this.sequence(indent) : this.mapping(indent);
  }

  private mapping(indent: number): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    while (this.at < this.lines.length && this.lines[this.at].indent >= indent) {
      const line = this.lines[this.at];
      if (line.indent !== indent) giveUp();
      const head = entryHead(line.text) ?? giveUp();
      const key = newKeyOf(map, head.key);
      this.at++;
      map[key] = head.rest === '' || head.rest[0] === '#' ? this.nested(indent, true) : this.valueOnLine(head.rest, line);
    }
    return map;
  }

  private sequence(indent: number): unknown[] {
    const items: unknown[] = [];
    while (this.at < this.lines.length && this.lines[this.at].indent >= indent) {
      const line = this.lines[this.at];
      if (line.indent !== indent) giveUp();
      // A line of the same indentation but no entry ends a sequence that is a mapping's value at
      // the mapping's own indentation; anywhere else the caller finds it out of place.
      if (!isSequenceEntry(line.text)) break;
      const rest = line.text.slice(1).trimStart();
      if (rest === '' || rest[0] === '#') {
        this.at++;
        items.push(this.nested(indent, false));
      } else if (entryHead(rest)) {
        // `- key: value`: a mapping whose entries sit at the column of its first key.
        const column = line.indent + (line.text.length - rest.length);
        this.lines[this.at] = { indent: column, text: rest, raw: line.raw };
        items.push(this.mapping(column));
      } else {
        this.at++;
        items.push(this.valueOnLine(rest, line));
      }
    }
    return items;
  }

  /** The value that starts after the indicator on `line`: a block scalar's header or an inline value. */
  private valueOnLine(text: string, line: Line): unknown {
    return text === '>' || text === '|' ? this.blockScalar(text, line) : inlineValue(text);
  }

  /**
   * A block scalar (`>` folded, `|` literal; YAML 1.2, section 8.1) of the simplest shape: one or more
   * lines all at the same indentation, deeper than its entry's, no blank line among them and no
   * trailing space (folding rules for those differ), ending at a less indented line. Clipped: the
   * value ends with one line break. Its lines are read raw — one starting with `#` is text here.
   */
  private blockScalar(style: '>' | '|', entry: Line): string {
    const first = entry.raw + 1;
    const indent = first < this.rawLines.length ? indentOf(this.rawLines[first]) : 0;
    // (A first line that is blank would make YAML find the indentation further down.)
    if (indent <= entry.indent || indent === this.rawLines[first].length) giveUp();
    const texts: string[] = [];
    let end = first;
    for (; end < this.rawLines.length; end++) {
      const line = this.rawLines[end];
      const lineIndent = indentOf(line);
      // Spaces only, no more than the indentation: an empty line, the end if nothing deeper follows
      // (below). More spaces than that are text in YAML (a line of spaces): left to `yaml`.
      if (lineIndent === line.length) {
        if (line.length > indent) giveUp();
        break;
      }
      if (lineIndent < indent) break;
      if (lineIndent > indent || line.endsWith(' ')) giveUp();
      texts.push(line.slice(indent));
    }
    // Blank lines may only trail the scalar: up to the next line less indented than its text. And
    // a line break must end its last line (at the end of the file YAML would keep none).
    if (end === this.rawLines.length) giveUp();
    for (let after = end; after < this.rawLines.length; after++) {
      const line = this.rawLines[after];
      const lineIndent = indentOf(line);
      if (lineIndent === line.length) {
        if (line.length > indent) giveUp();
        continue;
      }
      if (lineIndent >= indent) giveUp();
      break;
    }
    while (this.at < this.lines.length && this.lines[this.at].raw < end) this.at++;
    return texts.join(style === '>' ? ' ' : '\n') + '\n';
  }

  /**
   * The value of an entry with nothing after its indicator: a block on the following lines, more
   * indented — or, for a mapping's entry, a sequence at the mapping's own indentation — else null.
   */
  private nested(indent: number, inMapping: boolean): unknown {
    const next = this.lines[this.at];
    if (next === undefined || next.indent < indent) return null;
    if (next.indent > indent) return this.block(next.indent);
    return inMapping && isSequenceEntry(next.text) ? this.sequence(indent) : null;
  }
}

/** A value that starts on its entry's line and ends there: flow collection, quoted or plain scalar. */
function inlineValue(text: string): unknown {
  if (text[0] === '[' || text[0] === '{') {
    const flow = new FlowReader(text);
    const value = flow.value();
    flow.expectEnd();
    return value;
  }
  if (text[0] === '"' || text[0] === "'") {
    const { value, end } = quoted(text, 0);
    if (!isCommentOrNothing(text.slice(end))) giveUp();
    return value;
  }
  const comment = text.indexOf(' #');
  return plainScalar((comment < 0 ? text : text.slice(0, comment)).trimEnd(), false);
}

const isCommentOrNothing = (text: string) => /^ *(?: #.*)?$/.test(text);

/** A one-line quoted scalar starting at `from`: its value and the index after its closing quote. */
function quoted(text: string, from: number): { value: string; end: number } {
  const quote = text[from];
  if (quote === '"') {
    const close = text.indexOf('"', from + 1);
    const value = close < 0 ? giveUp() : text.slice(from + 1, close);
    if (value.includes('\\')) giveUp(); // escapes: left to `yaml`
    return { value, end: close + 1 };
  }
  let value = '';
  let at = from + 1;
  for (;;) {
    const close = text.indexOf("'", at);
    if (close < 0) giveUp();
    value += text.slice(at, close);
    if (text[close + 1] !== "'") return { value, end: close + 1 };
    value += "'";
    at = close + 2;
  }
}

// YAML 1.2 core schema, as `yaml` 2 resolves plain scalars (its schema/common/null.js and
// schema/core/{bool,int,float}.js): these patterns are the tags' tests.
const CORE_NULL = /^(?:~|[Nn]ull|NULL)$/;
const CORE_BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const CORE_NUMBER = [
  /^[-+]?[0-9]+$/, // int
  /^0o[0-7]+$/, // int, octal
  /^0x[0-9a-fA-F]+$/, // int, hexadecimal
  /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/, // float
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/, // float, exponent
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/, // float, infinity and not-a-number
];
// The numbers the fast path reads itself: decimals without sign, leading zero or exponent, short
// enough to be exact (−0, 1e3, 0x10, 010, .5, 1. and the rest are `yaml`'s).
const PLAIN_INTEGER = /^-?(?:0|[1-9][0-9]{0,14})$/;
const PLAIN_DECIMAL = /^-?(?:0|[1-9][0-9]{0,14})\.[0-9]{1,15}$/;
// A plain scalar may not start with an indicator (YAML 1.2, section 7.3.3) — the subset also refuses `-`,
// `?` and `:` before a non-space — nor hold a `#` or `: ` (a comment or a nested entry); in a flow
// collection not a flow indicator or any `:` either.
const BLOCK_PLAIN = /^[^-?:,[\]{}#&*!|>'"%@`\s][^#]*$/;
const FLOW_PLAIN = /^[^-?:,[\]{}#&*!|>'"%@`\s][^#:,[\]{}]*$/;

function plainScalar(text: string, inFlow: boolean): unknown {
  if (PLAIN_INTEGER.test(text)) return text === '-0' ? giveUp() : parseInt(text, 10);
  if (PLAIN_DECIMAL.test(text)) return text.startsWith('-0.') && /^-0\.0*$/.test(text) ? giveUp() : parseFloat(text);
  if (!(inFlow ? FLOW_PLAIN : BLOCK_PLAIN).test(text) || text.includes(': ') || text.endsWith(':')) giveUp();
  if (CORE_NULL.test(text)) return null;
  if (CORE_BOOL.test(text)) return text[0] === 't' || text[0] === 'T';
  if (CORE_NUMBER.some((pattern) => pattern.test(text))) giveUp();
  return text;
}

/** A flow collection that opens and closes on one line: `{ key: value, … }`, `[value, …]`. */
class FlowReader {
  private at = 0;
  constructor(private readonly text: string) {}

  value(): unknown {
    this.skipSpaces();
    const c = this.text[this.at];
    if (c === '{') return this.collection('}', true);
    if (c === '[') return this.collection(']', false);
    if (c === '"' || c === "'") {
      const { value, end } = quoted(this.text, this.at);
      this.at = end;
      return value;
    }
    const start = this.at;
    while (this.at < this.text.length && !',]}'.includes(this.text[this.at])) this.at++;
    return plainScalar(this.text.slice(start, this.at).trimEnd(), true);
  }

  expectEnd(): void {
    if (!isCommentOrNothing(this.text.slice(this.at))) giveUp();
  }

  private collection(close: string, isMap: boolean): unknown {
    this.at++; // the opening bracket
    const map: Record<string, unknown> = {};
    const items: unknown[] = [];
    this.skipSpaces();
    if (this.text[this.at] === close) {
      this.at++;
      return isMap ? map : items;
    }
    for (;;) {
      if (isMap) {
        this.skipSpaces();
        const head = FLOW_ENTRY_HEAD.exec(this.text.slice(this.at)) ?? giveUp();
        const key = newKeyOf(map, checkedKey(head[1]));
        this.at += head[0].length;
        map[key] = this.value();
      } else {
        items.push(this.value());
      }
      this.skipSpaces();
      const c = this.text[this.at++];
      if (c === close) return isMap ? map : items;
      if (c !== ',') giveUp();
      this.skipSpaces();
      if (this.text[this.at] === close) giveUp(); // a trailing comma: left to `yaml`
    }
  }

  private skipSpaces(): void {
    while (this.text[this.at] === ' ') this.at++;
  }
}
