import { createRequire } from 'node:module';
import type * as Echarts from 'echarts';
import type { TimeRange } from './time-ranges.js';

// ECharts' bundled CommonJS build loads in ~60 ms; its ES module tree took ~330 ms of every start.
// Required on the first chart drawn, not at start-up: the server answers /healthz without it.
let echarts: typeof Echarts | undefined;
const loadEcharts = () => (echarts ??= createRequire(import.meta.url)('echarts') as typeof Echarts);

/**
 * Charts as SVG strings rendered on the server (ECharts server-side rendering): readable without
 * JavaScript, no script in the page. Pure functions: options in, SVG out. One look for every
 * chart in the app: the dark theme's text and grid colours (public/app.css), and one colour per
 * time range, used by every chart, legend and badge (app.css's --range-* are the same).
 *
 * Two ways to draw for two screen sizes: the insight pages draw each chart twice with
 * `responsiveChart` (desktop and phone sizes); Home and the landing page use `pairedLineChartSvg`
 * and `pairedBarChartSvg`, which return both drawings at once (`.chart-wide` / `.chart-narrow`).
 */

export const RANGE_COLORS: Readonly<Record<TimeRange, string>> = Object.freeze({
  short_term: '#4fc3f7',
  medium_term: '#ffb74d',
  long_term: '#ce93d8',
});

export const RANGE_LABELS: Readonly<Record<TimeRange, string>> = Object.freeze({
  short_term: 'Last 4 weeks',
  medium_term: 'Last 6 months',
  long_term: 'About a year',
});

/** For series that are not one time range (artists, albums, years). */
export const NEUTRAL_COLOR = '#80cbc4';

const TEXT = '#c9ccd3';
/** app.css's --border: grid lines read as the page's own rules. */
const GRID_LINE = '#2c313c';
/**
 * app.css's font stack, its one quoted name unquoted (valid CSS): ECharts writes the family into
 * a style attribute without escaping quotes, which would cut the attribute short.
 */
const FONT = 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif';

export interface ChartSize {
  width?: number;
  height?: number;
}

export interface LineSeries {
  name: string;
  color: string;
  /** One value per category, or [x, y] pairs on a time axis; a null value breaks the line. */
  data: ReadonlyArray<number | null> | ReadonlyArray<readonly [string, number | null]>;
  area?: boolean;
}

export interface LineChartOptions extends ChartSize {
  /** Category labels (x axis); omit for a time axis with [date, value] pairs. */
  categories?: readonly string[];
  series: readonly LineSeries[];
  xName: string;
  yName: string;
  /** Rank charts: 1 at the top. */
  invertY?: boolean;
  yMin?: number;
  yMax?: number;
  /** Short description for screen readers. */
  label: string;
}

/** Change over time: a line (or area) per series. */
export function lineChartSvg(options: LineChartOptions): string {
  const timeAxis = !options.categories;
  const many = options.series.some((s) => s.data.length > 60);
  return render(options, {
    legend: options.series.length > 1 ? { top: 0, textStyle: { color: TEXT }, itemGap: 16 } : undefined,
    grid: { left: 56, right: 16, top: options.series.length > 1 ? 40 : 24, bottom: 48 },
    xAxis: {
      type: timeAxis ? 'time' : 'category',
      data: options.categories ? [...options.categories] : undefined,
      name: options.xName,
      nameLocation: 'middle',
      nameGap: 30,
      axisLabel: { color: TEXT, hideOverlap: true },
      axisLine: { lineStyle: { color: TEXT } },
      nameTextStyle: { color: TEXT },
    },
    yAxis: {
      type: 'value',
      name: options.yName,
      nameLocation: 'middle',
      nameGap: 40,
      inverse: options.invertY ?? false,
      min: options.yMin,
      max: options.yMax,
      minInterval: 1,
      axisLabel: { color: TEXT },
      nameTextStyle: { color: TEXT },
      splitLine: { lineStyle: { color: GRID_LINE } },
    },
    series: options.series.map((s) => ({
      type: 'line',
      name: s.name,
      data: s.data.map((d) => (Array.isArray(d) ? [...d] : d)),
      color: s.color,
      showSymbol: !many,
      symbolSize: 5,
      connectNulls: false,
      lineStyle: { width: 2 },
      areaStyle: s.area ? { opacity: 0.25 } : undefined,
    })),
  });
}

export interface BarChartOptions extends ChartSize {
  /** Top-N labels, first is the largest (drawn at the top). */
  labels: readonly string[];
  values: readonly number[];
  color: string;
  xName: string;
  label: string;
}

/** A top-N list: horizontal bars, the first label on top. */
export function barChartSvg(options: BarChartOptions): string {
  const height = options.height ?? Math.max(120, 40 + options.labels.length * 28);
  return render(
    { ...options, height },
    {
      grid: { left: 16, right: 40, top: 8, bottom: 40, containLabel: true },
      xAxis: {
        type: 'value',
        name: options.xName,
        nameLocation: 'middle',
        nameGap: 26,
        minInterval: 1,
        axisLabel: { color: TEXT },
        nameTextStyle: { color: TEXT },
        splitLine: { lineStyle: { color: GRID_LINE } },
      },
      yAxis: {
        type: 'category',
        inverse: true,
        data: options.labels.map((l) => truncate(l, (options.width ?? 720) < 480 ? 16 : 28)),
        axisLabel: { color: TEXT },
        axisLine: { lineStyle: { color: TEXT } },
      },
      series: [
        {
          type: 'bar',
          data: [...options.values],
          color: options.color,
          barMaxWidth: 20,
          label: { show: true, position: 'right', color: TEXT },
        },
      ],
    },
  );
}

function render(size: ChartSize & { label: string }, option: Record<string, unknown>): string {
  return drawSvg(size.width ?? 720, size.height ?? 300, { aria: { enabled: true, label: { description: size.label } }, ...option });
}

/** The one ECharts SSR call: a static drawing (no animation, transparent), without inline styles. */
function drawSvg(width: number, height: number, option: Record<string, unknown>): string {
  const chart = loadEcharts().init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, backgroundColor: 'transparent', textStyle: { fontFamily: FONT, color: TEXT }, ...option });
    return withoutInlineStyles(chart.renderToSVGString());
  } finally {
    chart.dispose();
  }
}

/** One chart drawn twice: for a desktop card and for a phone screen (CSS shows one), so its text stays legible on both. */
export interface ResponsiveChart {
  desktop: string;
  phone: string;
}

/** Renders `draw` at a desktop width and at a phone width (360 px wide, the text at its real size). */
export function responsiveChart(draw: (size: { width: number }) => string, desktopWidth = 560): ResponsiveChart {
  return { desktop: draw({ width: desktopWidth }), phone: draw({ width: 360 }) };
}

/**
 * Memoises charts per data object: cached figures come back as the same object until the
 * archive changes, so their SVG is drawn once per change instead of once per request.
 */
export function chartsMemo<D extends object, C>(draw: (data: D) => C): (data: D) => C {
  const drawn = new WeakMap<D, C>();
  return (data) => {
    let charts = drawn.get(data);
    if (charts === undefined) {
      charts = draw(data);
      drawn.set(data, charts);
    }
    return charts;
  };
}

/** Above this many snapshots in a range, the chart shows each week's best rank (drawing stays fast). */
export const MAX_DAILY_POINTS = 370;

/**
 * [date, rank] points: every snapshot, or for a long history the best rank of each week (dated by
 * its Monday). Where the track was out of the chart for a while the line breaks (a null point)
 * instead of drawing a slope through the weeks it was absent.
 */
export function rankSeriesPoints(points: ReadonlyArray<{ date: string; rank: number }>): Array<readonly [string, number | null]> {
  const weekly = points.length > MAX_DAILY_POINTS;
  let series: Array<readonly [string, number]> = points.map((p) => [p.date, p.rank] as const);
  if (weekly) {
    const weeks = new Map<string, number>();
    for (const p of points) {
      const day = new Date(`${p.date}T00:00:00Z`);
      day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7));
      const monday = day.toISOString().slice(0, 10);
      weeks.set(monday, Math.min(weeks.get(monday) ?? 50, p.rank));
    }
    series = [...weeks.entries()];
  }
  // A gap counts as an absence when it is over twice the usual spacing of this series (daily
  // captures: 2 days; an archive captured weekly or imported sparsely is not cut into dots).
  const gaps = series.slice(1).map((p, i) => (Date.parse(p[0]) - Date.parse(series[i]![0])) / 86_400_000).sort((a, b) => a - b);
  const usual = gaps.length ? gaps[Math.floor(gaps.length / 2)]! : 1;
  const maxGapDays = Math.max(weekly ? 8 : 2, 2 * usual);
  const out: Array<readonly [string, number | null]> = [];
  for (const [i, point] of series.entries()) {
    const before = series[i - 1];
    if (before && (Date.parse(point[0]) - Date.parse(before[0])) / 86_400_000 > maxGapDays) {
      out.push([nextDay(before[0]), null]);
    }
    out.push(point);
  }
  return out;
}

function nextDay(isoDate: string): string {
  return new Date(Date.parse(`${isoDate}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** SVG presentation attributes that ECharts writes as inline CSS on text. */
const PRESENTATION = new Set(['font-size', 'font-family', 'font-weight', 'font-style', 'fill', 'opacity']);

/**
 * The Content-Security-Policy allows no <style> element (style-src 'self'), so the SVG carries
 * none: ECharts' `style="font-size:..."` on text become the equivalent presentation attributes,
 * and its `<style>` block (hover effects for an interactive chart; a static drawing has none) goes.
 */
export function withoutInlineStyles(svg: string): string {
  return svg.replace(/<style\b[\s\S]*?<\/style>/g, '').replace(/ style="([^"]*)"/g, (_, css: string) =>
    css
      .split(';')
      .map((declaration) => declaration.split(':').map((part) => part.trim()))
      .filter(([name, value]) => name && value && PRESENTATION.has(name))
      .map(([name, value]) => ` ${name}="${value}"`)
      .join(''),
  );
}

/* ---------- Paired charts: both drawings in one string (Home, landing page) ---------- */

export interface PairedSeries {
  name: string;
  /** One value per category; null leaves a gap. */
  values: ReadonlyArray<number | null>;
  /** A time range picks its colour; otherwise `color`, otherwise the neutral colour. */
  range?: TimeRange;
  color?: string;
}

export interface PairedLineChartSpec extends ChartSize {
  /** What the chart shows, for screen readers (the table under it has the numbers). */
  label: string;
  categories: readonly string[];
  series: readonly PairedSeries[];
  yName: string;
  xName?: string;
  /** Fill under the line (one series). */
  area?: boolean;
  /** Integer steps on the value axis (counts). */
  integers?: boolean;
}

export interface PairedBarChartSpec extends ChartSize {
  label: string;
  /** Bar labels, top to bottom for horizontal bars. */
  categories: readonly string[];
  series: readonly PairedSeries[];
  /** The value axis' name, with its unit. */
  valueName: string;
  /** Horizontal bars (top-N lists, the default) or vertical columns. */
  horizontal?: boolean;
}

/** A line (or area) chart of change over time: its wide and its narrow drawing. */
export function pairedLineChartSvg(spec: PairedLineChartSpec): string {
  const many = spec.categories.length > 60;
  return renderPair(spec, {
    grid: { left: 56, right: 24, top: spec.series.length > 1 ? 40 : 24, bottom: 48 },
    legend: pairedLegend(spec.series),
    xAxis: {
      type: 'category',
      data: [...spec.categories],
      name: spec.xName,
      nameLocation: 'middle',
      nameGap: 30,
      boundaryGap: false,
      axisLabel: { color: TEXT, hideOverlap: true },
      axisLine: { lineStyle: { color: GRID_LINE } },
    },
    yAxis: pairedValueAxis(spec.yName, spec.integers ?? false),
    series: spec.series.map((s) => ({
      type: 'line',
      name: s.name,
      data: [...s.values],
      showSymbol: !many,
      symbolSize: 5,
      connectNulls: false,
      lineStyle: { width: 2, color: colorOf(s) },
      itemStyle: { color: colorOf(s) },
      areaStyle: spec.area ? { color: colorOf(s), opacity: 0.18 } : undefined,
    })),
  });
}

/** A bar chart (horizontal by default, for top-N lists): its wide and its narrow drawing. */
export function pairedBarChartSvg(spec: PairedBarChartSpec): string {
  const horizontal = spec.horizontal ?? true;
  const categoryAxis = {
    type: 'category',
    data: horizontal ? [...spec.categories].reverse() : [...spec.categories],
    axisLabel: { color: TEXT, width: horizontal ? 100 : undefined, overflow: 'truncate', hideOverlap: !horizontal },
    axisLine: { lineStyle: { color: GRID_LINE } },
  };
  const values = pairedValueAxis(spec.valueName, true);
  return renderPair(spec, {
    grid: { left: horizontal ? 120 : 56, right: 32, top: spec.series.length > 1 ? 40 : 16, bottom: 48 },
    legend: pairedLegend(spec.series),
    xAxis: horizontal ? { ...values, nameLocation: 'middle', nameGap: 30 } : categoryAxis,
    yAxis: horizontal ? categoryAxis : values,
    series: spec.series.map((s) => ({
      type: 'bar',
      name: s.name,
      data: horizontal ? [...s.values].reverse() : [...s.values],
      itemStyle: { color: colorOf(s), borderRadius: horizontal ? [0, 3, 3, 0] : [3, 3, 0, 0] },
      barMaxWidth: 28,
    })),
  });
}

function pairedValueAxis(name: string, integers: boolean) {
  return {
    type: 'value',
    name,
    nameTextStyle: { color: TEXT, align: 'left' },
    minInterval: integers ? 1 : undefined,
    axisLabel: { color: TEXT },
    splitLine: { lineStyle: { color: GRID_LINE } },
  };
}

function pairedLegend(series: readonly PairedSeries[]) {
  return series.length > 1 ? { top: 0, textStyle: { color: TEXT }, data: series.map((s) => s.name) } : undefined;
}

function colorOf(series: PairedSeries): string {
  return series.range ? RANGE_COLORS[series.range] : (series.color ?? NEUTRAL_COLOR);
}

/** A phone-sized drawing: same chart, drawn for a narrow screen so its labels stay legible. */
const NARROW = { width: 360, height: 260 };

/**
 * Two drawings of the chart, one for wide screens and one for phones; app.css shows the one that
 * fits (`.chart-wide` / `.chart-narrow`), the other is display:none and out of the accessibility tree.
 */
function renderPair(spec: ChartSize & { label: string }, option: Record<string, unknown>): string {
  // The same figures draw the same chart: pages re-rendered between two snapshots reuse it.
  const key = JSON.stringify([spec.label, spec.width, spec.height, option]);
  const cached = drawnPairs.get(key);
  if (cached !== undefined) {
    drawnPairs.delete(key);
    drawnPairs.set(key, cached); // most recently used last
    return cached;
  }
  const wide = labelled(drawSvg(spec.width ?? 720, spec.height ?? 300, option), spec.label, 'chart-wide');
  const narrow = labelled(drawSvg(NARROW.width, NARROW.height, narrowed(option)), spec.label, 'chart-narrow');
  const svg = wide + narrow;
  drawnPairs.set(key, svg);
  if (drawnPairs.size > DRAWN_PAIRS_MAX) drawnPairs.delete(drawnPairs.keys().next().value!);
  return svg;
}

/** Recently drawn pairs (a few hundred kB at most), least recently used evicted first. */
const DRAWN_PAIRS_MAX = 200;
const drawnPairs = new Map<string, string>();

/** Tighter margins and smaller text for the phone drawing. */
function narrowed(option: Record<string, unknown>): Record<string, unknown> {
  const grid = option.grid as Record<string, number>;
  return { ...option, grid: { ...grid, left: Math.min(grid.left ?? 56, 110), right: 12 }, textStyle: { fontFamily: FONT, color: TEXT, fontSize: 11 } };
}

/** Labels the drawing for assistive technology; the <details> table below it carries the data. */
function labelled(svg: string, label: string, className: string): string {
  return svg.replace('<svg ', `<svg class="${className}" role="img" aria-label="${escapeAttribute(label)}" `);
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
