import { ValidationError } from '../../lib/errors.js';

/**
 * The Spotify user id a legacy file belongs to, as given on the command line or the upload form
 * (import, verify and export all name one): trimmed, one word, at most 255 characters.
 */
export function validateOwner(owner: string): string {
  const trimmed = owner.trim();
  if (!trimmed || /\s/.test(trimmed) || trimmed.length > 255) {
    throw new ValidationError(`"${owner}" is not a Spotify user id (one word, as in open.spotify.com/user/ID)`);
  }
  return trimmed;
}
