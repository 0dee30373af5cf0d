import { describe, expect, it } from "vitest";
import { coincidences, coincidingSet, legendLabels } from "../../../src/domain/coinciding-series.js";

describe("series that coincide on a chart", () => {
  it.each([
    [
      "identical throughout",
      [
        [1, 2, 2],
        [1, 2, 2],
      ],
      [null, { kind: "same", with: 0 }],
    ],
    [
      "identical with the same gaps",
      [
        [null, 2, 3],
        [null, 2, 3],
      ],
      [null, { kind: "same", with: 0 }],
    ],
    [
      "equal over a stretch of two points",
      [
        [1, 2, 2, 5],
        [0, 2, 2, 1],
      ],
      [null, { kind: "overlaps", with: 0 }],
    ],
    [
      "equal at one point only: crossing lines, not hidden",
      [
        [1, 2, 3],
        [3, 2, 1],
      ],
      [null, null],
    ],
    [
      "all gaps: nothing drawn, nothing hidden",
      [
        [null, null],
        [null, null],
      ],
      [null, null],
    ],
    [
      "the first earlier series it is the same as, before one it only overlaps",
      [
        [1, 1, 9],
        [1, 1, 1],
        [1, 1, 1],
      ],
      [null, { kind: "overlaps", with: 0 }, { kind: "same", with: 1 }],
    ],
  ])("%s", (_name, series, expected) => {
    expect(coincidences(series)).toEqual(expected);
  });

  it("says in the legend which coincide, and marks both sides", () => {
    const series = [
      { name: "router-default", values: [2, 2, 3] },
      { name: "router-internal", values: [2, 2, 3] },
      { name: "router-shard-b", values: [0, 2, 3] },
      { name: "other", values: [7, 8, 9] },
    ];
    expect(legendLabels(series)).toEqual([
      "router-default",
      "router-internal (same as router-default)",
      "router-shard-b (in places same as router-default)",
      "other",
    ]);
    expect(coincidingSet(series.map((s) => s.values))).toEqual([true, true, true, false]);
  });
});
