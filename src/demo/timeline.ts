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
  /** the first push */
  readonly start: Date;
  /** midnight UTC of the first day, so the stories' hours read as UTC times of day */
  private readonly dayZero: number;

  constructor(
    readonly now: Date,
    readonly days: number,
  ) {
    this.start = new Date(now.getTime() - days * DAY_MS);
    this.dayZero = Math.floor(this.start.getTime() / DAY_MS) * DAY_MS;
  }

  /**
   * `hour` UTC on day `day` of the history (day 0 is the first), scaled when the history is shorter
   * than 30 days so every story still happens within it, in the same order.
   */
  at(day: number, hour = 0): Date {
    if (this.days >= 30) return new Date(this.dayZero + day * DAY_MS + hour * HOUR_MS);
    const scale = this.days / 30;
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
