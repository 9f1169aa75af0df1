import type { Clock } from '../../src/lib/clock.js';

/** A clock a test moves by hand: `now()` answers the last time set, as a fresh Date each call. */
export interface SettableClock extends Clock {
  set(at: Date | string): void;
}

export function settableClock(start: Date | string): SettableClock {
  let current = new Date(start);
  return {
    now: () => new Date(current),
    set: (at) => {
      current = new Date(at);
    },
  };
}
