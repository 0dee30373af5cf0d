import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { UPLOT_MODULE_PATH, uplotModuleSource } from "../helpers/uplot-module.js";

describe("the dashboard's uPlot module", () => {
  it("equals the installed uplot package (run `npm run dashboard:assets` after an upgrade)", () => {
    expect(readFileSync(UPLOT_MODULE_PATH, "utf8")).toBe(uplotModuleSource());
  });
});
