import type { JsonObject } from '../db/schema.js';
import { isTimeRange, TIME_RANGES, type TimeRange } from '../lib/time-ranges.js';
import type { Clock } from '../lib/clock.js';
import { isIsoDate, toIsoDate } from '../lib/dates.js';
import { AppError, ValidationError } from '../lib/errors.js';
import type { Db } from '../repositories/executor.js';
import {
  findLatestSnapshotDate,
  insertPlaylist,
  listForgottenGems,
  listPlaylists,
  listRecentDiscoveries,
  listSnapshotDates,
  listSnapshotTracks,
  type PlaylistRecord,
  type SelectedTrack,
} from '../repositories/playlists.js';
import type { CreatePlaylistInput } from '../spotify/client.js';
import { SpotifyRateLimitedError, SpotifyReauthRequiredError } from '../spotify/errors.js';

/**
 * Playlists made from the archive: which tracks each source selects (and in which order), the
 * default name, and creating the playlist in Spotify, then logging it. No HTTP here: the routes
 * validate the shape of a request, this module checks its meaning and does the work.
 */

export const PLAYLIST_SOURCES = ['forgotten_gems', 'recent_discoveries', 'current_rotation', 'snapshot'] as const;
export type PlaylistSource = (typeof PLAYLIST_SOURCES)[number];

export interface SourceInfo {
  id: PlaylistSource;
  label: string;
  description: string;
}

export const SOURCES: readonly SourceInfo[] = [
  {
    id: 'forgotten_gems',
    label: 'Forgotten Gems',
    description: 'Short-term favourites from 90 to 365 days ago that have not charted in the last 90 days, the ones that charted most often first.',
  },
  {
    id: 'recent_discoveries',
    label: 'Recent Discoveries',
    description: 'Tracks in your latest snapshot (any time range) that were in no earlier snapshot, best placed first.',
  },
  { id: 'current_rotation', label: 'Current Rotation', description: 'Your latest short-term top tracks (last 4 weeks), in rank order.' },
  { id: 'snapshot', label: 'Snapshot', description: 'Any past snapshot you have: pick its date and time range; in rank order.' },
];

export const RANGE_LABELS: Record<TimeRange, string> = {
  short_term: 'short term (4 weeks)',
  medium_term: 'medium term (6 months)',
  long_term: 'long term (about a year)',
};

/** Spotify shows long names cut anyway; 100 keeps them readable in every list. */
export const MAX_NAME_LENGTH = 100;
/** A selection longer than this keeps its first tracks (Forgotten Gems can span hundreds). */
export const MAX_PLAYLIST_TRACKS = 200;
/** Forgotten Gems: charted between 365 and 90 days ago (inclusive), and not since. */
export const FORGOTTEN_OLDEST_DAYS = 365;
export const FORGOTTEN_NEWEST_DAYS = 90;

/** A request whose meaning has been checked: `date` and `range` are set exactly for `snapshot`. */
export type PlaylistRequest =
  | { source: Exclude<PlaylistSource, 'snapshot'>; name?: string }
  | { source: 'snapshot'; date: string; range: TimeRange; name?: string };

/** What a caller may send, after the shape (strings) is known to be right. */
export interface PlaylistRequestInput {
  source?: string | undefined;
  date?: string | undefined;
  range?: string | undefined;
  name?: string | undefined;
}

/**
 * Checks what a request means; throws a ValidationError (400) naming the first problem.
 * `date` and `range` are required for `snapshot` and refused for the other sources, so a caller
 * never believes a parameter was used when it was not.
 */
export function checkPlaylistRequest(input: PlaylistRequestInput): PlaylistRequest {
  const { source, date, range } = input;
  if (source === undefined || source === '') throw new ValidationError(`Choose a source: one of ${PLAYLIST_SOURCES.join(', ')}.`);
  if (!isSource(source)) throw new ValidationError(`Unknown source: use one of ${PLAYLIST_SOURCES.join(', ')}.`);
  const name = input.name === undefined ? undefined : checkName(input.name);

  if (source !== 'snapshot') {
    if (date !== undefined) throw new ValidationError(`date is only used with the source "snapshot"; leave it out for "${source}".`);
    if (range !== undefined) throw new ValidationError(`range is only used with the source "snapshot"; leave it out for "${source}".`);
    return name === undefined ? { source } : { source, name };
  }
  if (date === undefined || date === '') throw new ValidationError('The source "snapshot" needs a date (YYYY-MM-DD) of one of your snapshots.');
  if (!isIsoDate(date)) throw new ValidationError('date must be a calendar date written YYYY-MM-DD, e.g. 2026-03-14.');
  if (range === undefined || range === '') throw new ValidationError(`The source "snapshot" needs a range: one of ${TIME_RANGES.join(', ')}.`);
  if (!isTimeRange(range)) throw new ValidationError(`Unknown range: use one of ${TIME_RANGES.join(', ')}.`);
  return name === undefined ? { source, date, range } : { source, date, range, name };
}

function checkName(raw: string): string {
  const name = raw.trim();
  if (name === '') throw new ValidationError('The playlist name cannot be blank.');
  const length = [...name].length;
  if (length > MAX_NAME_LENGTH) throw new ValidationError(`The playlist name is ${length} characters long; at most ${MAX_NAME_LENGTH} are allowed.`);
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new ValidationError('The playlist name cannot contain line breaks, tabs or other control characters.');
  return name;
}

export function isSource(value: string): value is PlaylistSource {
  return (PLAYLIST_SOURCES as readonly string[]).includes(value);
}


/** A track as the API and the page show it. */
export interface PlaylistTrack {
  trackId: string;
  name: string;
  artist: string;
  url: string;
}

export interface PlaylistSelection {
  source: PlaylistSource;
  /** The name the playlist gets: the requested one, or the default for the source. */
  name: string;
  /** What the selection was computed from, stored with the playlist (dates resolved). */
  parameters: JsonObject;
  tracks: PlaylistTrack[];
}

/** Nothing to put in the playlist: said plainly, and nothing is created. */
export class EmptySelectionError extends AppError {
  constructor(message: string) {
    super('empty_selection', 422, message);
  }
}

export interface PlaylistSelectDeps {
  db: Db;
  clock: Clock;
}

/** The tracks a request selects for the user, in playlist order; throws EmptySelectionError when none. */
export async function selectPlaylistTracks(deps: PlaylistSelectDeps, userId: number, request: PlaylistRequest): Promise<PlaylistSelection> {
  const today = toIsoDate(deps.clock.now());
  const { rows, parameters, nameDate, empty } = await select(deps.db, userId, request, today);
  if (rows.length === 0) throw new EmptySelectionError(empty);
  return {
    source: request.source,
    name: request.name ?? defaultPlaylistName(request, nameDate),
    parameters,
    tracks: rows.slice(0, MAX_PLAYLIST_TRACKS).map(toPlaylistTrack),
  };
}

async function select(db: Db, userId: number, request: PlaylistRequest, today: string) {
  switch (request.source) {
    case 'forgotten_gems': {
      const from = addDays(today, -FORGOTTEN_OLDEST_DAYS);
      const to = addDays(today, -FORGOTTEN_NEWEST_DAYS);
      return {
        rows: await listForgottenGems(db, userId, { from, to, limit: MAX_PLAYLIST_TRACKS }),
        parameters: { from, to, absentAfter: to },
        nameDate: today,
        empty: `No forgotten gems: none of your short-term tracks from ${readableDate(from)} to ${readableDate(to)} has dropped out since. They appear once your archive reaches back more than 90 days.`,
      };
    }
    case 'recent_discoveries': {
      const latest = await findLatestSnapshotDate(db, userId);
      return {
        rows: latest ? await listRecentDiscoveries(db, userId, MAX_PLAYLIST_TRACKS) : [],
        parameters: { date: latest ?? null },
        nameDate: today,
        empty: latest
          ? `No recent discoveries: every track in your latest snapshot (${readableDate(latest)}) was already in an earlier one.`
          : 'Your archive is empty: take your first snapshot, then come back.',
      };
    }
    case 'current_rotation': {
      const latest = await findLatestSnapshotDate(db, userId, 'short_term');
      return {
        rows: latest ? await listSnapshotTracks(db, userId, latest, 'short_term') : [],
        parameters: { date: latest ?? null, range: 'short_term' },
        nameDate: today,
        empty: 'You have no short-term snapshot yet: take a snapshot first, then come back.',
      };
    }
    case 'snapshot':
      return {
        rows: await listSnapshotTracks(db, userId, request.date, request.range),
        parameters: { date: request.date, range: request.range },
        nameDate: request.date,
        empty: `You have no ${RANGE_LABELS[request.range]} snapshot on ${readableDate(request.date)}. Pick one of the dates in your archive.`,
      };
  }
}

/**
 * "<Source> – <Month YYYY>": the month the playlist is made in, or for a snapshot the month of
 * that snapshot (with its range, so three playlists of one date differ).
 */
export function defaultPlaylistName(request: PlaylistRequest, date: string): string {
  const month = monthYear(date);
  if (request.source === 'snapshot') return `Snapshot (${request.range.replace('_', ' ')}) – ${month}`;
  return `${sourceInfo(request.source).label} – ${month}`;
}

export function sourceInfo(source: PlaylistSource): SourceInfo {
  return SOURCES.find((s) => s.id === source)!;
}

function toPlaylistTrack(row: SelectedTrack): PlaylistTrack {
  return { trackId: row.track_id, name: row.name, artist: row.artist_name, url: row.spotify_url ?? spotifyTrackUrl(row.track_id) };
}

// ---- creating --------------------------------------------------------------------------------

/** What creating a playlist needs from Spotify, acting for one user (tokens are its business). */
export interface PlaylistWriter {
  createPlaylist(input: CreatePlaylistInput): Promise<{ id: string }>;
  addPlaylistItems(playlistId: string, uris: readonly string[]): Promise<unknown>;
}

export interface PlaylistDeps extends PlaylistSelectDeps {
  spotifyFor(userId: number): PlaylistWriter;
}

/** A playlist as the API and the page show it. */
export interface PlaylistView {
  id: number;
  spotifyId: string;
  name: string;
  url: string;
  source: string;
  trackCount: number;
  createdAt: string;
}

export interface CreatedPlaylist {
  playlist: PlaylistView;
  tracks: PlaylistTrack[];
}

/** The Spotify rate limit, with when to come back (the route sends Retry-After). */
export class PlaylistRateLimitedError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    readonly retryAt: Date,
  ) {
    super('spotify_rate_limited', 429, message);
  }
}

/**
 * Creates the private playlist in Spotify (POST /me/playlists, then its tracks in order, 100 per
 * call) and logs it only once Spotify has accepted every track, so the log never lists a playlist
 * that failed. Spotify failures become a 502 (429 for a rate limit) saying what happened to the
 * playlist; a user whose Spotify access is gone gets the re-login error.
 */
export async function createPlaylistFromArchive(deps: PlaylistDeps, userId: number, request: PlaylistRequest): Promise<CreatedPlaylist> {
  const selection = await selectPlaylistTracks(deps, userId, request);
  const spotify = deps.spotifyFor(userId);
  let playlistId: string;
  try {
    const created = await spotify.createPlaylist({ name: selection.name, public: false, description: descriptionOf(selection) });
    playlistId = created.id;
  } catch (error) {
    throw spotifyFailure(error, 'The playlist was not created');
  }
  try {
    await spotify.addPlaylistItems(playlistId, selection.tracks.map((t) => `spotify:track:${t.trackId}`));
  } catch (error) {
    throw spotifyFailure(error, `Spotify created the playlist "${selection.name}" but did not take its tracks, so it is empty or incomplete in your Spotify and was not recorded here`);
  }
  const record = await insertPlaylist(deps.db, {
    userId,
    spotifyPlaylistId: playlistId,
    name: selection.name,
    source: selection.source,
    parameters: selection.parameters,
    trackCount: selection.tracks.length,
  });
  return { playlist: playlistView(record), tracks: selection.tracks };
}

function descriptionOf(selection: PlaylistSelection): string {
  const p = selection.parameters;
  const what =
    selection.source === 'snapshot'
      ? `your ${RANGE_LABELS[p.range as TimeRange]} top tracks of ${readableDate(p.date as string)}`
      : sourceInfo(selection.source).label;
  return `Made by Music Time Machine from your archive: ${what}.`;
}

function spotifyFailure(error: unknown, what: string): Error {
  if (error instanceof SpotifyReauthRequiredError) return error;
  if (error instanceof SpotifyRateLimitedError) {
    const wait = error.retryAfterSeconds;
    const at = `${error.retryAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    return new PlaylistRateLimitedError(`${what}: Spotify is limiting how often this app may call it. Try again in ${wait} second${wait === 1 ? '' : 's'} (after ${at}).`, wait, error.retryAt);
  }
  // Other Spotify errors (down, refused, a broken answer) are AppErrors with a readable message;
  // anything else is ours (database, bug) and stays a 500 whose details go to the log.
  if (error instanceof AppError && error.code.startsWith('spotify_')) {
    return new AppError(error.code, 502, `${what}: ${error.message}`, { cause: error });
  }
  return error as Error;
}

/** What the playlists page shows: the user's playlists (newest first) and snapshot dates (newest first). */
export async function playlistPageData(db: Db, userId: number): Promise<{ playlists: PlaylistView[]; dates: string[] }> {
  const [playlists, dates] = await Promise.all([listPlaylists(db, userId), listSnapshotDates(db, userId)]);
  return { playlists: playlists.map(playlistView), dates };
}

function playlistView(row: PlaylistRecord): PlaylistView {
  return {
    id: row.id,
    spotifyId: row.spotify_playlist_id,
    name: row.name,
    url: `https://open.spotify.com/playlist/${encodeURIComponent(row.spotify_playlist_id)}`,
    source: row.source,
    trackCount: row.track_count,
    createdAt: row.created_at.toISOString(),
  };
}

// ---- dates -------------------------------------------------------------------------------------

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function addDays(isoDate: string, days: number): string {
  const at = new Date(`${isoDate}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() + days);
  return toIsoDate(at);
}

function monthYear(isoDate: string): string {
  return `${MONTHS[Number(isoDate.slice(5, 7)) - 1]} ${isoDate.slice(0, 4)}`;
}

/** "3 Jun 2026", as people say dates. */
export function readableDate(isoDate: string): string {
  return `${Number(isoDate.slice(8, 10))} ${MONTHS[Number(isoDate.slice(5, 7)) - 1]!.slice(0, 3)} ${isoDate.slice(0, 4)}`;
}

export function spotifyTrackUrl(trackId: string): string {
  return `https://open.spotify.com/track/${encodeURIComponent(trackId)}`;
}
