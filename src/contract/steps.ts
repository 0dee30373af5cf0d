/**
 * Long computations written once as generators that stop (`yield`) between chunks of work: run to the
 * end at once (runSteps), or with a pause between chunks (runStepsPausing) so a server's event loop
 * gets a turn while a large snapshot is parsed, hashed and turned into facts.
 */
export type Steps<T> = Generator<void, T, void>;

/** Objects handled between two stops: small enough that a chunk takes a few milliseconds. */
export const STEP_CHUNK = 250;

export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

export async function runStepsPausing<T>(steps: Steps<T>, pause: () => Promise<void>): Promise<T> {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    await pause();
  }
}

/** Maps a list in chunks, stopping between them. */
export function* mapInSteps<T, U>(items: readonly T[], map: (item: T) => U): Steps<U[]> {
  const out: U[] = new Array(items.length);
  for (let i = 0; i < items.length; i++) {
    out[i] = map(items[i] as T);
    if (i % STEP_CHUNK === STEP_CHUNK - 1) yield;
  }
  return out;
}
