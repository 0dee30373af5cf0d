import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { snapshotErrorCodes } from "../../src/contract/snapshot.js";
import { serviceErrorCodes } from "../../src/services/errors.js";

const doc = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), "utf8");

/** The backquoted codes in the code column of a doc's tables (rows that start with a status). */
function documentedCodes(text: string): Set<string> {
  const codes = new Set<string>();
  for (const line of text.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (!/^\d{3}/.test(cells[1] ?? "")) continue;
    for (const match of (cells[2] ?? "").matchAll(/`([A-Z][A-Z_]+)`/g)) if (match[1]) codes.add(match[1]);
  }
  return codes;
}

describe("error codes", () => {
  it("docs/api.md lists exactly the codes the services can answer with", () => {
    expect([...documentedCodes(doc("api.md"))].sort()).toEqual([...serviceErrorCodes].sort());
  });

  it("docs/snapshot-contract.md lists every code a refused snapshot can carry", () => {
    const text = doc("snapshot-contract.md");
    for (const code of snapshotErrorCodes) expect(text, code).toContain(`\`${code}\``);
  });
});
