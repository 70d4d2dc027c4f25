// A report as a list of blocks, rendered to Markdown here and to HTML in html.ts, so the two
// formats say the same thing. Text is plain strings until a renderer escapes it for its format:
// nothing from a scenario (descriptions, ids) is ever pasted into markup unescaped.

export type Span =
  | string
  | { strong: string }
  | { code: string }
  /** A link to another generated document, without extension: `.md` or `.html` is added per format. */
  | { text: string; doc: string }
  /** A link to a heading of this document. */
  | { text: string; anchor: string };

export type Text = Span | Span[];

/** A table cell; `sort` is the value HTML tables sort by (numbers sort numerically). */
export type Cell = Text | { text: Text; sort: number };

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3 | 4; text: string; anchor?: string }
  | { kind: 'paragraph'; text: Text }
  | { kind: 'list'; items: Text[] }
  | { kind: 'table'; header: string[]; rows: Cell[][]; caption?: string }
  /** `src` is the PNG's path relative to the document (Markdown); HTML inlines `png`. */
  | { kind: 'figure'; src: string; png: Uint8Array; width: number; height: number; alt: string; caption: Text };

export interface Doc {
  title: string;
  blocks: Block[];
}

export function spans(text: Text): Span[] {
  return Array.isArray(text) ? text : [text];
}

export function cellText(cell: Cell): Text {
  return typeof cell === 'object' && !Array.isArray(cell) && 'sort' in cell ? cell.text : cell;
}

/** Anchor of a heading: lower-case letters, digits, '-' and '_' (GitHub's slug of such a heading). */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/\s+/g, '-')
    .replace(/[^a-z0-9_-]/g, '');
}

// ---- Markdown -------------------------------------------------------------------------------

/** Escape free text for CommonMark: markup characters, raw HTML, and line-start list/heading markers. */
export function mdEscape(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/[\\`*_[\]<>|#]/g, (c) => `\\${c}`)
    .replace(/&(?=[A-Za-z#][A-Za-z0-9]*;)/g, '&amp;');
}

function mdSpans(text: Text): string {
  return spans(text)
    .map((s) => {
      if (typeof s === 'string') return mdEscape(s);
      if ('strong' in s) return `**${mdEscape(s.strong)}**`;
      if ('code' in s) return `\`${s.code.replace(/`/g, "'")}\``;
      if ('doc' in s) return `[${mdEscape(s.text)}](${encodeURI(`${s.doc}.md`)})`;
      return `[${mdEscape(s.text)}](#${slug(s.anchor)})`;
    })
    .join('');
}

/** A paragraph must not start like a list item, a heading or a quote. */
function mdBlockStart(line: string): string {
  return line.replace(/^(\d+)([.)])/, '$1\\$2').replace(/^([-+=])/, '\\$1');
}

export function renderMarkdown(doc: Doc): string {
  const out: string[] = [];
  let figure = 0;
  for (const b of doc.blocks) {
    switch (b.kind) {
      case 'heading':
        out.push(`${'#'.repeat(b.level)} ${mdEscape(b.text)}`);
        break;
      case 'paragraph':
        out.push(mdBlockStart(mdSpans(b.text)));
        break;
      case 'list':
        out.push(b.items.map((i) => `- ${mdSpans(i)}`).join('\n'));
        break;
      case 'table': {
        const cell = (c: Cell) => mdSpans(cellText(c)).replace(/\\\|/g, '\\|');
        const lines = [`| ${b.header.map((h) => mdEscape(h)).join(' | ')} |`, `|${b.header.map(() => '---').join('|')}|`];
        for (const r of b.rows) lines.push(`| ${r.map(cell).join(' | ')} |`);
        if (b.caption) out.push(mdBlockStart(mdEscape(b.caption)));
        out.push(lines.join('\n'));
        break;
      }
      case 'figure':
        figure++;
        out.push(`![${mdEscape(b.alt)}](${encodeURI(b.src)})`, `*Figure ${figure}.* ${mdSpans(b.caption)}`);
        break;
    }
  }
  return out.join('\n\n') + '\n';
}
