// The isolation heat map of one model as PNG: rows = victim tasks, columns = aggressors, colour =
// change of the victim's p99 response time (white: none, red: worse on a log scale up to ×11,
// blue: better), text = Δp99 and Δ miss ratio. Drawn directly on @napi-rs/canvas (chart.js has no
// matrix chart without a plugin); the font is the one the report charts ship (src/report/charts.ts)
// registered under its own alias here, so output bytes do not depend on the machine's fonts.
// It takes a matrix and nothing else, so the report pipeline can call it like any chart.

import { createRequire } from 'node:module';
import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
import { chartText } from '../report/charts.js';
import type { IsolationCell, IsolationResults, ModelMatrix } from './matrix.js';
import { fmtDeltaPct, fmtDeltaPp } from './render.js';

const FONT = 'HvsimHeatmapSans';
let fontReady = false;

function ensureFont(): void {
  if (fontReady) return;
  if (!GlobalFonts.has(FONT)) {
    const require = createRequire(import.meta.url);
    for (const weight of ['400', '700']) {
      GlobalFonts.registerFromPath(require.resolve(`@fontsource/dejavu-sans/files/dejavu-sans-latin-${weight}-normal.woff2`), FONT);
    }
  }
  fontReady = true;
}

/** Fill colour of a cell: white at 0, red towards +1000 % (log scale), blue towards −50 %; grey when undefined. */
export function heatColour(c: IsolationCell | null): string {
  if (c === null) return '#e8e8e8';
  if (c.starved) return '#67000d';
  const d = c.deltaP99Pct;
  if (d === null) return '#d0d0d0';
  if (d >= 0) {
    const t = Math.min(1, Math.log10(1 + d / 10) / Math.log10(101));
    return mix([255, 255, 255], [178, 24, 43], t);
  }
  const t = Math.min(1, -d / 50);
  return mix([255, 255, 255], [33, 102, 172], t);
}

function mix(a: number[], b: number[], t: number): string {
  const c = a.map((x, i) => Math.round(x + (b[i] - x) * t));
  return `#${c.map((x) => x.toString(16).padStart(2, '0')).join('')}`;
}

function luminance(hex: string): number {
  const n = parseInt(hex.slice(1), 16);
  return (0.299 * ((n >> 16) & 255) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255)) / 255;
}

/** Render the heat map of `matrix` (one model of `results`) to PNG bytes. */
export function renderIsolationHeatmap(results: IsolationResults, matrix: ModelMatrix): Uint8Array {
  ensureFont();
  const aggressors = results.aggressors;
  const rowLabelW = 230;
  const cellW = 220;
  const cellH = 64;
  const top = 96;
  const width = Math.max(620, rowLabelW + cellW * aggressors.length + 30);
  const height = top + cellH * Math.max(1, matrix.rows.length) + 70;
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  ctx.textBaseline = 'middle';

  ctx.fillStyle = '#222222';
  ctx.font = `bold 16px ${FONT}`;
  ctx.textAlign = 'left';
  ctx.fillText(chartText(`Isolation: ${results.scenario.name} under ${matrix.model}`), 16, 22);
  ctx.font = `12px ${FONT}`;
  ctx.fillStyle = '#555555';
  ctx.fillText(chartText('colour: change of the victim\'s p99 response time; text: p99 and miss-ratio changes'), 16, 44);

  // Column headers.
  ctx.font = `bold 13px ${FONT}`;
  ctx.fillStyle = '#333333';
  ctx.textAlign = 'center';
  aggressors.forEach((a, j) => {
    const x = rowLabelW + j * cellW + cellW / 2;
    ctx.fillText(chartText(`${a.vmu}`), x, top - 28);
    ctx.font = `12px ${FONT}`;
    ctx.fillText(chartText(a.misbehaviour.mode === 'busy' ? 'busy loop' : `demand x${a.misbehaviour.factor}`), x, top - 12);
    ctx.font = `bold 13px ${FONT}`;
  });

  matrix.rows.forEach((r, i) => {
    const y = top + i * cellH;
    ctx.textAlign = 'right';
    ctx.fillStyle = '#333333';
    ctx.font = `bold 13px ${FONT}`;
    ctx.fillText(chartText(r.task), rowLabelW - 12, y + cellH / 2 - 8);
    ctx.font = `12px ${FONT}`;
    ctx.fillStyle = '#666666';
    ctx.fillText(chartText(r.vmu === null ? 'host thread' : `VMU ${r.vmu}`), rowLabelW - 12, y + cellH / 2 + 9);
    r.cells.forEach((c, j) => {
      const x = rowLabelW + j * cellW;
      const fill = heatColour(c);
      ctx.fillStyle = fill;
      ctx.fillRect(x + 1, y + 1, cellW - 2, cellH - 2);
      ctx.strokeStyle = '#cccccc';
      ctx.strokeRect(x + 1.5, y + 1.5, cellW - 3, cellH - 3);
      ctx.fillStyle = luminance(fill) < 0.5 ? '#ffffff' : '#222222';
      ctx.textAlign = 'center';
      const [line1, line2, line3] = cellLines(c);
      ctx.font = `bold 13px ${FONT}`;
      ctx.fillText(chartText(line1), x + cellW / 2, y + cellH / 2 - 16);
      ctx.font = `12px ${FONT}`;
      ctx.fillText(chartText(line2), x + cellW / 2, y + cellH / 2);
      if (line3 !== '') ctx.fillText(chartText(line3), x + cellW / 2, y + cellH / 2 + 16);
    });
  });

  // Legend.
  const ly = top + cellH * Math.max(1, matrix.rows.length) + 22;
  const stops: [string, IsolationCell | null][] = [
    ['-50 %', fake(-50)],
    ['0', fake(0)],
    ['+10 %', fake(10)],
    ['+100 %', fake(100)],
    ['+1000 %', fake(1000)],
    ['starved', { ...fake(0), starved: true }],
  ];
  ctx.font = `11px ${FONT}`;
  stops.forEach(([label, c], k) => {
    const x = 16 + k * 88;
    ctx.fillStyle = heatColour(c);
    ctx.fillRect(x, ly, 22, 14);
    ctx.strokeStyle = '#999999';
    ctx.strokeRect(x + 0.5, ly + 0.5, 21, 13);
    ctx.fillStyle = '#333333';
    ctx.textAlign = 'left';
    ctx.fillText(label, x + 27, ly + 7);
  });
  return new Uint8Array(canvas.toBuffer('image/png'));
}

function cellLines(c: IsolationCell | null): [string, string, string] {
  if (c === null) return ['-', 'its own VMU', ''];
  const bound = c.withinBound === undefined ? '' : c.withinBound ? 'within its reservation bound' : 'beyond its reservation bound';
  const miss = `misses ${fmtDeltaPp(c.deltaMissRatio).replace('−', '-')}`;
  if (c.starved) return ['starved', miss, bound];
  return [`p99 ${fmtDeltaPct(c.deltaP99Pct).replace('−', '-')}`, miss, bound];
}

function fake(deltaP99Pct: number): IsolationCell {
  return {
    aggressor: '',
    attacked: { p99Ns: 0, maxNs: 0, missRatio: 0, completed: 1, judged: 1 },
    deltaP99Pct,
    deltaMissRatio: 0,
    starved: false,
  };
}
