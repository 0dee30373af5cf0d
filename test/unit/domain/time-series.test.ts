import { describe, expect, it } from "vitest";
import {
  firstKnownIndex,
  parseStep,
  pointsFromBoundaries,
  sampleVersions,
  stepCount,
  unknownBefore,
} from "../../../src/domain/time-series.js";

const at = (h: number) => new Date(Date.UTC(2026, 10, 27, h));

describe("time series over intervals", () => {
  it.each([
    ["30s", 30],
    ["15m", 900],
    ["1h", 3600],
    ["2d", 172_800],
    ["1w", 604_800],
    ["0h", null],
    ["1y", null],
    ["h", null],
    ["-1h", null],
  ])("parses step %s as %s seconds", (text, seconds) => {
    expect(parseStep(text)).toBe(seconds);
  });

  it.each([
    [0, 4, 3600, 5],
    [0, 0, 3600, 1],
    [0, 5, 7200, 3],
  ])("counts the steps from %ih to %ih every %is: %i", (a, b, step, expected) => {
    expect(stepCount(at(a), at(b), step)).toBe(expected);
  });

  it.each([
    ["no change keeps the open count", 3, [], [3, 3, 3]],
    ["a start in bucket 1 counts from t1", 0, [{ k: 1, delta: 1 }], [0, 1, 1]],
    ["an end in bucket 2 stops counting at t2", 2, [{ k: 2, delta: -1 }], [2, 2, 1]],
    [
      "start and end in one bucket cancel",
      1,
      [
        { k: 1, delta: 1 },
        { k: 1, delta: -1 },
      ],
      [1, 1, 1],
    ],
  ])("%s", (_name, open, buckets, expected) => {
    const points = pointsFromBoundaries(at(0), 3600, 3, open, buckets);
    expect(points.map((p) => p.value)).toEqual(expected);
    expect(points.map((p) => p.t)).toEqual([at(0), at(1), at(2)].map((d) => d.toISOString()));
  });

  it("samples the version valid at each step, with gaps as null", () => {
    const versions = [
      { id: "a", validFrom: at(1), validTo: at(3) },
      { id: "b", validFrom: at(3), validTo: at(4) },
      { id: "c", validFrom: at(5), validTo: null },
    ];
    const points = sampleVersions(versions, at(0), 3600, 7);
    expect(points.map((p) => p.version?.id ?? null)).toEqual([null, "a", "a", "b", null, "c", "c"]);
  });
});

describe("a count series starts at its scope's first observation", () => {
  const hour = (h: number) => new Date(Date.UTC(2026, 10, 27, h)).toISOString();
  const counts = (values: number[]) => values.map((value, h) => ({ t: hour(h), value }));
  it.each([
    ["observed at 02:00: the points before are unknown, not 0", new Date(hour(2)), [null, null, 3, 3]],
    [
      "observed between two points: the later one is the first known",
      new Date(Date.parse(hour(1)) + 1),
      [null, null, 3, 3],
    ],
    ["observed before the window: every point is known", new Date(hour(0)), [0, 0, 3, 3]],
    ["never observed: nothing counted, zeros stay", null, [0, 0, 3, 3]],
  ])("%s", (_name, first, expected) => {
    expect(unknownBefore(counts([0, 0, 3, 3]), first).map((p) => p.value)).toEqual(expected);
  });

  it.each([
    [
      "the first instant any series knows",
      [
        [null, null, 1],
        [null, 2, 2],
      ],
      1,
    ],
    ["known from the start", [[0, 1]], 0],
    ["nothing known: from the start", [[null, null]], 0],
  ])("the x-range starts at %s", (_name, series, index) => {
    expect(firstKnownIndex(series)).toBe(index);
  });
});
