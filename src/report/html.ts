// The HTML rendering of a report: one self-contained file (PNGs inlined as data: URLs, CSS and the
// table-sorting script inline, nothing fetched; the index of every experiment links its charts
// instead, lazily loaded, so it stays light), readable from a phone to a laptop (fluid layout,
// tables scroll sideways on narrow screens). Every piece of text is escaped; the only markup is
// ours.

import { cellText, slug, spans, type Block, type Cell, type Doc, type Text } from './doc.js';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function htmlSpans(text: Text): string {
  return spans(text)
    .map((s) => {
      if (typeof s === 'string') return escapeHtml(s);
      if ('strong' in s) return `<strong>${escapeHtml(s.strong)}</strong>`;
      if ('code' in s) return `<code>${escapeHtml(s.code)}</code>`;
      if ('doc' in s) return `<a href="${escapeHtml(encodeURI(`${s.doc}.html`))}">${escapeHtml(s.text)}</a>`;
      return `<a href="#${escapeHtml(slug(s.anchor))}">${escapeHtml(s.text)}</a>`;
    })
    .join('');
}

function td(cell: Cell): string {
  const sort = typeof cell === 'object' && !Array.isArray(cell) && 'sort' in cell ? ` data-sort="${Number.isFinite(cell.sort) ? cell.sort : cell.sort > 0 ? 'Infinity' : '-Infinity'}"` : '';
  return `<td${sort}>${htmlSpans(cellText(cell))}</td>`;
}

/** How charts appear: inlined as data: URLs (a self-contained page) or linked by their path (a light one). */
export type ImageMode = 'inline' | 'linked';

function block(b: Block, figureNumber: () => number, images: ImageMode): string {
  switch (b.kind) {
    case 'heading': {
      const id = b.anchor ?? slug(b.text);
      return `<h${b.level} id="${escapeHtml(id)}">${escapeHtml(b.text)}</h${b.level}>`;
    }
    case 'paragraph':
      return `<p>${htmlSpans(b.text)}</p>`;
    case 'list':
      return `<ul>${b.items.map((i) => `<li>${htmlSpans(i)}</li>`).join('')}</ul>`;
    case 'table': {
      const head = b.header.map((h) => `<th scope="col"><button type="button">${escapeHtml(h)}</button></th>`).join('');
      const body = b.rows.map((r) => `<tr>${r.map(td).join('')}</tr>`).join('\n');
      const caption = b.caption ? `<caption>${escapeHtml(b.caption)}</caption>` : '';
      return `<div class="table"><table class="sortable">${caption}<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table></div>`;
    }
    case 'figure': {
      const n = figureNumber();
      const src =
        images === 'linked'
          ? `${escapeHtml(encodeURI(b.src))}" loading="lazy`
          : `data:image/png;base64,${Buffer.from(b.png.buffer, b.png.byteOffset, b.png.byteLength).toString('base64')}`;
      return `<figure><img src="${src}" width="${b.width}" height="${b.height}" alt="${escapeHtml(b.alt)}"><figcaption><strong>Figure ${n}.</strong> ${htmlSpans(b.caption)}</figcaption></figure>`;
    }
  }
}

const CSS = `
:root { color-scheme: light; --fg: #1d1d1f; --muted: #5a5a5f; --line: #d7d7dc; --accent: #1f63b4; --bg-alt: #f5f6f8; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: #fff; }
main { max-width: 64rem; margin: 0 auto; padding: 1rem 1rem 4rem; }
h1 { font-size: 1.9rem; line-height: 1.2; margin: 1.2rem 0 0.8rem; }
h2 { font-size: 1.5rem; margin: 2.6rem 0 0.6rem; padding-top: 0.8rem; border-top: 2px solid var(--line); }
h3 { font-size: 1.2rem; margin: 1.8rem 0 0.5rem; }
h4 { font-size: 1.02rem; margin: 1.3rem 0 0.4rem; color: var(--muted); }
a { color: var(--accent); }
code { font-size: 0.92em; background: var(--bg-alt); padding: 0.05em 0.3em; border-radius: 3px; }
.table { overflow-x: auto; margin: 0.6rem 0 1.2rem; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; font-size: 0.9rem; min-width: 60%; }
caption { text-align: left; color: var(--muted); padding: 0.2rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: 0.35rem 0.6rem; text-align: left; vertical-align: top; }
td { font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: var(--bg-alt); }
th { white-space: nowrap; background: #fff; }
th button { all: unset; cursor: pointer; font-weight: 600; }
th button::after { content: " \\2195"; color: #aaa; font-weight: 400; }
th[aria-sort="ascending"] button::after { content: " \\2191"; color: var(--accent); }
th[aria-sort="descending"] button::after { content: " \\2193"; color: var(--accent); }
th button:focus-visible { outline: 2px solid var(--accent); }
figure { margin: 1.2rem 0 1.8rem; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { font-size: 0.9rem; color: var(--muted); margin-top: 0.4rem; }
@media (max-width: 600px) { body { font-size: 15px; } main { padding: 0.6rem 0.7rem 3rem; } h1 { font-size: 1.5rem; } h2 { font-size: 1.3rem; } table { font-size: 0.82rem; } }
@media print { h2 { break-before: page; } .table { overflow: visible; } }
`;

/** Click a header to sort by that column (numbers by their data-sort value); again to reverse. */
const SCRIPT = `
(function () {
  function key(cell) {
    var s = cell.getAttribute('data-sort');
    if (s !== null) return { n: Number(s) };
    return { t: cell.textContent.trim() };
  }
  function compare(a, b) {
    if (a.n !== undefined && b.n !== undefined) return a.n === b.n ? 0 : a.n < b.n ? -1 : 1;
    if (a.n !== undefined) return -1;
    if (b.n !== undefined) return 1;
    return a.t.localeCompare(b.t, 'en', { numeric: true });
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    var heads = table.querySelectorAll('thead th');
    heads.forEach(function (th, col) {
      th.querySelector('button').addEventListener('click', function () {
        var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
        heads.forEach(function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows).map(function (row, i) { return { row: row, i: i, k: key(row.cells[col]) }; });
        rows.sort(function (a, b) { return dir * compare(a.k, b.k) || a.i - b.i; });
        rows.forEach(function (r) { body.appendChild(r.row); });
      });
    });
  });
  document.documentElement.setAttribute('data-tables', 'sortable');
})();
`;

export function renderHtml(doc: Doc, images: ImageMode = 'inline'): string {
  let figures = 0;
  const next = () => ++figures;
  const body = doc.blocks.map((b) => block(b, next, images)).join('\n');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // No favicon request: the file must not touch the network or the disk beyond itself.
    '<link rel="icon" href="data:,">',
    `<title>${escapeHtml(doc.title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<main>',
    body,
    '</main>',
    `<script>${SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
