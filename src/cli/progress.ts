/**
 * A one-line progress bar on a terminal (rows, rows/s, ETA), redrawn at most every 100 ms.
 * Silent when the stream is not a terminal or the command prints --json.
 */
export function progressBar(stream: NodeJS.WriteStream, enabled: boolean, now: () => number = Date.now) {
  const started = now();
  let last = 0;
  let drawn = false;
  return {
    update(done: number, total: number, label: string) {
      if (!enabled) return;
      const t = now();
      if (t - last < 100 && done < total) return;
      last = t;
      const seconds = Math.max((t - started) / 1000, 0.001);
      const rate = done / seconds;
      const fraction = total > 0 ? Math.min(done / total, 1) : 1;
      const width = 24;
      const filled = Math.round(fraction * width);
      const eta = rate > 0 && done < total ? `ETA ${Math.ceil((total - done) / rate)} s` : '';
      const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${label} ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} rows ${Math.round(rate).toLocaleString('en-US')} rows/s ${eta}`;
      stream.write(`\r${line.padEnd(100)}`);
      drawn = true;
    },
    done() {
      if (enabled && drawn) stream.write(`\r${' '.repeat(100)}\r`);
    },
  };
}

export function formatTable(rows: ReadonlyArray<ReadonlyArray<string>>): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd());
}

export const n = (value: number) => value.toLocaleString('en-US');
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
