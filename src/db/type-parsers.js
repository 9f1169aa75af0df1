// Plain JavaScript on purpose: both the main thread (node-postgres) and the PGlite worker thread
// (which runs without the TypeScript loader) import this one table, so the two engines return
// identical JavaScript values for the same row.

/** PostgreSQL type OIDs whose default JavaScript conversion we override, on both engines. */
export const TYPE_PARSERS = Object.freeze({
  // int8 (COUNT(*), SUM(), bigint ids): a number. Our values stay far below 2^53.
  20: (value) => Number(value),
  // numeric (AVG(), ROUND()): a number; analytics figures, not money.
  1700: (value) => Number(value),
  // date: kept as the 'YYYY-MM-DD' text. A JS Date would shift it by the server's time zone.
  1082: (value) => value,
});
