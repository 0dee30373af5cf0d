/**
 * The server clock `npm run demo` replays its history on. Seeding pushes 30 days of snapshots in a
 * minute: on the wall clock every one would arrive "now", so the server would take the silent agent's
 * last push (two days old) for a live one with a clock 172,800 s slow, judge its cluster fresh, and
 * date every registration today. Following the pushes instead (each arrives at its observedAt, as
 * if the agents had pushed live; registrations happen at the history's start) keeps the server's
 * record as it would be, and after seeding the clock is the wall clock again.
 */
import type { FetchTarget } from "./seed.js";

export interface ReplayClock {
  now(): Date;
  /** `target` with the clock moved to each push's observedAt before it is sent */
  following(target: FetchTarget): FetchTarget;
  /** from now on the wall clock */
  release(): void;
}

export function replayClock(start: Date): ReplayClock {
  let replayed: Date | null = start;
  return {
    now: () => replayed ?? new Date(),
    following: (target) => async (path, init) => {
      if (replayed && path === "/v1/snapshots" && typeof init?.body === "string") {
        replayed = new Date((JSON.parse(init.body) as { observedAt: string }).observedAt);
      }
      return target(path, init);
    },
    release: () => {
      replayed = null;
    },
  };
}
