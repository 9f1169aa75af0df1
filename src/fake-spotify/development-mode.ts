import { TextAnswer } from './http.js';

/**
 * Development mode's User Management: only listeners added in the dashboard (at most five) may
 * use the Web API. Anyone else gets Spotify's exact answer: a plain-text 403.
 */
export const MAX_DEVELOPMENT_USERS = 5;
export const NOT_REGISTERED_MESSAGE = 'User not registered in the Developer Dashboard';

export interface Allowlist {
  /** Throws the 403 answer for a user not on the list (nothing when there is no list). */
  check(user: string): void;
  add(user: string): void;
}

export function createAllowlist(initial: readonly string[] | undefined): Allowlist {
  const users = initial === undefined ? undefined : new Set<string>();
  const add = (user: string) => {
    if (!users) throw new Error('fake Spotify: no development-mode allowlist (start it with `allowlist`)');
    if (!users.has(user) && users.size >= MAX_DEVELOPMENT_USERS) {
      throw new Error(`fake Spotify: a development-mode app has at most ${MAX_DEVELOPMENT_USERS} users`);
    }
    users.add(user);
  };
  for (const user of initial ?? []) add(user);
  return {
    check(user) {
      if (users && !users.has(user)) throw new TextAnswer(403, NOT_REGISTERED_MESSAGE);
    },
    add,
  };
}
