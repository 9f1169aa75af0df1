import { describe, expect, it } from 'vitest';
import { copyLine } from '../../src/lib/copy-text.js';
import { convertRawJson, convertSnapshot, convertTrack, exactInteger, parseSnapshotDate } from '../../src/services/legacy/rows.js';
import { checkSnapshotRow, snapshotPageRules } from '../../src/services/legacy/snapshot-checks.js';
import { snapshotPageCheck } from '../../src/services/legacy/snapshot-page-check.js';

describe('legacy row conversions', () => {
  it('converts integers stored loosely when exact, and only then', () => {
    for (const [input, expected] of [
      [215000, 215000], [215000.0, 215000], ['215000', 215000], [' 215000 ', 215000], ['215000.00', 215000], ['2.15e5', 215000], ['+7', 7], [BigInt(42), 42],
      [215000.5, undefined], ['215000.5', undefined], ['abc', undefined], ['0x10', undefined], ['', undefined], ['1e400', undefined], [Buffer.from('12'), undefined], [null, undefined],
    ] as const) {
      expect(exactInteger(input as never), String(input)).toBe(expected);
    }
  });

  it('accepts YYYY-MM-DD and YYYY-MM-DD HH:MM:SS, and refuses impossible dates and times', () => {
    expect(parseSnapshotDate('2024-02-29')).toEqual({ date: '2024-02-29', hadTime: false });
    expect(parseSnapshotDate('2024-03-01 23:59:59')).toEqual({ date: '2024-03-01', hadTime: true });
    expect(parseSnapshotDate('2024-03-01 10:20:30.123')).toEqual({ date: '2024-03-01', hadTime: true });
    for (const bad of ['2023-02-29', '2024-04-31', '2024-00-10', '2024-1-5', '2024-03-01T10:20:30', '2024-03-01 24:00:00', '2024-03-01 10:61:00', ' 2024-03-01', 'today']) {
      expect(parseSnapshotDate(bad), bad).toBeUndefined();
    }
  });

  it('raw_json: objects pass as the original text; what JSONB cannot take is NULL with a reason', () => {
    expect(convertRawJson('{"n": 12345678901234567890}')).toEqual({ ok: true, value: '{"n": 12345678901234567890}' });
    expect(convertRawJson('{"emoji": "\\ud83c\\udfb5"}')).toEqual({ ok: true, value: '{"emoji": "\\ud83c\\udfb5"}' });
    expect(convertRawJson('')).toEqual({ ok: true, value: null });
    expect(convertRawJson('   ')).toEqual({ ok: true, value: null });
    expect(convertRawJson(null)).toEqual({ ok: true, value: null });
    const reason = (text: string | Buffer) => {
      const r = convertRawJson(text);
      return r.ok ? 'ok' : r.problem.reason;
    };
    expect(reason('{"a":')).toBe('raw_json_invalid');
    expect(reason(Buffer.from('{}'))).toBe('raw_json_invalid');
    expect(reason('[1]')).toBe('raw_json_not_object');
    expect(reason('null')).toBe('raw_json_not_object');
    expect(reason('42')).toBe('raw_json_not_object');
    expect(reason('{"a": ["x\\u0000"]}')).toBe('raw_json_nul_escape');
    expect(reason('{"k\\u0000": 1}')).toBe('raw_json_nul_escape');
    expect(reason('{"a": "\\udc00"}')).toBe('raw_json_lone_surrogate');
  });

  it('a track row: kept, kept without raw_json, or rejected with the column at fault', () => {
    const row = ['id1', 'Name', 'Artist', null, '180000', null, '{"x":1}'] as const;
    expect(convertTrack([...row])).toEqual({
      ok: true,
      track: { track_id: 'id1', name: 'Name', artist_name: 'Artist', album_name: null, duration_ms: 180000, spotify_url: null, raw_json: '{"x":1}' },
    });
    expect(convertTrack(['id1', 'Name', 'Artist', null, null, null, '[]'])).toMatchObject({ ok: true, rawJsonProblem: { reason: 'raw_json_not_object' } });
    expect(convertTrack(['id1', 'Name', 'Artist', null, -5, null, null])).toEqual({
      ok: false,
      problem: { reason: 'invalid_duration_ms', column: 'duration_ms', detail: '-5 is not a whole number of milliseconds between 0 and 2147483647' },
    });
    expect(convertTrack(['id1', Buffer.from([1, 2, 3]), 'Artist', null, null, null, null])).toEqual({
      ok: false,
      problem: { reason: 'not_text', column: 'name', detail: 'a 3-byte blob is not text' },
    });
  });

  it('a snapshot row: each reason', () => {
    const reason = (values: unknown[]) => {
      const r = convertSnapshot(values as never);
      return r.ok ? r.snapshot : r.problem.reason;
    };
    expect(reason(['t', '2024-01-01 10:00:00', 'long_term', '3'])).toEqual({ track_id: 't', snapshot_date: '2024-01-01', time_range: 'long_term', rank: 3, dateHadTime: true });
    expect(reason(['', '2024-01-01', 'long_term', 1])).toBe('missing_track_id');
    expect(reason(['t', '2024-01-01', 'LONG_TERM', 1])).toBe('invalid_time_range');
    expect(reason(['t', '2024-01-01', 'long_term', 50.5])).toBe('invalid_rank');
    expect(reason(['t', '2024-01-01', 'long_term', -1])).toBe('rank_out_of_range');
    expect(reason(['t', 20240101, 'long_term', 1])).toBe('invalid_snapshot_date');
  });

  it('COPY text escapes backslash, tab, newline and carriage return, and writes \\N for NULL', () => {
    expect(copyLine(['a\\b\tc\nd\re', null, 5, '🎵 שלום'])).toBe('a\\\\b\\tc\\nd\\re\t\\N\t5\t🎵 שלום\n');
  });
});

/** Whether the direct load sends a page of COPY lines as it is (marking its tracks in `loadable`). */
const isCleanPage = (text: string, rows: number, prefix: string, loadable: Map<string, boolean>) =>
  snapshotPageCheck(snapshotPageRules(prefix), loadable)(text, rows) !== undefined;

describe('a page of COPY lines SQLite built (the direct load\'s clean chunks)', () => {
  const prefix = '42\t';
  // What snapshot-line-pages.js makes of a row whose values are text, text, text and integer.
  const sqliteLine = (trackId: string, date: string, range: string, rank: number) => `${prefix}${trackId}\t${date}\t${range}\t${rank}\n`;
  const ids = ['4uLU6hMCjMI75M1A2tKUQC', 'x', 'id with spaces and ünïcödé', 't', 'a', 'b'];
  const loadable = new Map(ids.map((id) => [id, false]));

  it('is clean exactly when each row passes checkSnapshotRow\'s fast path, whose COPY line it then already is, with a loadable track', () => {
    const clean = [
      ['4uLU6hMCjMI75M1A2tKUQC', '2024-02-29', 'short_term', 1],
      ['x', '1999-12-31', 'medium_term', 50],
      ['id with spaces and ünïcödé', '2024-01-01', 'long_term', 17],
    ] as const;
    for (const [trackId, date, range, rank] of clean) {
      const line = sqliteLine(trackId, date, range, rank);
      expect(isCleanPage(line, 1, prefix, loadable), line).toBe(true);
      expect(checkSnapshotRow([1, trackId, date, range, rank])).toEqual({ ok: true, trackId, fields: line.slice(prefix.length), dateHadTime: false });
    }
    const page = clean.map(([trackId, date, range, rank]) => sqliteLine(trackId, date, range, rank)).join('');
    expect(isCleanPage(page, 3, prefix, loadable)).toBe(true);
    expect(isCleanPage(page, 4, prefix, loadable)).toBe(false);
    expect(isCleanPage(page, 3, prefix, new Map([['x', false], ['id with spaces and ünïcödé', false]]))).toBe(false);
  });

  it('marks the tracks a clean page names, and none of a page that is not clean', () => {
    const named = () => [...loadable].filter(([, was]) => was).map(([id]) => id);
    for (const id of ids) loadable.set(id, false);
    const clean = sqliteLine('x', '2024-01-01', 'short_term', 1) + sqliteLine('t', '2024-01-01', 'short_term', 2) + sqliteLine('x', '2024-01-02', 'short_term', 1);
    expect(isCleanPage(clean, 3, prefix, loadable)).toBe(true);
    expect(named()).toEqual(['x', 't']);
    // Clean lines, then one that is not (rank 0): nothing on the page is marked.
    const dirty = sqliteLine('a', '2024-01-01', 'short_term', 1) + sqliteLine('b', '2024-01-01', 'short_term', 0);
    expect(isCleanPage(dirty, 2, prefix, loadable)).toBe(false);
    // Every line clean, but one row more than lines (a value held a newline): none marked either.
    expect(isCleanPage(sqliteLine('a', '2024-01-01', 'short_term', 1), 2, prefix, loadable)).toBe(false);
    expect(named()).toEqual(['x', 't']);
  });

  it('leaves every other row to the full check: bad values, and values whose tabs, newlines or escapes would shift or break the line', () => {
    const other = [
      ['', '2024-01-01', 'short_term', 1],
      ['a\tb', '2024-01-01', 'short_term', 1],
      ['back\\slash', '2024-01-01', 'short_term', 1],
      ['carriage\rreturn', '2024-01-01', 'short_term', 1],
      ['nul\u0000', '2024-01-01', 'short_term', 1],
      ['t', '2024-02-30', 'short_term', 1],
      ['t', '2024-1-01', 'short_term', 1],
      ['t', '2024-01-01 10:00:00', 'short_term', 1],
      ['t', '2024-01-01\tx', 'short_term', 1],
      ['t', '2024-01-01', 'short', 1],
      ['t', '2024-01-01', 'short_term\tx', 1],
      ['t', '2024-01-01', 'short_term', 0],
      ['t', '2024-01-01', 'short_term', 51],
      ['t', '2024-01-01', 'short_term', -3],
      ['t\t2024-01-01', '2024-01-02', 'short_term', 1],
      ['new\nline', '2024-01-01', 'short_term', 1],
      // One row whose track id holds a newline and a whole second line: two clean-looking lines.
      [`a\t2024-01-01\tshort_term\t5\n${prefix}b`, '2024-01-02', 'long_term', 3],
    ] as const;
    for (const [trackId, date, range, rank] of other) {
      expect(isCleanPage(sqliteLine(trackId, date, range, rank), 1, prefix, loadable), JSON.stringify([trackId, date, range, rank])).toBe(false);
    }
    expect(isCleanPage(`${prefix}t\t2024-01-01\tshort_term\t05\n`, 1, prefix, loadable)).toBe(false);
    expect(isCleanPage(`${prefix}t\t2024-01-01\tshort_term\t5`, 1, prefix, loadable)).toBe(false);
    expect(isCleanPage(`7\tt\t2024-01-01\tshort_term\t5\n`, 1, prefix, loadable)).toBe(false);
  });
});
