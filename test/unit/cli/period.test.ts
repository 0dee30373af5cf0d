import { describe, expect, it } from "vitest";
import { UsageError } from "../../../src/cli/context.js";
import { defaultStep, resolvePeriod } from "../../../src/cli/period.js";

const NOW = new Date("2026-12-01T12:00:00.000Z");

describe("the period of a trend", () => {
  it.each([
    ["neither: the last 7 days", {}, { from: "2026-11-24T12:00:00.000Z", to: NOW.toISOString() }],
    [
      "--since: until now",
      { since: "2026-11-01T00:00:00.000Z" },
      { from: "2026-11-01T00:00:00.000Z", to: NOW.toISOString() },
    ],
    [
      "--from alone: until now",
      { from: "2026-11-30T00:00:00.000Z" },
      { from: "2026-11-30T00:00:00.000Z", to: NOW.toISOString() },
    ],
    [
      "--from and --to",
      { from: "2026-11-01T00:00:00.000Z", to: "2026-11-02T00:00:00.000Z" },
      { from: "2026-11-01T00:00:00.000Z", to: "2026-11-02T00:00:00.000Z" },
    ],
  ])("%s", (_name, options, period) => {
    expect(resolvePeriod(options, NOW)).toEqual(period);
  });

  it.each([
    [
      "--since with --from",
      { since: "2026-11-01T00:00:00.000Z", from: "2026-11-01T00:00:00.000Z" },
      /not both/,
    ],
    ["--since with --to", { since: "2026-11-01T00:00:00.000Z", to: "2026-11-02T00:00:00.000Z" }, /not both/],
    ["--to alone", { to: "2026-11-02T00:00:00.000Z" }, /--to needs --from/],
    [
      "an empty period",
      { from: "2026-11-02T00:00:00.000Z", to: "2026-11-02T00:00:00.000Z" },
      /not before its end/,
    ],
    ["a start in the future", { from: "2026-12-02T00:00:00.000Z" }, /not before its end/],
  ])("refuses %s", (_name, options, message) => {
    expect(() => resolvePeriod(options, NOW)).toThrow(UsageError);
    expect(() => resolvePeriod(options, NOW)).toThrow(message);
  });

  it.each([
    ["2026-12-01T00:00:00.000Z", "2026-12-01T01:00:00.000Z", "300s"],
    ["2026-11-24T00:00:00.000Z", "2026-12-01T00:00:00.000Z", "3600s"],
    ["2026-11-01T00:00:00.000Z", "2026-12-01T00:00:00.000Z", "21600s"],
  ])("steps %s → %s every %s (at most 240 points)", (from, to, step) => {
    expect(defaultStep({ from, to })).toBe(step);
  });
});
