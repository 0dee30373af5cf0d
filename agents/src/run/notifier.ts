/** Lets a loop sleep until something changed or a timeout passed, with the injectable delay. */
import { AbortScope } from "../util/abort.js";
import type { Delay } from "../util/time.js";

export class ChangeNotifier {
  private waiters: (() => void)[] = [];

  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves "changed" on the next notify(), or "timeout" after `ms` (or when `signal` aborts). */
  async wait(ms: number, delay: Delay, signal: AbortSignal): Promise<"changed" | "timeout"> {
    const stop = new AbortScope([signal]);
    let wake!: () => void;
    const changed = new Promise<"changed">((resolve) => {
      wake = () => resolve("changed");
      this.waiters.push(wake);
    });
    try {
      return await Promise.race([changed, delay(ms, stop.signal).then(() => "timeout" as const)]);
    } finally {
      stop.abort(); // ends the delay's timer
      this.waiters = this.waiters.filter((w) => w !== wake);
    }
  }
}
