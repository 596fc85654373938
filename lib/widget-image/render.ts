/**
 * Draws a metric widget as a time-series graph: title, left (and right) y
 * axes with tick labels and grid lines, a time axis, one polyline per series
 * in CloudWatch's default palette, annotations and the legend.
 */
import { Canvas, parseColor, type Rgb } from "./canvas.js";
import { GLYPH_HEIGHT, textWidth } from "./font.js";
import type { WidgetSpec } from "./widget.js";

/** CloudWatch's default series colours, in order (the d3 "category10" palette its graphs use). */
export const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

const BACKGROUND: Rgb = [255, 255, 255];
const INK: Rgb = [68, 68, 68];
const AXIS: Rgb = [153, 153, 153];
const GRID: Rgb = [230, 230, 230];
const ANNOTATION: Rgb = parseColor("#d62728");
const PAD = 6;
const LINE_HEIGHT = GLYPH_HEIGHT + 5;

export interface SeriesData {
  label: string;
  color: string;
  yAxis: "left" | "right";
  /** Epoch milliseconds, ascending, one per value. */
  timestamps: number[];
  values: number[];
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export type RenderSpec = Pick<WidgetSpec, "width" | "height" | "start" | "end" | "title" | "legend" | "timezone" | "yAxis" | "horizontal" | "vertical">;

/** The colour of the nth line without one of its own. */
export const paletteColor = (n: number) => PALETTE[n % PALETTE.length];

interface Scale {
  min: number;
  max: number;
  ticks: number[];
}

/** Rounded tick steps (1, 2, 5 × 10^n) covering [lo, hi] in about `count` steps. */
function scale(lo: number, hi: number, count: number, fixedMin?: number, fixedMax?: number): Scale {
  if (lo > hi) [lo, hi] = [0, 1];
  if (lo === hi) [lo, hi] = lo === 0 ? [0, 1] : [Math.min(0, lo), Math.max(0, hi)];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const min = fixedMin ?? Math.floor(lo / step) * step;
  const max = fixedMax ?? Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9 && ticks.length < 50; v += step) ticks.push(Number(v.toPrecision(12)));
  return { min, max: max > min ? max : min + 1, ticks };
}

/** Compact tick text: 1.5k, 2M, 0.25. */
export function formatTick(v: number): string {
  const a = Math.abs(v);
  for (const [div, suffix] of [[1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "k"]] as const) {
    if (a >= div) return `${Number((v / div).toPrecision(3))}${suffix}`;
  }
  return String(Number(v.toPrecision(3)));
}

const TIME_STEPS = [60, 300, 600, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400, 30 * 86400].map((s) => s * 1000);

function timeTicks(start: number, end: number, count: number, offsetMs: number): number[] {
  const step = TIME_STEPS.find((s) => (end - start) / s <= Math.max(1, count)) ?? TIME_STEPS[TIME_STEPS.length - 1];
  const ticks: number[] = [];
  for (let t = Math.ceil((start + offsetMs) / step) * step - offsetMs; t <= end && ticks.length < 100; t += step) ticks.push(t);
  return ticks;
}

function timeLabel(t: number, offsetMs: number, spansDays: boolean): string {
  const d = new Date(t + offsetMs);
  const hhmm = `${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")}`;
  if (!spansDays) return hhmm;
  const date = `${String(d.getUTCMonth() + 1).padStart(2, "0")}/${String(d.getUTCDate()).padStart(2, "0")}`;
  return hhmm === "00:00" ? date : `${date} ${hhmm}`;
}

/** Keeps a label inside `room` pixels, ending it with "..." when cut. */
function fit(text: string, room: number): string {
  if (textWidth(text) <= room) return text;
  const chars = Math.max(0, Math.floor((room + 1) / 6) - 3);
  return chars > 0 ? `${text.slice(0, chars)}...` : "";
}

/** Renders the graph; returns the canvas and the plot area (for callers that check pixels). */
export function renderWidget(spec: RenderSpec, series: SeriesData[]): { canvas: Canvas; plot: Rect } {
  const { width, height } = spec;
  const canvas = new Canvas(width, height, BACKGROUND);
  const offsetMs = spec.timezone * 60_000;

  let top = PAD;
  if (spec.title) {
    canvas.text(PAD, top, fit(spec.title, width - 2 * PAD), INK);
    top += LINE_HEIGHT + 2;
  }

  // Legend layout first: it takes room from the plot.
  let legendRows: { s: SeriesData; text: string; x: number }[][] = [];
  let legendWidth = 0;
  if (spec.legend === "bottom" && series.length > 0) {
    let row: (typeof legendRows)[number] = [];
    let x = PAD;
    for (const s of series) {
      const text = fit(s.label, width - 2 * PAD - 12);
      const w = 12 + textWidth(text) + 12;
      if (row.length > 0 && x + w > width - PAD) {
        legendRows.push(row);
        row = [];
        x = PAD;
      }
      row.push({ s, text, x });
      x += w;
    }
    legendRows.push(row);
    legendRows = legendRows.slice(0, Math.max(1, Math.floor((height / 3) / LINE_HEIGHT)));
  } else if (spec.legend === "right" && series.length > 0) {
    legendWidth = Math.min(Math.floor(width / 3), 12 + Math.max(...series.map((s) => textWidth(s.label))) + PAD);
  }

  const left = series.filter((s) => s.yAxis === "left");
  const right = series.filter((s) => s.yAxis === "right");
  const legendHeight = legendRows.length * LINE_HEIGHT;
  const bottom = height - PAD - legendHeight - (legendHeight ? 4 : 0) - LINE_HEIGHT;
  const tickCount = Math.max(2, Math.floor((bottom - top) / 40));
  // A loop, not Math.min(...values): a widget's series may hold far more values than a call takes arguments.
  const range = (list: SeriesData[], h: typeof spec.horizontal) => {
    let lo = Infinity, hi = -Infinity;
    for (const v of [...list.flatMap((s) => s.values), ...h.map((a) => a.value)]) {
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return lo <= hi ? [lo, hi] : [0, 1];
  };
  const [llo, lhi] = range(left, spec.horizontal.filter((a) => a.yAxis === "left"));
  const [rlo, rhi] = range(right, spec.horizontal.filter((a) => a.yAxis === "right"));
  const leftScale = scale(spec.yAxis.left.min ?? llo, spec.yAxis.left.max ?? lhi, tickCount, spec.yAxis.left.min, spec.yAxis.left.max);
  const rightScale = scale(spec.yAxis.right.min ?? rlo, spec.yAxis.right.max ?? rhi, tickCount, spec.yAxis.right.min, spec.yAxis.right.max);

  const labelsWidth = (s: Scale) => Math.max(...s.ticks.map((t) => textWidth(formatTick(t))), 0);
  const leftLabel = spec.yAxis.left.label ? LINE_HEIGHT : 0;
  const rightLabel = spec.yAxis.right.label ? LINE_HEIGHT : 0;
  const plotX = PAD + leftLabel + labelsWidth(leftScale) + 4;
  const rightAxisWidth = right.length ? labelsWidth(rightScale) + 4 + rightLabel : 0;
  const plot: Rect = {
    x: plotX,
    y: top + Math.floor(GLYPH_HEIGHT / 2),
    w: Math.max(1, width - plotX - PAD - rightAxisWidth - legendWidth - (legendWidth ? PAD : 0)),
    h: Math.max(1, bottom - top - Math.floor(GLYPH_HEIGHT / 2) - 2),
  };
  const clampY = (y: number) => Math.max(-height, Math.min(2 * height, y));
  const yOf = (v: number, s: Scale) => clampY(plot.y + plot.h - ((v - s.min) / (s.max - s.min)) * plot.h);
  const xOf = (t: number) => plot.x + ((t - spec.start) / (spec.end - spec.start)) * plot.w;

  // Grid and y tick labels.
  for (const t of leftScale.ticks) {
    const y = Math.round(yOf(t, leftScale));
    canvas.line(plot.x, y, plot.x + plot.w, y, GRID);
    const text = formatTick(t);
    canvas.text(plot.x - 4 - textWidth(text), y - 3, text, INK);
  }
  if (right.length) for (const t of rightScale.ticks) canvas.text(plot.x + plot.w + 4, Math.round(yOf(t, rightScale)) - 3, formatTick(t), INK);
  if (spec.yAxis.left.label) verticalText(canvas, PAD, plot.y + plot.h / 2, fit(spec.yAxis.left.label, plot.h));
  if (spec.yAxis.right.label && right.length) verticalText(canvas, width - PAD - legendWidth - GLYPH_HEIGHT, plot.y + plot.h / 2, fit(spec.yAxis.right.label, plot.h));

  // Time axis.
  const spansDays = spec.end - spec.start > 86_400_000;
  const sample = textWidth(timeLabel(spec.start, offsetMs, spansDays)) + 16;
  for (const t of timeTicks(spec.start, spec.end, Math.max(2, Math.floor(plot.w / sample)), offsetMs)) {
    const x = Math.round(xOf(t));
    canvas.line(x, plot.y + plot.h, x, plot.y + plot.h + 3, AXIS);
    const text = timeLabel(t, offsetMs, spansDays);
    canvas.text(x - Math.floor(textWidth(text) / 2), plot.y + plot.h + 5, text, INK);
  }
  canvas.line(plot.x, plot.y + plot.h, plot.x + plot.w, plot.y + plot.h, AXIS);
  canvas.line(plot.x, plot.y, plot.x, plot.y + plot.h, AXIS);

  // Annotations under the series.
  for (const a of spec.horizontal) {
    const y = Math.round(yOf(a.value, a.yAxis === "right" ? rightScale : leftScale));
    const c = a.color ? parseColor(a.color) : ANNOTATION;
    canvas.line(plot.x, y, plot.x + plot.w, y, c);
    if (a.label) canvas.text(plot.x + plot.w - textWidth(a.label) - 2, y - GLYPH_HEIGHT - 2, fit(a.label, plot.w), c);
  }
  for (const a of spec.vertical) {
    if (a.value < spec.start || a.value > spec.end) continue;
    const x = Math.round(xOf(a.value));
    const c = a.color ? parseColor(a.color) : ANNOTATION;
    canvas.line(x, plot.y, x, plot.y + plot.h, c);
    if (a.label) canvas.text(x + 3, plot.y + 2, fit(a.label, plot.x + plot.w - x - 3), c);
  }

  // Series, clipped to the plot's time range.
  for (const s of series) {
    const c = parseColor(s.color);
    const sc = s.yAxis === "right" ? rightScale : leftScale;
    const points = s.timestamps
      .map((t, i) => [t, s.values[i]] as const)
      .filter(([t, v]) => t >= spec.start && t <= spec.end && Number.isFinite(v))
      .map(([t, v]) => [xOf(t), yOf(v, sc)] as const);
    if (points.length === 1) canvas.fill(points[0][0] - 1, points[0][1] - 1, 3, 3, c);
    for (let i = 1; i < points.length; i++) canvas.line(points[i - 1][0], points[i - 1][1], points[i][0], points[i][1], c, 2);
  }

  // Legend.
  const legendTop = height - PAD - legendHeight + 2;
  legendRows.forEach((row, r) => {
    for (const e of row) {
      const y = legendTop + r * LINE_HEIGHT;
      canvas.fill(e.x, y, 8, 8, parseColor(e.s.color));
      canvas.text(e.x + 12, y, e.text, INK);
    }
  });
  if (legendWidth) {
    const x = width - PAD - legendWidth;
    series.slice(0, Math.floor(plot.h / LINE_HEIGHT)).forEach((s, i) => {
      const y = plot.y + i * LINE_HEIGHT;
      canvas.fill(x, y, 8, 8, parseColor(s.color));
      canvas.text(x + 12, y, fit(s.label, legendWidth - 12), INK);
    });
  }
  return { canvas, plot };
}

/** Text turned a quarter left (an axis title), centred on (x, cy). */
function verticalText(canvas: Canvas, x: number, cy: number, text: string): void {
  const tmp = new Canvas(Math.max(1, textWidth(text)), GLYPH_HEIGHT, BACKGROUND);
  tmp.text(0, 0, text, INK);
  const y0 = Math.round(cy + tmp.width / 2);
  for (let i = 0; i < tmp.width; i++) {
    for (let j = 0; j < GLYPH_HEIGHT; j++) {
      const p = tmp.get(i, j);
      if (p[0] !== BACKGROUND[0] || p[1] !== BACKGROUND[1] || p[2] !== BACKGROUND[2]) canvas.set(x + j, y0 - i, INK);
    }
  }
}
