// Every `§` the code cites resolves inside the repository: docs/reference/<note>.md has that section.
// `xen.md §2.4` names its note; a bare `§2.4` refers to the first reference note its file names
// (the header says which note the file follows); `seed §5.3.2` / `deliverable §…` cite the IRMOS
// deliverable in seeds/, not a note, and are skipped. `§2.4.3` or `§10.1` under a heading `2.4` or
// `10` is step 3 or item 1 of that section's numbered list.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const NOTES = join(ROOT, 'docs', 'reference');

/** Section numbers of each note: `## 2. Credit` → "2", `### 2.4 Accounting` → "2.4", `### 5a. File` → "5a". */
function sections(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const name of readdirSync(NOTES).filter((n) => n.endsWith('.md'))) {
    const found = new Set<string>();
    for (const line of readFileSync(join(NOTES, name), 'utf8').split('\n')) {
      const m = /^#{1,4}\s+(\d+[a-z]?(?:\.\d+)*)\.?\s/.exec(line);
      if (m) found.add(m[1]);
    }
    out.set(name, found);
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** A section, or a numbered item of one (one more number after an existing section). */
function resolves(section: string, known: Set<string>): boolean {
  if (known.has(section)) return true;
  const cut = section.lastIndexOf('.');
  return cut > 0 && /^\d+$/.test(section.slice(cut + 1)) && known.has(section.slice(0, cut));
}

/** Every citation of a file: [note, section, line]. */
function citations(text: string, notes: Set<string>): { note: string | null; section: string; line: number }[] {
  const context = [...text.matchAll(/([a-z0-9-]+\.md)/g)].map((m) => m[1]).find((n) => notes.has(n)) ?? null;
  const out: { note: string | null; section: string; line: number }[] = [];
  // A note name followed by one or more sections: `xen.md §1, §7.3`, `linux-irmos.md §2.4 and §4.2`.
  const named = /([a-z0-9-]+\.md)((?:[\s,/]*(?:and\s+)?§\s*\d+[a-z]?(?:\.\d+)*(?:\([a-z]\))?)+)/g;
  const claimed = new Set<number>();
  for (const m of text.matchAll(named)) {
    if (!notes.has(m[1])) continue;
    for (const s of m[2].matchAll(/§\s*(\d+[a-z]?(?:\.\d+)*)/g)) {
      const at = m.index! + m[1].length + s.index!;
      claimed.add(at);
      out.push({ note: m[1], section: s[1], line: text.slice(0, at).split('\n').length });
    }
  }
  for (const s of text.matchAll(/§\s*(\d+[a-z]?(?:\.\d+)*)/g)) {
    if (claimed.has(s.index!)) continue;
    const before = text.slice(Math.max(0, s.index! - 24), s.index!);
    if (/(seed|deliverable|000)[^§]*$/.test(before)) continue;
    out.push({ note: context, section: s[1], line: text.slice(0, s.index!).split('\n').length });
  }
  return out;
}

describe('reference citations', () => {
  const notes = sections();
  const files = ['src', 'models'].flatMap((d) => sourceFiles(join(ROOT, d)));

  it('the code cites some sections of every note it relies on', () => {
    const cited = new Set(files.flatMap((f) => citations(readFileSync(f, 'utf8'), new Set(notes.keys())).map((c) => c.note)));
    for (const note of ['linux-irmos.md', 'xen.md', 'peers-and-rt-app.md']) expect(cited).toContain(note);
  });

  it('every § in src/ and models/ names a section that exists in docs/reference/', () => {
    const broken: string[] = [];
    for (const file of files) {
      for (const c of citations(readFileSync(file, 'utf8'), new Set(notes.keys()))) {
        const where = `${relative(ROOT, file)}:${c.line}`;
        if (c.note === null) broken.push(`${where}: §${c.section} cites no note (name one, e.g. "xen.md §${c.section}")`);
        else if (!resolves(c.section, notes.get(c.note)!)) broken.push(`${where}: ${c.note} has no §${c.section}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('a made-up section is caught', () => {
    const found = citations('// follows xen.md\n// BOOST on wake (§2.5), see also xen.md §42.1 and linux-irmos.md §2.4.3\n', new Set(notes.keys()));
    const bad = found.filter((c) => !resolves(c.section, notes.get(c.note!)!)).map((c) => `${c.note} §${c.section}`);
    expect(bad).toEqual(['xen.md §42.1']);
  });
});
