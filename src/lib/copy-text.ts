/**
 * PostgreSQL COPY text format: one line per row, columns separated by tabs, \N for NULL, and
 * backslash, tab, newline and carriage return escaped so any text arrives byte-identical.
 * (Text containing U+0000 cannot be stored by PostgreSQL at all; callers reject it first.)
 */
const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

export function copyField(value: string | number | null): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : value;
}

export function copyLine(values: ReadonlyArray<string | number | null>): string {
  let line = copyField(values[0] ?? null);
  for (let i = 1; i < values.length; i++) line += `\t${copyField(values[i] ?? null)}`;
  return `${line}\n`;
}
