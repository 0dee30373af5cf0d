/**
 * An abort signal that follows its parents and, optionally, a deadline on a timer the agent owns.
 *
 * Not AbortSignal.any/AbortSignal.timeout: on Node 20 a timeout signal reachable only through
 * AbortSignal.any can be garbage-collected before it fires (nodejs/node#57736), so `--once` kept
 * retrying long past `--once-timeout`; and composites built per loop turn from a long-lived parent
 * pile up in it. Here setTimeout holds the timer strongly until dispose(), and dispose() detaches
 * every listener this scope added.
 */
export class AbortScope {
  private readonly controller = new AbortController();
  private readonly detachers: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(parents: readonly (AbortSignal | undefined)[], timeoutMs?: number) {
    for (const parent of parents) {
      if (!parent) continue;
      if (parent.aborted) {
        this.abort(parent.reason);
        return;
      }
      const onAbort = () => this.abort(parent.reason);
      parent.addEventListener("abort", onAbort, { once: true });
      this.detachers.push(() => parent.removeEventListener("abort", onAbort));
    }
    if (timeoutMs !== undefined) {
      this.timer = setTimeout(
        () => this.abort(new DOMException(`timed out after ${timeoutMs} ms`, "TimeoutError")),
        timeoutMs,
      );
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  abort(reason?: unknown): void {
    this.dispose();
    this.controller.abort(reason);
  }

  /** Clears the timer and detaches from the parents; the signal keeps whatever state it has. */
  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const detach of this.detachers.splice(0)) detach();
  }
}
