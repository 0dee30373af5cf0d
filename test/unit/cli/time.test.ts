import { describe, expect, it } from "vitest";
import { parseAsOf, parseInstant } from "../../../src/cli/time.js";

const NOW = new Date("2026-12-01T12:00:00.000Z");

describe("--as-of", () => {
  it.each([
    ["2026-11-27T10:30:00Z", "2026-11-27T10:30:00.000Z"],
    ["2026-11-27T10:30:00.25z", "2026-11-27T10:30:00.250Z"],
    ["2026-11-27t12:30:00+02:00", "2026-11-27T10:30:00.000Z"],
    ["2026-11-27 10:30:00Z", "2026-11-27T10:30:00.000Z"],
    ["2026-11-30", "2026-11-30T00:00:00.000Z"],
    ["2024-02-29", "2024-02-29T00:00:00.000Z"],
    ["7d", "2026-11-24T12:00:00.000Z"],
    ["36h", "2026-11-30T00:00:00.000Z"],
    ["90m", "2026-12-01T10:30:00.000Z"],
    ["0m", "2026-12-01T12:00:00.000Z"],
  ])("reads %s as %s", (text, instant) => {
    expect(parseAsOf(text, NOW)).toBe(instant);
  });

  it.each([
    "yesterday",
    "2026-13-01",
    "2026-02-30",
    "2025-02-29",
    "2026-11-27T10:30:00",
    "2026-11-27T25:00:00Z",
    "2026-11-27T10:30Z",
    "7w",
    "-7d",
    "7 d",
    "",
  ])("refuses %j", (text) => {
    expect(parseAsOf(text, NOW)).toBeUndefined();
  });

  it("takes no relative time where only an instant makes sense (an expiry)", () => {
    expect(parseInstant("7d")).toBeUndefined();
    expect(parseInstant("2027-01-01")).toBe("2027-01-01T00:00:00.000Z");
  });
});
