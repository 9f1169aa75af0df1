import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { AppError } from './errors.js';

/**
 * Encrypts secrets at rest (Spotify tokens) with AES-256-GCM. The key is derived from the session
 * secret with HKDF, under its own label, so the cookie key and the token key are never the same.
 * Stored format: "v1.<iv>.<tag>.<ciphertext>", base64url parts; the version lets us rotate.
 */
export interface TokenCipher {
  encrypt(plain: string): string;
  decrypt(stored: string): string;
}

export class TokenDecryptError extends AppError {
  constructor(options?: { cause?: unknown }) {
    super(
      'token_decrypt_failed',
      500,
      'A stored token cannot be decrypted: SESSION_SECRET changed since it was written. The user must log in with Spotify again.',
      options,
    );
  }
}

/** A 32-byte key for one purpose, derived from the one configured secret. */
export function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.from('music-time-machine', 'utf8'), purpose, 32));
}

export function createTokenCipher(secret: string): TokenCipher {
  const key = deriveKey(secret, 'spotify-tokens/v1');
  return {
    encrypt(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
    },
    decrypt(stored) {
      const [version, iv, tag, body] = stored.split('.');
      if (version !== 'v1' || !iv || !tag || body === undefined) throw new TokenDecryptError();
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      } catch (error) {
        throw new TokenDecryptError({ cause: error });
      }
    },
  };
}
