/** The clock is passed in (never `new Date()` deep in the code) so tests can pin "today". */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(at: Date | string): Clock {
  const fixed = new Date(at);
  return { now: () => new Date(fixed) };
}
