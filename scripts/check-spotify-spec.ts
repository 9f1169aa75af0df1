// Compares the strict schema mirrors in test/support/spotify-spec.ts with Spotify's OpenAPI
// document, which lives outside this repository (../shared/spotify/fixed-spotify-open-api.yml).
// Run by hand when the document is refreshed:  npx tsx scripts/check-spotify-spec.ts [path]
// Exit code 1 when a mirror lists a property the spec does not have, types it differently, or
// misses a required one (other than the documented exceptions), or when an operation the client
// calls is missing or deprecated in the spec.
import { readFileSync } from 'node:fs';
import type { TSchema } from 'typebox';
import * as mirror from '../test/support/spotify-spec.js';

// js-yaml arrives with the dev tooling (eslint); this script is a maintainer's tool, not app code.
const { load } = (await import('js-yaml' as string)) as { load(text: string): unknown };

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const path = process.argv[2] ?? new URL('../../shared/spotify/fixed-spotify-open-api.yml', import.meta.url).pathname;
const doc = load(readFileSync(path, 'utf8')) as Json;
const problems: string[] = [];
const notes: string[] = [];

/** A spec schema with $ref and allOf flattened: { properties, required }. */
function flatten(schema: Json): { properties: Record<string, Json>; required: string[] } {
  if (schema.$ref) return flatten(resolve(schema.$ref));
  const properties: Record<string, Json> = {};
  const required: string[] = [...(schema.required ?? [])];
  for (const part of schema.allOf ?? []) {
    const flat = flatten(part);
    Object.assign(properties, flat.properties);
    required.push(...flat.required);
  }
  for (const [name, prop] of Object.entries<Json>(schema.properties ?? {})) properties[name] = { ...(properties[name] ?? {}), ...prop };
  return { properties, required };
}
function resolve(ref: string): Json {
  return ref.replace(/^#\//, '').split('/').reduce((node: Json, key) => node[key], doc);
}
function specType(prop: Json): string | undefined {
  if (prop.type) return prop.type;
  for (const part of prop.allOf ?? []) {
    const t = part.$ref ? resolve(part.$ref).type ?? 'object' : part.type;
    if (t) return t;
  }
  return prop.$ref ? (resolve(prop.$ref).type ?? 'object') : undefined;
}
function mirrorType(schema: TSchema): string | undefined {
  const s = schema as Json;
  if (s.anyOf) return (s.anyOf as Json[]).map((x) => mirrorType(x as TSchema)).find((t) => t !== 'null');
  if (s.const !== undefined) return typeof s.const === 'number' ? 'integer' : typeof s.const;
  return s.type;
}

const ALLOWED_MISSING_REQUIRED: Record<string, string[]> = {
  // Deprecated in the spec and not sent to development-mode apps in 2026.
  SimplifiedAlbumObject: ['available_markets'],
};

function compare(specName: string, mirrorSchema: TSchema) {
  const spec = flatten(doc.components.schemas[specName]);
  const ours = (mirrorSchema as Json).properties as Record<string, TSchema>;
  const oursRequired = new Set<string>((mirrorSchema as Json).required ?? []);
  for (const [name, schema] of Object.entries(ours)) {
    const prop = spec.properties[name];
    if (!prop) {
      problems.push(`${specName}.${name}: not in the spec`);
      continue;
    }
    const a = specType(prop);
    const b = mirrorType(schema);
    if (a && b && a !== b && !(a === 'number' && b === 'integer')) problems.push(`${specName}.${name}: spec type ${a}, mirror ${b}`);
    if (prop.deprecated) notes.push(`${specName}.${name} is deprecated in the spec`);
  }
  for (const name of Object.keys(spec.properties)) if (!(name in ours)) problems.push(`${specName}.${name}: in the spec, missing from the mirror`);
  for (const name of spec.required) {
    if (!oursRequired.has(name) && !ALLOWED_MISSING_REQUIRED[specName]?.includes(name)) problems.push(`${specName}.${name}: required in the spec, optional in the mirror`);
  }
  console.log(`checked ${specName}: ${Object.keys(ours).length} properties`);
}

compare('TrackObject', mirror.TrackObject);
compare('SimplifiedAlbumObject', mirror.SimplifiedAlbumObject);
compare('SimplifiedArtistObject', mirror.SimplifiedArtistObject);
compare('PagingObject', { ...mirror.PagingTrackObject, properties: Object.fromEntries(Object.entries((mirror.PagingTrackObject as Json).properties).filter(([k]) => k !== 'items')) } as TSchema);
compare('ErrorObject', mirror.ErrorObject);
compare('PrivateUserObject', mirror.PrivateUserObject);
compare('PlaylistObject', mirror.PlaylistObject);
compare('ImageObject', mirror.ImageObject);
compare('ExternalIdObject', mirror.ExternalIdObject);

const operations: [string, string][] = [
  ['/me', 'get'],
  ['/me/top/tracks', 'get'],
  ['/me/playlists', 'post'],
  ['/playlists/{playlist_id}/items', 'post'],
];
for (const [p, method] of operations) {
  const op = doc.paths[p]?.[method];
  if (!op) problems.push(`${method.toUpperCase()} ${p}: not in the spec`);
  else if (op.deprecated) problems.push(`${method.toUpperCase()} ${p}: deprecated in the spec`);
  else console.log(`checked ${method.toUpperCase()} ${p}: ${op.operationId}`);
}
const removed = Object.entries<Json>(doc.paths).flatMap(([p, ops]) => Object.entries<Json>(ops).filter(([, op]) => op?.deprecated).map(([m]) => `${m.toUpperCase()} ${p}`));
console.log(`deprecated operations in the spec (never called): ${removed.length}, e.g. ${removed.filter((r) => /users\/\{user_id\}\/playlists|playlists\/\{playlist_id\}\/tracks|audio-features/.test(r)).join(', ')}`);
for (const note of notes) console.log(`note: ${note}`);
if (problems.length) {
  console.error(`\n${problems.length} difference(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exitCode = 1;
} else {
  console.log('\nthe mirrors match the spec');
}
