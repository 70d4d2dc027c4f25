// PNG charts: chart.js drawing on @napi-rs/canvas (Skia, prebuilt from the npm registry; no system
// libraries). A chart is described by a `ChartSpec` — plain data, so it crosses to a worker thread —
// and rendered here. Output bytes depend only on the spec: fixed size, devicePixelRatio 1, no
// animation, a fixed locale for tick labels and a font shipped in node_modules (DejaVu Sans, latin
// subset) registered under a private family name, so no system font is ever consulted.

import { createRequire } from 'node:module';
import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type Plugin } from 'chart.js';
import { registryEntry } from '../../models/index.js';

export interface Axis {
  title: string;
  /** Logarithmic scale (x of period sweeps). */
  log?: boolean;
  min?: number;
  max?: number;
  /** Extend the axis to at least this value (0..100 % axes, for instance). */
  suggestedMax?: number;
  /** Put ticks exactly at these values (the swept values of a log axis). */
  ticks?: number[];
}

export interface XySeries {
  label: string;
  color: string;
  points: [number, number][];
  /** Dashed line (reference bounds, secondary series). */
  dash?: boolean;
  /** Show a marker at each point. */
  markers?: boolean;
  /** Draw as a staircase (CDF of a discrete sample). */
  stepped?: boolean;
}

export interface BarSeries {
  label: string;
  color: string;
  values: (number | null)[];
}

/** One horizontal bar of a Gantt chart: lane (row index), start and end on the x axis. */
export type GanttBar = [row: number, start: number, end: number];

export type ChartSpec =
  | { kind: 'xy'; title: string; width: number; height: number; x: Axis; y: Axis; series: XySeries[] }
  /** stacked: each category's series pile up (a breakdown whose parts sum to a whole). */
  | { kind: 'bar'; title: string; width: number; height: number; categories: string[]; y: Axis; series: BarSeries[]; stacked?: boolean }
  | {
      kind: 'gantt';
      title: string;
      width: number;
      height: number;
      x: Axis;
      rows: string[];
      /** One legend entry per entity; its bars on any row. */
      entities: { label: string; color: string; bars: GanttBar[] }[];
    };

/** Colour-blind-safe-ish categorical palette (Tableau 10 order, darkened for white backgrounds). */
export const PALETTE = ['#1f63b4', '#e07b00', '#2a9a3c', '#c0282d', '#7d5aa6', '#8c564b', '#d4589f', '#6f6f6f', '#a8a21a', '#139cb0'];

/** The registry's colour for `model` (the same in every chart), else a palette colour by its position. */
export function modelColour(model: string, index: number): string {
  return registryEntry(model)?.colour ?? PALETTE[(index + 4) % PALETTE.length];
}

export const FONT_FAMILY = 'HvsimReportSans';
let initialised = false;

function init(): void {
  if (initialised) return;
  const require = createRequire(import.meta.url);
  for (const weight of ['400', '700']) {
    const path = require.resolve(`@fontsource/dejavu-sans/files/dejavu-sans-latin-${weight}-normal.woff2`);
    GlobalFonts.registerFromPath(path, FONT_FAMILY);
  }
  Chart.register(...registerables);
  Chart.defaults.font.family = FONT_FAMILY;
  Chart.defaults.font.size = 13;
  Chart.defaults.color = '#333333';
  initialised = true;
}

/**
 * Characters the shipped font covers (its latin subset): anything else would make Skia fall back to
 * a system font, and the PNG would depend on the machine. Ids are ASCII by schema; our own labels
 * use only these, but free text is folded to be safe.
 */
export function chartText(text: string): string {
  return text
    .replace(/→/g, '->')
    .replace(/≤/g, '<=')
    .replace(/≥/g, '>=')
    .replace(/[^\u0020-\u007e\u00a0-\u00ff\u2010-\u2027\u2030-\u205e\u2212]/g, '?');
}

const whiteBackground: Plugin = {
  id: 'hvsimWhiteBackground',
  beforeDraw(chart) {
    const ctx = chart.ctx;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

function scale(axis: Axis, kind: 'x' | 'y') {
  const fixed = axis.ticks;
  return {
    type: axis.log ? ('logarithmic' as const) : ('linear' as const),
    min: axis.min,
    max: axis.max,
    suggestedMax: axis.suggestedMax,
    ...(fixed ? { afterBuildTicks: (a: { ticks: { value: number }[] }) => void (a.ticks = fixed.map((value) => ({ value }))) } : {}),
    ticks: { callback: (value: number | string) => (typeof value === 'number' ? formatTick(value) : value) },
    title: { display: true, text: chartText(axis.title), font: { weight: 'bold' as const } },
    grid: { color: kind === 'x' ? '#e6e6e6' : '#dddddd' },
  };
}

function configFor(spec: ChartSpec): ChartConfiguration {
  const common = {
    animation: false as const,
    responsive: false,
    devicePixelRatio: 1,
    locale: 'en-US',
    events: [],
    plugins: {
      title: { display: true, text: chartText(spec.title), font: { size: 15, weight: 'bold' as const } },
      legend: { position: 'bottom' as const, labels: { boxWidth: 18 } },
      tooltip: { enabled: false },
    },
  };
  switch (spec.kind) {
    case 'xy':
      return {
        type: 'line',
        data: {
          datasets: spec.series.map((s, i) => ({
            label: chartText(s.label),
            data: s.points.map(([x, y]) => ({ x, y })),
            borderColor: s.color,
            backgroundColor: s.color,
            // chart.js draws the first series on top: later ones get wider, so series that coincide
            // (models with the same outcome) stay visible as stacked bands of colour.
            borderWidth: s.dash ? 1.5 : 2.2 + 1.4 * solidIndex(spec.series, i),
            borderDash: s.dash ? [6, 4] : [],
            pointRadius: s.markers ? 3.5 : 0,
            stepped: s.stepped ? ('after' as const) : false,
            tension: 0,
            spanGaps: false,
          })),
        },
        options: {
          ...common,
          parsing: false as const,
          normalized: true,
          plugins: { ...common.plugins, legend: { position: 'bottom' as const, labels: { usePointStyle: true, pointStyle: 'line', pointStyleWidth: 28 } } },
          scales: { x: scale(spec.x, 'x'), y: scale(spec.y, 'y') },
        },
      } as ChartConfiguration;
    case 'bar':
      return {
        type: 'bar',
        data: {
          labels: spec.categories.map(chartText),
          datasets: spec.series.map((s) => ({
            label: chartText(s.label),
            data: s.values,
            backgroundColor: s.color,
            borderColor: s.color,
            borderWidth: 0,
          })),
        },
        options: { ...common, scales: { x: { grid: { display: false }, stacked: spec.stacked === true }, y: { ...scale(spec.y, 'y'), beginAtZero: true, stacked: spec.stacked === true } } },
      } as ChartConfiguration;
    case 'gantt':
      return {
        type: 'bar',
        data: {
          labels: spec.rows.map(chartText),
          datasets: spec.entities.map((e) => ({
            label: chartText(e.label),
            // By label: the category scale reads a numeric y as the point's own index.
            data: e.bars.map(([row, start, end]) => ({ y: chartText(spec.rows[row]), x: [start, end] })),
            backgroundColor: e.color,
            borderColor: '#ffffff',
            borderWidth: 0,
            borderSkipped: false,
            grouped: false,
            barPercentage: 0.9,
            categoryPercentage: 0.9,
            minBarLength: 1,
          })),
        },
        options: {
          ...common,
          indexAxis: 'y' as const,
          scales: {
            x: { ...scale(spec.x, 'x'), type: 'linear' as const },
            y: { type: 'category' as const, grid: { display: false }, ticks: { autoSkip: false } },
          },
        },
      } as unknown as ChartConfiguration;
  }
}

/** Tick labels in en-US digits without grouping surprises: 2.5, 10, 1,000. */
function formatTick(value: number): string {
  return new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 }).format(value);
}

function solidIndex(series: XySeries[], i: number): number {
  return series.slice(0, i).filter((s) => !s.dash).length;
}

/** Render one chart to PNG bytes. */
export function renderChart(spec: ChartSpec): Uint8Array {
  init();
  const canvas = createCanvas(spec.width, spec.height);
  const ctx = canvas.getContext('2d');
  const config = configFor(spec);
  config.plugins = [whiteBackground];
  const chart = new Chart(ctx as unknown as CanvasRenderingContext2D, config);
  try {
    return new Uint8Array(canvas.toBuffer('image/png'));
  } finally {
    chart.destroy();
  }
}
