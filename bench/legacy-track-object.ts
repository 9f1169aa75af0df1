// A Spotify TrackObject of the shape and size the tutorial stored in raw_json (2024-era API
// answers): album with three images and its artists, artists with external URLs, external ids,
// available_markets on about half of them (the field was dropped for development-mode apps later).
// 1.7-2.8 KB of JSON, ~2 KB on average. bench/generate-legacy.ts checks each one against the
// strict TrackObject mirror of the Spotify OpenAPI document (test/support/spotify-spec.ts).

const MARKETS = (
  'AD AE AG AL AM AO AR AT AU AZ BA BB BD BE BF BG BH BI BJ BN BO BR BS BT BW BY BZ CA CD CG CH CI CL CM CO CR CV CW CY CZ ' +
  'DE DJ DK DM DO DZ EC EE EG ES ET FI FJ FM FR GA GB GD GE GH GM GN GQ GR GT GW GY HK HN HR HT HU ID IE IL IN IQ IS IT JM ' +
  'JO JP KE KG KH KI KM KN KR KW KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MG MH MK ML MN MO MR MT MU MV MW MX MY MZ'
).split(' ');

export type Random = () => number;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const spotifyIdFrom = (random: Random) => Array.from({ length: 22 }, () => ALPHABET[Math.floor(random() * 62)]).join('');

function artistObject(id: string, name: string) {
  return {
    external_urls: { spotify: `https://open.spotify.com/artist/${id}` },
    href: `https://api.spotify.com/v1/artists/${id}`,
    id,
    name,
    type: 'artist' as const,
    uri: `spotify:artist:${id}`,
  };
}

function images(random: Random) {
  const hash = Array.from({ length: 40 }, () => '0123456789abcdef'[Math.floor(random() * 16)]).join('');
  return [640, 300, 64].map((size) => ({ url: `https://i.scdn.co/image/ab67616d0000b273${hash}`, height: size, width: size }));
}

export interface TrackFields {
  id: string;
  name: string;
  artist: string;
  album: string;
  durationMs: number;
  index: number;
}

export function legacyTrackObject(track: TrackFields, random: Random): Record<string, unknown> {
  const artists = [artistObject(spotifyIdFrom(random), track.artist)];
  if (track.index % 4 === 0) artists.push(artistObject(spotifyIdFrom(random), `${track.artist.split(' ')[0]} feat. Guest`));
  const albumId = spotifyIdFrom(random);
  const year = 1960 + Math.floor(random() * 66);
  const markets = track.index % 2 === 0 ? MARKETS.slice(0, 10 + Math.floor(random() * 60)) : undefined;
  const albumType = (['album', 'single', 'compilation'] as const)[track.index % 3]!;
  return {
    album: {
      album_type: albumType,
      total_tracks: 1 + (track.index % 18),
      ...(markets ? { available_markets: markets } : {}),
      external_urls: { spotify: `https://open.spotify.com/album/${albumId}` },
      href: `https://api.spotify.com/v1/albums/${albumId}`,
      id: albumId,
      images: images(random),
      name: track.album,
      release_date: `${year}-${String(1 + (track.index % 12)).padStart(2, '0')}-${String(1 + (track.index % 28)).padStart(2, '0')}`,
      release_date_precision: 'day',
      type: 'album',
      uri: `spotify:album:${albumId}`,
      artists: artists.slice(0, 1),
    },
    artists,
    ...(markets ? { available_markets: markets } : {}),
    disc_number: 1,
    duration_ms: track.durationMs,
    explicit: random() < 0.2,
    external_ids: { isrc: `QZ${track.id.slice(0, 10).toUpperCase()}` },
    external_urls: { spotify: `https://open.spotify.com/track/${track.id}` },
    href: `https://api.spotify.com/v1/tracks/${track.id}`,
    id: track.id,
    is_local: false,
    name: track.name,
    popularity: Math.floor(random() * 100),
    preview_url: random() < 0.5 ? `https://p.scdn.co/mp3-preview/${spotifyIdFrom(random)}${spotifyIdFrom(random)}` : null,
    track_number: 1 + (track.index % 12),
    type: 'track',
    uri: `spotify:track:${track.id}`,
  };
}
