import { describe, expect, it } from 'vitest';
import { barChartSvg, lineChartSvg, pairedBarChartSvg, pairedLineChartSvg, rankSeriesPoints, RANGE_COLORS } from '../../src/lib/charts.js';

describe('server-rendered charts', () => {
  it('draws SVG with the range colour, axis names and no script or event handler', () => {
    const svg = lineChartSvg({ categories: ['Jan 2024', 'Feb 2024'], series: [{ name: 'New', color: RANGE_COLORS.short_term, data: [2, 1] }], xName: 'Month', yName: 'New tracks', label: 'Growth' });
    expect(svg.startsWith('<svg ')).toBe(true);
    expect(svg).toContain('viewBox="0 0 720 300"');
    expect(svg).toContain(RANGE_COLORS.short_term);
    expect(svg).toContain('>Month</text>');
    expect(svg).not.toMatch(/<script|\son[a-z]+=/i);
    const bars = barChartSvg({ labels: ['<b>Alpha</b>'], values: [4], color: '#fff', xName: 'Dates', label: 'Artists' });
    expect(bars).toContain('&lt;b&gt;Alpha&lt;/b&gt;');
  });

  it('draws a paired chart as a wide and a narrow SVG, each labelled, with well-formed font attributes', () => {
    const svg = pairedLineChartSvg({ label: 'New "tracks" & more <b', categories: ['Jan', 'Feb'], series: [{ name: 'New', values: [3, 1], range: 'medium_term' }], yName: 'tracks', integers: true });
    const drawings = svg.match(/<svg [^>]*>/g)!;
    expect(drawings).toHaveLength(2);
    expect(drawings[0]).toMatch(/^<svg class="chart-wide" role="img" aria-label="New &quot;tracks&quot; &amp; more &lt;b" .*viewBox="0 0 720 300"/);
    expect(drawings[1]).toMatch(/^<svg class="chart-narrow" role="img" aria-label="New &quot;tracks&quot; &amp; more &lt;b" .*viewBox="0 0 360 260"/);
    expect(svg).toContain(RANGE_COLORS.medium_term);
    expect(svg).not.toMatch(/<style|\sstyle=|<script|\son[a-z]+=/i);
    // ECharts does not escape quotes in its style attribute: the font list carries none.
    const families = new Set(svg.match(/font-family="[^"]*"/g));
    expect([...families]).toEqual(['font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"']);
    // The same figures come back from the cache as the same drawing.
    expect(pairedLineChartSvg({ label: 'New "tracks" & more <b', categories: ['Jan', 'Feb'], series: [{ name: 'New', values: [3, 1], range: 'medium_term' }], yName: 'tracks', integers: true })).toBe(svg);
    const columns = pairedBarChartSvg({ label: 'Per month', categories: ['Jan', 'Feb'], series: [{ name: 'First seen', values: [4, 2], range: 'short_term' }], valueName: 'tracks', horizontal: false });
    expect(columns.match(/<svg class="chart-(wide|narrow)"/g)).toEqual(['<svg class="chart-wide"', '<svg class="chart-narrow"']);
    expect(columns).toContain(RANGE_COLORS.short_term);
  });

  it('breaks a rank line where the track was absent, relative to the usual spacing of snapshots', () => {
    const daily = [1, 2, 3, 10, 11].map((d, i) => ({ date: `2024-01-${String(d).padStart(2, '0')}`, rank: i + 1 }));
    expect(rankSeriesPoints(daily)).toEqual([
      ['2024-01-01', 1], ['2024-01-02', 2], ['2024-01-03', 3], ['2024-01-04', null], ['2024-01-10', 4], ['2024-01-11', 5],
    ]);
    // Monthly captures: a month apart is the usual spacing, not an absence.
    const monthly = ['2024-01-10', '2024-02-05', '2024-03-01'].map((date) => ({ date, rank: 1 }));
    expect(rankSeriesPoints(monthly)).toEqual([['2024-01-10', 1], ['2024-02-05', 1], ['2024-03-01', 1]]);
  });

  it('shows each week\'s best rank for more than a year of daily snapshots', () => {
    const days = Array.from({ length: 400 }, (_, i) => ({ date: new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString().slice(0, 10), rank: 1 + (i % 7) }));
    const points = rankSeriesPoints(days);
    expect(points.length).toBe(58); // 2024-01-01 is a Monday: 57 whole weeks and one of 1 day
    expect(points.slice(0, 2)).toEqual([['2024-01-01', 1], ['2024-01-08', 1]]);
  });
});
