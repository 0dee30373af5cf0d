import { describe, expect, it } from "vitest";
import {
  excludedRanges,
  profileSettings,
  withReportedLocalRanges,
} from "../../../src/domain/port-profiles.js";

const settings = profileSettings({});
if (!settings.ok) throw new Error(settings.message);
const base = excludedRanges(settings.settings);
const span = (ranges: { from: number; to: number }[]) => ranges.map((r) => `${r.from}-${r.to}`);

describe("withReportedLocalRanges: the nodes' real outgoing range instead of the guess", () => {
  it.each([
    { name: "unknown on some node: the guess stays", reported: null, has: ["32768-60999"], lacks: [] },
    {
      name: "reported: it replaces the guess",
      reported: [{ from: 40000, to: 50000 }],
      has: ["40000-50000"],
      lacks: ["32768-60999"],
    },
    {
      name: "nodes reporting different ranges: each is excluded, once",
      reported: [
        { from: 40000, to: 50000 },
        { from: 20000, to: 29999 },
        { from: 40000, to: 50000 },
      ],
      has: ["20000-29999", "40000-50000"],
      lacks: ["32768-60999"],
    },
  ])("$name", ({ reported, has, lacks }) => {
    const ranges = span(withReportedLocalRanges(base, reported));
    for (const r of has) expect(ranges.filter((x) => x === r)).toHaveLength(1);
    for (const r of lacks) expect(ranges).not.toContain(r);
    expect(ranges).toContain("2379-2380");
  });
});
