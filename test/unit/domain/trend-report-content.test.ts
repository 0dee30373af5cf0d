import { describe, expect, it } from "vitest";
import { stepCount } from "../../../src/domain/time-series.js";
import { MAX_REPORT_POINTS, reportStep } from "../../../src/domain/trend-report-content.js";

const t = (h: number) => new Date(Date.UTC(2026, 10, 27, h)).toISOString();

describe("report steps", () => {
  it.each([
    [1, 300],
    [24, 900],
    [7 * 24, 3 * 3600],
    [30 * 24, 12 * 3600],
    [400 * 24, 7 * 86_400],
  ])("%i hours are charted every %i s, within the point bound", (hours, step) => {
    const from = new Date(t(0));
    const to = new Date(from.getTime() + hours * 3_600_000);
    expect(reportStep(from, to)).toBe(step);
    expect(stepCount(from, to, step)).toBeLessThanOrEqual(MAX_REPORT_POINTS);
  });
});
