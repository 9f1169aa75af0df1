import { describe, expect, it } from 'vitest';
import { checkRedirectUri, loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/lib/errors.js';

describe('Spotify configuration', () => {
  it('accepts HTTPS and loopback-IP redirect URIs', () => {
    expect(checkRedirectUri('https://mtm.example.com/callback')).toBeUndefined();
    expect(checkRedirectUri('http://127.0.0.1:3000/callback')).toBeUndefined();
    expect(checkRedirectUri('http://[::1]:8080/callback')).toBeUndefined();
  });

  it('refuses localhost with Spotify\'s rule and the loopback IP to use instead', () => {
    expect(checkRedirectUri('http://localhost:3000/callback')).toBe(
      '"http://localhost:3000/callback" uses localhost, which Spotify no longer accepts for redirect URIs. ' +
        'Use the loopback IP instead: http://127.0.0.1:3000/callback (and register that in your Spotify app).',
    );
    expect(checkRedirectUri('http://192.168.1.5:3000/callback')).toMatch(/must be HTTPS, or http:\/\/127\.0\.0\.1:PORT/);
    expect(checkRedirectUri('http://127.0.0.1/callback')).toMatch(/needs an explicit port/);
  });

  it('is demo mode without SPOTIFY_*; real Spotify URLs by default; fake URLs when set', () => {
    expect(loadConfig({ NODE_ENV: 'test' })).toMatchObject({ demoMode: true, spotify: undefined });
    const real = loadConfig({ NODE_ENV: 'test', SPOTIFY_CLIENT_ID: 'abc', SPOTIFY_REDIRECT_URI: 'http://127.0.0.1:3000/callback' });
    expect(real.demoMode).toBe(false);
    expect(real.spotify).toEqual({ clientId: 'abc', clientSecret: undefined, redirectUri: 'http://127.0.0.1:3000/callback' });
    const staged = loadConfig({
      NODE_ENV: 'test',
      SPOTIFY_CLIENT_ID: 'mtm-fake-client-id',
      SPOTIFY_REDIRECT_URI: 'http://127.0.0.1:3000/callback',
      SPOTIFY_ACCOUNTS_URL: 'http://127.0.0.1:4000/',
      SPOTIFY_API_URL: 'http://127.0.0.1:4000/v1',
    });
    expect(staged.spotify).toMatchObject({ accountsUrl: 'http://127.0.0.1:4000', apiUrl: 'http://127.0.0.1:4000/v1' });
  });

  it('names a bad base URL and a localhost redirect URI in one error', () => {
    const error = (() => {
      try {
        loadConfig({ NODE_ENV: 'test', SPOTIFY_CLIENT_ID: 'abc', SPOTIFY_REDIRECT_URI: 'http://localhost:3000/callback', SPOTIFY_API_URL: 'ftp://x' });
      } catch (e) {
        return e;
      }
    })() as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.problems.map((p) => p.variable)).toEqual(['SPOTIFY_API_URL', 'SPOTIFY_REDIRECT_URI']);
  });
});
