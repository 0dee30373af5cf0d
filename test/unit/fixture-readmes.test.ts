import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const FIXTURES = "test/fixtures";

function readmes(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return readmes(path);
    return /^readme/i.test(entry.name) ? [path] : [];
  });
}

describe("fixture READMEs", () => {
  it.each(readmes(FIXTURES))("%s names no path outside the repository", (path) => {
    const quoted = [...readFileSync(path, "utf8").matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? "");
    // An absolute path or a climb out of the tree only exists on the machine it was written on.
    expect(quoted.filter((text) => text.startsWith("/") || text.includes("../"))).toEqual([]);
  });
});
