/** Instants of the demo's history, counted from its first day (30 days before "now" by default). */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export interface DemoEvent {
  at: Date;
  cluster: string;
  kind: string;
  summary: string;
}

export class Timeline {
  readonly start: Date;

  constructor(
    readonly now: Date,
    readonly days: number,
  ) {
    this.start = new Date(now.getTime() - days * DAY_MS);
  }

  /**
   * `hour` hours into day `day` of the history (day 0 is the first), scaled when the history is
   * shorter than 30 days so every story still happens before now, in the same order.
   */
  at(day: number, hour = 0): Date {
    const scale = Math.min(1, this.days / 30);
    return new Date(this.start.getTime() + (day * DAY_MS + hour * HOUR_MS) * scale);
  }

  /** `hours` before now. */
  ago(hours: number): Date {
    return new Date(this.now.getTime() - hours * HOUR_MS);
  }
}

/** True when `t` is at or after `from` and, if given, before `to`. */
export function during(t: Date, from: Date, to?: Date): boolean {
  return t >= from && (to === undefined || t < to);
}
