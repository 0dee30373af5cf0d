import { describe, expect, it } from "vitest";
import { type FreeRangeQuery, fleetExclusions, freeRanges } from "../../../src/domain/free-ranges.js";
import {
  type ExcludedRange,
  excludedRanges,
  type ProfileSettings,
  profileSettings,
} from "../../../src/domain/port-profiles.js";

/** A query whose exclusions are left out means none (the domain asks every caller to say). */
type Query = Omit<FreeRangeQuery, "excluded"> & Partial<Pick<FreeRangeQuery, "excluded">>;

const NODE_PORTS = { protocol: null, from: 30000, to: 32767 } as const;
const EPHEMERAL = { protocol: null, from: 32768, to: 60999 } as const;

/** [from, freeUntil] per result; `to` is always from + width − 1. */
const starts = (query: Query) =>
  freeRanges({ excluded: [], ...query }).map((r) => {
    expect(r.to - r.from + 1).toBe(query.width);
    expect(r.width).toBe(query.width);
    return [r.from, r.freeUntil];
  });

const tens = Array.from({ length: 10 }, (_, i) => (i + 1) * 10);

describe("free port ranges", () => {
  it.each<[string, Query, number[][]]>([
    [
      "nothing used or excluded: the lowest range starts at 1",
      { width: 3, used: {}, limit: 1 },
      [[1, 65535]],
    ],
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
    ["min and max are clipped to 1–65535", { width: 1, used: {}, min: -5, max: 70_000 }, [[1, 65535]]],
    [
      "excluded ranges are skipped",
      { width: 5, used: {}, min: 29990, excluded: [NODE_PORTS, EPHEMERAL] },
      [
        [29990, 29999],
        [61000, 65535],
      ],
    ],
    [
      "one excluded range",
      { width: 5, used: {}, min: 29990, excluded: [NODE_PORTS] },
      [
        [29990, 29999],
        [32768, 65535],
      ],
    ],
    [
      "a gap cut by an excluded range is too small",
      { width: 11, used: {}, min: 29990, excluded: [NODE_PORTS, EPHEMERAL] },
      [[61000, 65535]],
    ],
    [
      "an exclusion of another protocol is not one",
      { width: 1, used: {}, protocol: "TCP", max: 3, excluded: [{ protocol: "UDP", from: 1, to: 2 }] },
      [[1, 3]],
    ],
    [
      "without a protocol a one-protocol exclusion counts",
      { width: 1, used: {}, max: 3, excluded: [{ protocol: "UDP", from: 1, to: 2 }] },
      [[3, 3]],
    ],
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
    expect(() => freeRanges({ width, used: {}, excluded: [] })).toThrow(RangeError);
  });
});

const settings = (labels: Record<string, string>, allowPrivileged = false): ProfileSettings => {
  const result = profileSettings(labels, { allowPrivileged });
  if (!result.ok) throw new Error(result.message);
  return result.settings;
};
const overlaps = (r: { from: number; to: number }, x: ExcludedRange) => r.from <= x.to && x.from <= r.to;

describe("free port ranges under a port profile", () => {
  it.each<[string, ProfileSettings, "TCP" | "UDP" | undefined, number, number]>([
    ["kubernetes, width 3: the first unprivileged ports", settings({}), undefined, 3, 1024],
    ["kubernetes, width 3, TCP", settings({}), "TCP", 3, 1024],
    ["openshift, width 3", settings({ distribution: "openshift" }), undefined, 3, 1024],
    ["kubernetes, width 2000: past etcd's 2379–2380", settings({}), undefined, 2000, 2381],
    [
      "openshift, width 3000, every protocol: the UDP overlays and 9000–9999 push it past the kubelet",
      settings({ distribution: "openshift" }),
      undefined,
      3000,
      10260,
    ],
    [
      "openshift, width 3000, TCP: the UDP overlays do not count",
      settings({ distribution: "openshift" }),
      "TCP",
      3000,
      2381,
    ],
    ["kubernetes, width 5000: after the kubelet's 10248–10259", settings({}), "TCP", 5000, 10260],
    ["privileged ports allowed", settings({}, true), undefined, 3, 1],
    ["another NodePort range", settings({ "portolan.dev/node-port-range": "1024-2000" }), undefined, 3, 2001],
  ])("%s starts at %d and never touches an excluded range", (_name, profile, protocol, width, first) => {
    const excluded = excludedRanges(profile);
    const ranges = freeRanges({
      width,
      used: {},
      excluded,
      limit: 1000,
      ...(protocol ? { protocol } : {}),
    });
    expect(ranges[0]?.from).toBe(first);
    for (const range of ranges) {
      const hit = excluded.filter(
        (x) =>
          (x.protocol === null || protocol === undefined || x.protocol === protocol) && overlaps(range, x),
      );
      expect(hit, `${range.from}-${range.to}`).toEqual([]);
      for (const forbidden of [10250, 30000, 32767, 32768, 60999])
        expect(forbidden < range.from || forbidden > range.to).toBe(true);
      if (profile.profile === "openshift") expect(range.to < 9000 || range.from > 9999).toBe(true);
    }
  });
});

describe("the fleet's exclusions", () => {
  it("lists each range once with the clusters it comes from, ordered by first port", () => {
    const merged = fleetExclusions([
      { cluster: "k8s", ranges: excludedRanges(settings({})) },
      { cluster: "ocp", ranges: excludedRanges(settings({ distribution: "openshift" })) },
      {
        cluster: "odd",
        ranges: excludedRanges(settings({ "portolan.dev/node-port-range": "20000-22767" })),
      },
    ]);
    const line = (from: number) => merged.filter((r) => r.from === from).map((r) => [r.to, r.clusters]);
    expect(line(1)).toEqual([[1023, ["k8s", "ocp", "odd"]]]);
    expect(line(9000)).toEqual([[9999, ["ocp"]]]);
    expect(line(30000)).toEqual([[32767, ["k8s", "ocp"]]]);
    expect(line(20000)).toEqual([[22767, ["odd"]]]);
    expect(merged.map((r) => r.from)).toEqual([...merged.map((r) => r.from)].sort((a, b) => a - b));
    for (const r of merged) {
      expect(r.reason).not.toBe("");
      expect(r.source).not.toBe("");
    }
  });
});
