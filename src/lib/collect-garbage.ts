import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

/**
 * A full garbage collection now, for a long job between phases whose garbage the next phase does
 * not need: V8 otherwise keeps the heap it grew (tens of MB after a legacy import's reading
 * phase) until its memory reducer runs, seconds later, and the process's peak includes it.
 * `--expose-gc` set at run time exposes `gc` only to contexts created afterwards, hence the new
 * context.
 */
export function collectGarbageNow(): void {
  if (gc === undefined) {
    if (typeof globalThis.gc === 'function') gc = globalThis.gc;
    else {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    }
  }
  gc();
}
