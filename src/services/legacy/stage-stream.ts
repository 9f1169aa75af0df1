import type { Clock } from '../../lib/clock.js';
import type { RejectEntry, RejectSink } from './rejects.js';
import type { SqliteValue } from './rows.js';
import type { LegacySource } from './source.js';

// How a legacy file's rows stream into COPY: one context for progress, rejects and kill points
// across both tables, and the COPY text cut into chunks.

/** Rows per COPY chunk (and per progress tick). */
export const IMPORT_CHUNK_ROWS = 5000;
/**
 * A chunk's text goes out in pieces of about this size: 5,000 tracks with real-sized raw_json
 * are ~10 MB of text, and one such string (plus its Buffer copy) per COPY write held tens of MB.
 * Pieces change nothing else: checkpoints and progress still come once per full chunk.
 */
const COPY_PIECE_CHARS = 1 << 20;

export interface StageProgress {
  phase: 'tracks' | 'snapshots' | 'finishing';
  rowsRead: number;
  totalRows: number;
}

export interface StageOptions {
  clock: Clock;
  rejects?: RejectSink | undefined;
  onProgress?: ((progress: StageProgress) => void) | undefined;
  checkpoint?: ((name: string) => void) | undefined;
}

/** Shared state of one staging run: the progress counter runs across both tables. */
export interface StageContext extends StageOptions {
  source: LegacySource;
  progress(phase: StageProgress['phase']): void;
  countRow(): void;
  countRows(n: number): void;
  emit(entry: RejectEntry): Promise<void>;
  checkpoint(name: string): void;
}

export function stageContext(source: LegacySource, options: StageOptions): StageContext {
  const totalRows = source.counts.tracks + source.counts.snapshots;
  let rowsRead = 0;
  return {
    ...options,
    source,
    progress: (phase) => options.onProgress?.({ phase, rowsRead, totalRows }),
    countRow: () => void rowsRead++,
    countRows: (n) => void (rowsRead += n),
    emit: async (entry) => options.rejects?.write(entry),
    checkpoint: options.checkpoint ?? (() => {}),
  };
}

/**
 * The COPY text of a table's rows, for session.copyInto. `toLine` turns one source row into its
 * COPY line, or undefined when the row is rejected (it reports why through `reject`). The text is
 * cut into chunks (CopyChunker); before each chunk goes out, the rejects met so far are written,
 * then progress is reported and the checkpoint `<phase>-chunk-N` is passed. So rejects keep
 * source order, and the per-row work stays synchronous (no await per row).
 */
export async function* copyTextOf(
  rows: Iterable<SqliteValue[]>,
  phase: 'tracks' | 'snapshots',
  context: StageContext,
  toLine: (row: SqliteValue[], reject: (entry: RejectEntry) => void) => string | undefined,
): AsyncGenerator<string> {
  const chunks = new CopyChunker();
  let pending: RejectEntry[] = [];
  const reject = (entry: RejectEntry) => void pending.push(entry);
  const writeRejects = async () => {
    for (const entry of pending) await context.emit(entry);
    pending = [];
  };
  for (const row of rows) {
    context.countRow();
    const full = chunks.add(toLine(row, reject));
    if (full !== undefined) {
      await writeRejects();
      yield full;
      chunkSent(context, phase, chunks.done);
    } else if (chunks.size >= COPY_PIECE_CHARS) {
      // Rejects first, as before every yield: the rejects file stays in source order.
      await writeRejects();
      yield chunks.piece();
    }
  }
  await writeRejects();
  const rest = chunks.rest();
  if (rest) yield rest;
  context.progress(phase);
}

/**
 * After the Nth full chunk of a table went out: progress, then the kill point
 * `<phase>-chunk-N` the CLI's kill tests name (a partial last chunk has none).
 */
export function chunkSent(context: StageContext, phase: 'tracks' | 'snapshots', n: number): void {
  context.progress(phase);
  context.checkpoint(`${phase}-chunk-${n}`);
}

/**
 * COPY text cut into chunks of IMPORT_CHUNK_ROWS source rows. Rejected rows count too (they add
 * no line), so chunk N always ends at the same source row and kill points are reproducible.
 */
class CopyChunker {
  #text = '';
  #rows = 0;
  #done = 0;

  /** Takes one source row's COPY line (undefined when rejected); returns the chunk once it is full. */
  add(line: string | undefined): string | undefined {
    if (line !== undefined) this.#text += line;
    if (++this.#rows < IMPORT_CHUNK_ROWS) return undefined;
    const full = this.#text;
    this.#text = '';
    this.#rows = 0;
    this.#done++;
    return full;
  }

  /** Characters of COPY text held for the current chunk. */
  get size(): number {
    return this.#text.length;
  }

  /** Hands out the text held so far; the chunk's row count goes on (it still ends at the same row). */
  piece(): string {
    const piece = this.#text;
    this.#text = '';
    return piece;
  }

  /** How many full chunks were handed out. */
  get done(): number {
    return this.#done;
  }

  /** The last, partial chunk ('' when the rows divided evenly). */
  rest(): string {
    const rest = this.#text;
    this.#text = '';
    return rest;
  }
}
