import { describe, expect, it } from "vitest";
import { type FreeRangeQuery, freeRanges } from "../../../src/domain/free-ranges.js";

/** [from, freeUntil] per result; `to` is always from + width − 1. */
const starts = (query: FreeRangeQuery) =>
  freeRanges(query).map((r) => {
    expect(r.to - r.from + 1).toBe(query.width);
    expect(r.width).toBe(query.width);
    return [r.from, r.freeUntil];
  });

const tens = Array.from({ length: 10 }, (_, i) => (i + 1) * 10);

describe("free port ranges", () => {
  it.each<[string, FreeRangeQuery, number[][]]>([
    ["nothing used: the lowest range starts at 1", { width: 3, used: {}, limit: 1 }, [[1, 29999]]],
    [
      "width 1: single ports between used ones",
      { width: 1, used: { TCP: [1, 3, 5] }, max: 6 },
      [
        [2, 2],
        [4, 4],
        [6, 6],
      ],
    ],
    [
      "a gap exactly `width` long counts",
      { width: 3, used: { TCP: [1, 5] }, max: 10 },
      [
        [2, 4],
        [6, 10],
      ],
    ],
    [
      "one candidate per gap",
      { width: 2, used: { TCP: [10] }, max: 20 },
      [
        [1, 9],
        [11, 20],
      ],
    ],
    ["up to 65535", { width: 3, used: {}, min: 65533 }, [[65533, 65535]]],
    ["not past 65535", { width: 4, used: {}, min: 65533 }, []],
    ["width larger than any gap", { width: 10, used: { TCP: tens }, max: 100 }, []],
    [
      "every gap that is wide enough, up to limit",
      { width: 9, used: { TCP: tens }, max: 100, limit: 3 },
      [
        [1, 9],
        [11, 19],
        [21, 29],
      ],
    ],
    ["min above max", { width: 1, used: {}, min: 100, max: 99 }, []],
    [
      "min and max are clipped to 1–65535",
      { width: 1, used: {}, min: -5, max: 70_000, includeEphemeralRange: true, includeNodePortRange: true },
      [[1, 65535]],
    ],
    [
      "NodePort and ephemeral ranges are skipped by default",
      { width: 5, used: {}, min: 29990 },
      [
        [29990, 29999],
        [61000, 65535],
      ],
    ],
    [
      "NodePort range included",
      { width: 5, used: {}, min: 29990, includeNodePortRange: true },
      [
        [29990, 32767],
        [61000, 65535],
      ],
    ],
    [
      "ephemeral range included",
      { width: 5, used: {}, min: 29990, includeEphemeralRange: true },
      [
        [29990, 29999],
        [32768, 65535],
      ],
    ],
    [
      "both included",
      { width: 5, used: {}, min: 29990, includeNodePortRange: true, includeEphemeralRange: true },
      [[29990, 65535]],
    ],
    ["a gap cut by the NodePort range is too small", { width: 11, used: {}, min: 29990 }, [[61000, 65535]]],
    [
      "reservations are taken",
      {
        width: 3,
        used: {},
        reservations: [{ protocol: "TCP", portFrom: 1, portTo: 100 }],
        protocol: "TCP",
        max: 200,
      },
      [[101, 200]],
    ],
    [
      "reservations of another protocol are not",
      {
        width: 3,
        used: {},
        reservations: [{ protocol: "UDP", portFrom: 1, portTo: 100 }],
        protocol: "TCP",
        max: 200,
      },
      [[1, 200]],
    ],
    [
      "without a protocol every reservation counts",
      { width: 3, used: {}, reservations: [{ protocol: "UDP", portFrom: 1, portTo: 100 }], max: 200 },
      [[101, 200]],
    ],
    [
      "ports used on another protocol are free for this one",
      { width: 1, used: { TCP: [1], UDP: [2] }, protocol: "TCP", max: 3 },
      [[2, 3]],
    ],
    [
      "without a protocol a port must be free on all",
      { width: 1, used: { TCP: [1], UDP: [2] }, max: 3 },
      [[3, 3]],
    ],
    [
      "ports outside 1–65535 in the input are ignored",
      { width: 2, used: { TCP: [0, -1, 70_000] }, max: 2 },
      [[1, 2]],
    ],
    ["limit 0 asks for nothing", { width: 1, used: {}, limit: 0 }, []],
  ])("%s", (_name, query, expected) => {
    expect(starts(query)).toEqual(expected);
  });

  it.each([0, -1, 1.5])("refuses width %d", (width) => {
    expect(() => freeRanges({ width, used: {} })).toThrow(RangeError);
  });
});
