import { hashSeed, intBetween, pick, seededRandom, spotifyId } from './random.js';

/**
 * A deterministic catalogue of a few thousand tracks: artists, albums with release dates of
 * year, month or day precision, explicit flags, ISRCs. `trackObject` renders a track as Spotify
 * sends it in 2026: to a development-mode app without `external_ids` (so no ISRC),
 * `available_markets`, `popularity` and `linked_from` (since 2026-03-09); with extended quota
 * with the first three. `preview_url` is always null.
 */

export interface CatalogueArtist {
  id: string;
  name: string;
}

export interface CatalogueAlbum {
  id: string;
  name: string;
  albumType: 'album' | 'single' | 'compilation';
  releaseDate: string;
  releaseDatePrecision: 'year' | 'month' | 'day';
  artist: CatalogueArtist;
  trackIds: string[];
}

export interface CatalogueTrack {
  id: string;
  name: string;
  durationMs: number;
  explicit: boolean;
  isrc: string;
  trackNumber: number;
  artists: CatalogueArtist[];
  album: CatalogueAlbum;
}

export interface Catalogue {
  artists: CatalogueArtist[];
  albums: CatalogueAlbum[];
  tracks: CatalogueTrack[];
  byId: Map<string, CatalogueTrack>;
}

const FIRST = ['Luna', 'Ada', 'Milo', 'Nora', 'Felix', 'Iris', 'Otis', 'Maya', 'Jonas', 'Lea', 'Theo', 'Zara', 'Elio', 'Nina', 'Hugo', 'Rosa', 'Kai', 'Vera', 'Omar', 'Saoirse', 'Tomas', 'Yuki', 'Amara', 'Lars', 'Inès', 'Mateo', 'Freya', 'Idris', 'Lucía', 'Björn'];
const LAST = ['Vale', 'Okafor', 'Lindqvist', 'Moreau', 'Castillo', 'Nakamura', 'Brennan', 'Kowalski', 'Adeyemi', 'Haddad', 'Rossi', 'Fischer', 'Santos', 'Novak', 'Quinn', 'Ferreira', 'Sato', 'Dubois', 'Mensah', 'Park'];
const BAND_A = ['Velvet', 'Paper', 'Neon', 'Quiet', 'Golden', 'Electric', 'Hollow', 'Silver', 'Midnight', 'Glass', 'Wild', 'Static', 'Northern', 'Crystal', 'Burning', 'Lonely', 'Cosmic', 'Marble', 'Copper', 'Violet'];
const BAND_B = ['Harbours', 'Foxes', 'Satellites', 'Gardens', 'Tides', 'Machines', 'Lanterns', 'Rivers', 'Parade', 'Echoes', 'Wolves', 'Pilots', 'Orchards', 'Signals', 'Strangers', 'Comets', 'Daydreams', 'Arcade', 'Choir', 'Motel'];
const WORDS = ['Summer', 'Rain', 'Heart', 'Fire', 'Lights', 'Night', 'Dance', 'Ocean', 'Gold', 'Dream', 'Stars', 'Road', 'Home', 'Ghost', 'Sugar', 'Wave', 'Honey', 'City', 'Shadow', 'Mirror', 'Paradise', 'Thunder', 'Velvet', 'Morning', 'Echo', 'Rose', 'Storm', 'Moon', 'Fever', 'Tokyo', 'Berlin', 'Lagos', 'Lisbon', 'Highway', 'Satellite', 'Silence', 'Window', 'Polaroid', 'Cherry', 'Winter'];
const PATTERNS = [
  (a: string, b: string) => `${a} ${b}`,
  (a: string) => `${a}`,
  (a: string, b: string) => `${a} in the ${b}`,
  (a: string, b: string) => `${a} & ${b}`,
  (a: string) => `Lost in ${a}`,
  (a: string, b: string) => `${a} (${b} Version)`,
  (a: string) => `${a} Again`,
  (a: string, b: string) => `Another ${a}, Another ${b}`,
  (a: string) => `${a} - Remastered 2011`,
  (a: string) => `Call Me ${a}`,
];
const COUNTRIES = ['US', 'GB', 'SE', 'DE', 'FR', 'NG', 'JP', 'BR', 'KR', 'NL'];

/** Default size: ~500 artists, about 3,000 tracks. */
export function buildCatalogue(options: { seed?: string; artists?: number } = {}): Catalogue {
  const rand = seededRandom(hashSeed(options.seed ?? 'music-time-machine-catalogue'));
  const artistCount = options.artists ?? 500;
  const artists: CatalogueArtist[] = [];
  const usedNames = new Set<string>();
  while (artists.length < artistCount) {
    const name =
      rand() < 0.5 ? `${pick(rand, FIRST)} ${pick(rand, LAST)}` : rand() < 0.6 ? `The ${pick(rand, BAND_A)} ${pick(rand, BAND_B)}` : `${pick(rand, BAND_A)} ${pick(rand, BAND_B)}`;
    if (usedNames.has(name)) continue;
    usedNames.add(name);
    artists.push({ id: spotifyId(rand), name });
  }

  const albums: CatalogueAlbum[] = [];
  const tracks: CatalogueTrack[] = [];
  let isrcSerial = 0;
  for (const artist of artists) {
    const albumCount = intBetween(rand, 1, 3);
    for (let a = 0; a < albumCount; a++) {
      const albumType = rand() < 0.6 ? 'album' : rand() < 0.85 ? 'single' : 'compilation';
      const year = intBetween(rand, 1965, 2026);
      const month = intBetween(rand, 1, 12);
      const day = intBetween(rand, 1, 28);
      // Older releases often carry only a year (or year-month), as on Spotify.
      const precision: CatalogueAlbum['releaseDatePrecision'] = year < 1990 && rand() < 0.6 ? 'year' : rand() < 0.1 ? 'month' : 'day';
      const releaseDate =
        precision === 'year' ? `${year}` : precision === 'month' ? `${year}-${pad(month)}` : `${year}-${pad(month)}-${pad(day)}`;
      const album: CatalogueAlbum = {
        id: spotifyId(rand),
        name: PATTERNS[intBetween(rand, 0, 3)]!(pick(rand, WORDS), pick(rand, WORDS)),
        albumType,
        releaseDate,
        releaseDatePrecision: precision,
        artist,
        trackIds: [],
      };
      albums.push(album);
      const trackCount = albumType === 'single' ? intBetween(rand, 1, 3) : intBetween(rand, 2, 4);
      for (let t = 0; t < trackCount; t++) {
        const featuring = rand() < 0.12 ? [pick(rand, artists)].filter((other) => other.id !== artist.id) : [];
        isrcSerial += 1;
        const track: CatalogueTrack = {
          id: spotifyId(rand),
          name: pick(rand, PATTERNS)(pick(rand, WORDS), pick(rand, WORDS)),
          durationMs: intBetween(rand, 95_000, 420_000),
          explicit: rand() < 0.18,
          isrc: `${pick(rand, COUNTRIES)}${String.fromCharCode(65 + intBetween(rand, 0, 25))}${String.fromCharCode(65 + intBetween(rand, 0, 25))}${intBetween(rand, 1, 9)}${String(year % 100).padStart(2, '0')}${String(isrcSerial % 100000).padStart(5, '0')}`,
          trackNumber: t + 1,
          artists: [artist, ...featuring],
          album,
        };
        album.trackIds.push(track.id);
        tracks.push(track);
      }
    }
  }
  return { artists, albums, tracks, byId: new Map(tracks.map((t) => [t.id, t])) };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * The Web API's TrackObject for a catalogue track, as Spotify sends it in 2026 to an app in
 * development mode (default) or with extended quota. The nested album is a SimplifiedAlbumObject,
 * which never carries `label`, `popularity` or `external_ids` (only the full album object did).
 * `linked_from` appears only for relinked tracks, which the fake has none of.
 */
export function trackObject(track: CatalogueTrack, apiBase: string, quota: 'development' | 'extended' = 'development'): Record<string, unknown> {
  const artist = (a: CatalogueArtist) => ({
    external_urls: { spotify: `https://open.spotify.com/artist/${a.id}` },
    href: `${apiBase}/artists/${a.id}`,
    id: a.id,
    name: a.name,
    type: 'artist',
    uri: `spotify:artist:${a.id}`,
  });
  const album = track.album;
  return {
    album: {
      album_type: album.albumType,
      total_tracks: album.trackIds.length,
      external_urls: { spotify: `https://open.spotify.com/album/${album.id}` },
      href: `${apiBase}/albums/${album.id}`,
      id: album.id,
      images: [640, 300, 64].map((size) => ({ url: demoCoverArt(album.id), height: size, width: size })),
      name: album.name,
      release_date: album.releaseDate,
      release_date_precision: album.releaseDatePrecision,
      type: 'album',
      uri: `spotify:album:${album.id}`,
      artists: [artist(album.artist)],
    },
    artists: track.artists.map(artist),
    disc_number: 1,
    duration_ms: track.durationMs,
    explicit: track.explicit,
    ...(quota === 'extended' ? extendedFields(track) : {}),
    external_urls: { spotify: `https://open.spotify.com/track/${track.id}` },
    href: `${apiBase}/tracks/${track.id}`,
    id: track.id,
    is_local: false,
    is_playable: true,
    name: track.name,
    preview_url: null,
    track_number: track.trackNumber,
    type: 'track',
    uri: `spotify:track:${track.id}`,
  };
}

/** The fields only an app with extended quota still receives, deterministic per track. */
function extendedFields(track: CatalogueTrack): Record<string, unknown> {
  const seed = hashSeed(track.id);
  return {
    available_markets: COUNTRIES.filter((_, i) => (seed >>> i) % 4 !== 0),
    external_ids: { isrc: track.isrc },
    popularity: seed % 101,
  };
}

/**
 * Made-up album art for made-up albums: a small SVG as a data: URL, two colours picked from the
 * album id. Real covers live on Spotify's image host, which an offline demo cannot reach; a data:
 * URL shows everywhere (the app's CSP allows data: images) without another route or request.
 */
export function demoCoverArt(albumId: string): string {
  let hash = 0;
  for (const char of albumId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  const hue = hash % 360;
  const accent = (hue + 40 + (hash >>> 9) % 140) % 360;
  const svg =
    `<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 8 8'>` +
    `<rect width='8' height='8' fill='hsl(${hue},45%,32%)'/>` +
    `<circle cx='${2 + (hash >>> 3) % 5}' cy='${2 + (hash >>> 6) % 5}' r='2.5' fill='hsl(${accent},60%,62%)'/></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}
