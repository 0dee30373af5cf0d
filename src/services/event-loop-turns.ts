/**
 * A pause for long work on the request path: it gives the event loop a turn (timers, I/O, other
 * requests, /healthz) once the work has held it for a slice, and costs a clock read otherwise. Used
 * between the chunks of a large push (contract/steps.ts, db/bulk-insert.ts). Runs on Node and on
 * Workers (setImmediate where there is one, else a zero timeout).
 */
export const EVENT_LOOP_SLICE_MS = 10;

const nextTurn = () =>
  new Promise<void>((resolve) => {
    if (typeof setImmediate === "function") setImmediate(resolve);
    else setTimeout(resolve, 0);
  });

/** One pause per piece of work: each keeps its own slice. */
export function eventLoopTurns(sliceMs = EVENT_LOOP_SLICE_MS): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < sliceMs) return;
    await nextTurn();
    since = performance.now();
  };
}
