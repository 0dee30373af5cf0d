import { describe, expect, it } from "vitest";
import { summarizeSeries } from "../../../src/domain/series-summary.js";

const t = (h: number) => new Date(Date.UTC(2026, 10, 27, h)).toISOString();
const series = (values: (number | null)[]) => values.map((value, h) => ({ t: t(h), value }));

describe("summarizeSeries", () => {
  it.each([
    [
      "low, high (first instants), last and the biggest changes first",
      [2, 5, 5, 1, 3],
      {
        min: [1, 3],
        max: [5, 1],
        last: [3, 4],
        changes: [
          [3, -4],
          [1, 3],
          [4, 2],
        ],
      },
    ],
    ["gaps are skipped, not changes", [1, null, 4], { min: [1, 0], max: [4, 2], last: [4, 2], changes: [] }],
    [
      "equal deltas: earliest first",
      [0, 1, 2],
      {
        min: [0, 0],
        max: [2, 2],
        last: [2, 2],
        changes: [
          [1, 1],
          [2, 1],
        ],
      },
    ],
  ])("%s", (_name, values, expected) => {
    const s = summarizeSeries(series(values));
    expect([s.min?.value, s.min?.t]).toEqual([expected.min[0], t(expected.min[1] ?? 0)]);
    expect([s.max?.value, s.max?.t]).toEqual([expected.max[0], t(expected.max[1] ?? 0)]);
    expect([s.last?.value, s.last?.t]).toEqual([expected.last[0], t(expected.last[1] ?? 0)]);
    expect(s.changes.map((c) => [Number(c.t.slice(11, 13)), c.delta])).toEqual(expected.changes);
  });

  it("keeps the top changes only", () => {
    expect(summarizeSeries(series([0, 1, 3, 6, 10]), 2).changes.map((c) => c.delta)).toEqual([4, 3]);
  });

  it("has nothing to say about an empty or all-gap series", () => {
    expect(summarizeSeries(series([null]))).toEqual({ min: null, max: null, last: null, changes: [] });
  });
});
