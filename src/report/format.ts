// Number formatting shared by the text outputs.
import { formatDuration } from '../scenario/units.js';

export const fmtNs = (ns: number): string => (Number.isFinite(ns) ? formatDuration(ns) : '∞');
/** "a", "a and b", "a, b and c". */
export function listText(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export const fmtPct = (x: number, digits = 1): string => `${(x * 100).toFixed(digits)} %`;

/** A Markdown table; cells are escaped so scenario text cannot break the layout. */
export function mdTable(header: string[], rows: string[][]): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [`| ${header.map(esc).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.map(esc).join(' | ')} |`);
  return lines.join('\n');
}
