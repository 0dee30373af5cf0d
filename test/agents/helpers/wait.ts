/** Waiting on events rather than sleeping: re-check a condition whenever `emitter` emits `event`. */
import type { EventEmitter } from "node:events";

export async function until(
  check: () => boolean,
  emitter: Pick<EventEmitter, "on" | "off">,
  event: string,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  if (check()) return;
  await new Promise<void>((resolve, reject) => {
    // Events say when to look; a slow poll catches what settles just after the last event (a spool
    // file removed once the answer is read, after the emission that preceded it).
    const poll = setInterval(listener, 100);
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    function stop() {
      clearTimeout(timer);
      clearInterval(poll);
      emitter.off(event, listener);
    }
    function listener() {
      if (!check()) return;
      stop();
      resolve();
    }
    emitter.on(event, listener);
  });
}

/** The next emission of `event` whose payload satisfies `match`. */
export function nextEvent<T>(
  emitter: Pick<EventEmitter, "on" | "off">,
  event: string,
  match: (payload: T) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for "${event}"`));
    }, timeoutMs);
    function listener(payload: T) {
      if (!match(payload)) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(payload);
    }
    emitter.on(event, listener);
  });
}
