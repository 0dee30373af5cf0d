import { describe, expect, it } from "vitest";
import { shortList, table } from "../../../src/render/text-table.js";

describe("text tables for terminals", () => {
  it("aligns columns to their widest cell and leaves no trailing spaces", () => {
    expect(
      table(
        ["PORT", "WORKLOAD", "NODES"],
        [
          [80, "router-default", "w1, w2"],
          [9100, "node-exporter", ""],
        ],
      ),
    ).toBe(["PORT  WORKLOAD        NODES", "80    router-default  w1, w2", "9100  node-exporter"].join("\n"));
  });

  it.each([
    [[], 4, undefined, "-"],
    [["w1", "w2"], 4, undefined, "w1, w2"],
    [["w1", "w2", "w3", "w4", "w5", "w6"], 4, undefined, "w1, w2, w3, w4, … (+2)"],
    [["w1", "w2"], 4, 500, "w1, w2, … (+498)"],
  ] as const)("shortList(%j, %i, %s) reads %s", (items, max, total, text) => {
    expect(shortList([...items], max, total)).toBe(text);
  });
});
