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
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    function listener() {
      if (!check()) return;
      clearTimeout(timer);
      emitter.off(event, listener);
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
