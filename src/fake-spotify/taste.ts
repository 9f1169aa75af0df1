import type { Catalogue, CatalogueTrack } from './catalogue.js';
import type { TimeRange } from '../lib/time-ranges.js';
import { hashSeed, seededRandom } from './random.js';

/**
 * Each fake listener has a deterministic taste that drifts slowly: a pool of tracks (mostly by a
 * few favourite artists), each with a base weight and a listening cycle (period, phase). A range's
 * top list ranks tracks by their average interest over the range's window (4 weeks, 6 months, a
 * year) ending on the given day, so short_term moves week to week and long_term barely moves:
 * snapshots taken on different days differ the way real ones do.
 */
export interface Taste {
  topTracks(timeRange: TimeRange, date: Date, count: number): CatalogueTrack[];
}

interface PoolEntry {
  track: CatalogueTrack;
  weight: number;
  periodDays: number;
  phaseDays: number;
}

const WINDOW_DAYS: Record<TimeRange, number> = { short_term: 28, medium_term: 182, long_term: 365 };
const SAMPLES = 6;
const DAY_MS = 86_400_000;

export function buildTaste(catalogue: Catalogue, seed: string): Taste {
  const rand = seededRandom(hashSeed(`taste:${seed}`));
  const pool = new Map<string, PoolEntry>();
  const add = (track: CatalogueTrack, weight: number) => {
    if (pool.has(track.id)) return;
    pool.set(track.id, { track, weight, periodDays: 90 + Math.floor(rand() * 450), phaseDays: Math.floor(rand() * 540) });
  };
  // Favourite artists, Zipf-like: the first few dominate.
  for (let i = 0; i < 30; i++) {
    const artist = catalogue.artists[Math.floor(rand() * catalogue.artists.length)]!;
    const weight = 1 / (1 + i * 0.25);
    for (const track of catalogue.tracks) if (track.artists[0]!.id === artist.id) add(track, weight * (0.6 + rand() * 0.8));
  }
  // A long tail of occasional listens.
  for (let i = 0; i < 300; i++) add(catalogue.tracks[Math.floor(rand() * catalogue.tracks.length)]!, 0.15 + rand() * 0.35);
  const entries = [...pool.values()];

  const interest = (entry: PoolEntry, day: number) => {
    const cycle = (((day - entry.phaseDays) % entry.periodDays) + entry.periodDays) % entry.periodDays;
    const x = cycle / entry.periodDays - 0.5;
    return entry.weight * (0.15 + Math.exp(-(x * x) / 0.0144));
  };

  return {
    topTracks(timeRange, date, count) {
      const day = Math.floor(date.getTime() / DAY_MS);
      const window = WINDOW_DAYS[timeRange];
      const scored = entries.map((entry) => {
        let sum = 0;
        for (let k = 0; k < SAMPLES; k++) sum += interest(entry, day - Math.round((k * window) / SAMPLES));
        return { entry, score: sum };
      });
      scored.sort((a, b) => b.score - a.score || (a.entry.track.id < b.entry.track.id ? -1 : 1));
      return scored.slice(0, count).map((s) => s.entry.track);
    },
  };
}
