import { describe, expect, it } from 'vitest';
import { barChartSvg, lineChartSvg, rankSeriesPoints, RANGE_COLORS } from '../../src/lib/charts.js';

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
