import * as echarts from 'echarts';

/**
 * Charts rendered to SVG on the server (ECharts SSR), so every chart shows without JavaScript
 * and the page is complete when it arrives. One look for every chart in the app: the dark theme's
 * text and grid colours, and one colour per time range.
 */

export type RangeName = 'short_term' | 'medium_term' | 'long_term';

/** The three time ranges' colours: the same as RANGE_COLORS in lib/charts.ts and --range-* in public/app.css. */
export const RANGE_COLOURS: Readonly<Record<RangeName, string>> = Object.freeze({
  short_term: '#4fc3f7',
  medium_term: '#ffb74d',
  long_term: '#ce93d8',
});

export const RANGE_LABELS: Readonly<Record<RangeName, string>> = Object.freeze({
  short_term: 'Last 4 weeks',
  medium_term: 'Last 6 months',
  long_term: 'About a year',
});

/** Colour of a series that is not a time range. */
export const NEUTRAL_COLOUR = '#ffb86b';

const TEXT = '#c9ccd3';
const GRID = '#2c313c';

export interface ChartSeries {
  name: string;
  /** One value per category; null leaves a gap. */
  values: ReadonlyArray<number | null>;
  /** A time range picks its colour; otherwise `colour`, otherwise the neutral colour. */
  range?: RangeName;
  colour?: string;
}

export interface ChartSize {
  width?: number;
  height?: number;
}

export interface LineChartSpec extends ChartSize {
  /** What the chart shows, for screen readers (the table under it has the numbers). */
  label: string;
  categories: readonly string[];
  series: readonly ChartSeries[];
  yName: string;
  xName?: string;
  /** Fill under the line (one series). */
  area?: boolean;
  /** Integer steps on the value axis (counts). */
  integers?: boolean;
}

export interface BarChartSpec extends ChartSize {
  label: string;
  /** Bar labels, top to bottom for horizontal bars. */
  categories: readonly string[];
  series: readonly ChartSeries[];
  /** The value axis' name, with its unit. */
  valueName: string;
  /** Horizontal bars (top-N lists, the default) or vertical columns. */
  horizontal?: boolean;
}

/** A line (or area) chart of change over time, as an SVG string. */
export function lineChartSvg(spec: LineChartSpec): string {
  const many = spec.categories.length > 60;
  return render(spec, {
    grid: { left: 56, right: 24, top: spec.series.length > 1 ? 40 : 24, bottom: 48 },
    legend: legendFor(spec.series),
    xAxis: {
      type: 'category',
      data: [...spec.categories],
      name: spec.xName,
      nameLocation: 'middle',
      nameGap: 30,
      boundaryGap: false,
      axisLabel: { color: TEXT, hideOverlap: true },
      axisLine: { lineStyle: { color: GRID } },
    },
    yAxis: valueAxis(spec.yName, spec.integers ?? false),
    series: spec.series.map((s) => ({
      type: 'line',
      name: s.name,
      data: [...s.values],
      showSymbol: !many,
      symbolSize: 5,
      connectNulls: false,
      lineStyle: { width: 2, color: colourOf(s) },
      itemStyle: { color: colourOf(s) },
      areaStyle: spec.area ? { color: colourOf(s), opacity: 0.18 } : undefined,
    })),
  });
}

/** A bar chart (horizontal by default, for top-N lists), as an SVG string. */
export function barChartSvg(spec: BarChartSpec): string {
  const horizontal = spec.horizontal ?? true;
  const categoryAxis = {
    type: 'category',
    data: horizontal ? [...spec.categories].reverse() : [...spec.categories],
    axisLabel: { color: TEXT, width: horizontal ? 100 : undefined, overflow: 'truncate', hideOverlap: !horizontal },
    axisLine: { lineStyle: { color: GRID } },
  };
  const values = valueAxis(spec.valueName, true);
  return render(spec, {
    grid: { left: horizontal ? 120 : 56, right: 32, top: spec.series.length > 1 ? 40 : 16, bottom: 48 },
    legend: legendFor(spec.series),
    xAxis: horizontal ? { ...values, nameLocation: 'middle', nameGap: 30 } : categoryAxis,
    yAxis: horizontal ? categoryAxis : values,
    series: spec.series.map((s) => ({
      type: 'bar',
      name: s.name,
      data: horizontal ? [...s.values].reverse() : [...s.values],
      itemStyle: { color: colourOf(s), borderRadius: horizontal ? [0, 3, 3, 0] : [3, 3, 0, 0] },
      barMaxWidth: 28,
    })),
  });
}

function valueAxis(name: string, integers: boolean) {
  return {
    type: 'value',
    name,
    nameTextStyle: { color: TEXT, align: 'left' },
    minInterval: integers ? 1 : undefined,
    axisLabel: { color: TEXT },
    splitLine: { lineStyle: { color: GRID } },
  };
}

function legendFor(series: readonly ChartSeries[]) {
  return series.length > 1 ? { top: 0, textStyle: { color: TEXT }, data: series.map((s) => s.name) } : undefined;
}

function colourOf(series: ChartSeries): string {
  return series.range ? RANGE_COLOURS[series.range] : (series.colour ?? NEUTRAL_COLOUR);
}

/** A phone-sized drawing: same chart, drawn for a narrow screen so its labels stay legible. */
const NARROW = { width: 360, height: 260 };

/**
 * Two drawings of the chart, one for wide screens and one for phones; app.css shows the one that
 * fits (`.chart-wide` / `.chart-narrow`), the other is display:none and out of the accessibility tree.
 */
function render(spec: ChartSize & { label: string }, option: Record<string, unknown>): string {
  // The same figures draw the same chart: pages re-rendered between two snapshots reuse it.
  const key = JSON.stringify([spec.label, spec.width, spec.height, option]);
  const cached = drawn.get(key);
  if (cached !== undefined) {
    drawn.delete(key);
    drawn.set(key, cached); // most recently used last
    return cached;
  }
  const svg = drawPair(spec, option);
  drawn.set(key, svg);
  if (drawn.size > DRAWN_MAX) drawn.delete(drawn.keys().next().value!);
  return svg;
}

/** Recently drawn charts (a few hundred kB at most), least recently used evicted first. */
const DRAWN_MAX = 200;
const drawn = new Map<string, string>();

function drawPair(spec: ChartSize & { label: string }, option: Record<string, unknown>): string {
  const wide = draw(spec.label, spec.width ?? 720, spec.height ?? 300, option, 'chart-wide');
  const narrow = draw(spec.label, NARROW.width, NARROW.height, narrowed(option), 'chart-narrow');
  return wide + narrow;
}

/** Tighter margins and fewer axis labels for the phone drawing. */
function narrowed(option: Record<string, unknown>): Record<string, unknown> {
  const grid = option.grid as Record<string, number>;
  return { ...option, grid: { ...grid, left: Math.min(grid.left ?? 56, 110), right: 12 }, textStyle: { color: TEXT, fontSize: 11 } };
}

function draw(label: string, width: number, height: number, option: Record<string, unknown>, className: string): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, backgroundColor: 'transparent', textStyle: { color: TEXT, fontFamily: 'system-ui, sans-serif' }, ...option });
    const svg = withoutInlineStyles(chart.renderToSVGString());
    // Label the drawing for assistive technology; the <details> table below carries the data.
    return svg.replace('<svg ', `<svg class="${className}" role="img" aria-label="${escapeAttribute(label)}" `);
  } finally {
    chart.dispose();
  }
}

/** SVG presentation attributes that ECharts writes as inline CSS on text. */
const PRESENTATION = new Set(['font-size', 'font-family', 'font-weight', 'font-style', 'fill', 'opacity']);

/**
 * The page's Content-Security-Policy allows no inline styles, so the SVG carries none: ECharts'
 * `style="font-size:..."` on text become the equivalent presentation attributes, and its
 * `<style>` block (hover effects for an interactive chart; a static drawing has none) goes.
 */
function withoutInlineStyles(svg: string): string {
  return svg.replace(/<style\b[\s\S]*?<\/style>/g, '').replace(/ style="([^"]*)"/g, (_, css: string) =>
    css
      .split(';')
      .map((declaration) => declaration.split(':').map((part) => part.trim()))
      .filter(([name, value]) => name && value && PRESENTATION.has(name))
      .map(([name, value]) => ` ${name}="${value}"`)
      .join(''),
  );
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
