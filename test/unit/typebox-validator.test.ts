import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/lib/errors.js';
import { GenerateBody, typeboxValidator } from '../../src/routes/playlist-schemas.js';

const RANGE = 'range must be one of short_term, medium_term, long_term.';

/**
 * TypeBox's compiler loads on a route's first request (lib/typebox-compile.ts), so that request
 * is answered through a promise (Fastify's async validator) and later ones at once: both give
 * the same verdicts and the same messages.
 */
describe('the playlist routes\' TypeBox validator', () => {
  const route = () => typeboxValidator({ schema: GenerateBody, method: 'POST', url: '/api/playlists', httpPart: 'body' });
  const valid = { source: 'snapshot', date: '2026-06-01', range: 'short_term' };
  const invalid = { ...valid, range: 'weekly' };

  it('first request: a promise that resolves to the body, or rejects with the ValidationError', async () => {
    const first = route()(valid) as unknown as Promise<unknown>;
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toBe(valid);
    const firstInvalid = route()(invalid) as unknown as Promise<unknown>;
    await expect(firstInvalid).rejects.toThrow(new ValidationError(RANGE));
    await expect(firstInvalid).rejects.toBeInstanceOf(ValidationError);
  });

  it('later requests: the same verdicts at once, as { value } or { error }', async () => {
    const validate = route();
    await (validate(valid) as unknown as Promise<unknown>);
    expect(validate(valid)).toEqual({ value: valid });
    const result = validate(invalid) as { error: Error };
    expect(result.error).toBeInstanceOf(ValidationError);
    expect(result.error.message).toBe(RANGE);
  });
});
