import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { INDEX_PATH, procedurePaths, renderTestIndex } from "../tools/test-index.js";

describe("docs/tests.md, the index of tests by procedure and route", () => {
  it("is current (run `npm run docs:tests` after adding tests)", () => {
    expect(readFileSync(INDEX_PATH, "utf8")).toBe(renderTestIndex());
  });

  it("lists every procedure of the router, and each has a test", () => {
    const index = renderTestIndex();
    expect(procedurePaths().length).toBeGreaterThan(20);
    for (const path of procedurePaths()) expect(index).toContain(`| \`${path}\` |`);
    expect(index).not.toContain("**none**");
  });
});
