/**
 * The manifest's documents as the server reads them (src/services/capacity/manifest-documents.ts):
 * the same values as the YAML library's parseAllDocuments, in slices that let other work run, with
 * duplicate keys still refused and a document's size in tokens bounded.
 */
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import {
  DocumentTooLarge,
  MAX_MANIFEST_DEPTH,
  MAX_MANIFEST_DOCUMENT_TOKENS,
  parseManifestDocuments,
  TooManyDocuments,
} from "../../../src/services/capacity/manifest-documents.js";
import {
  BROKEN_SECOND_DOCUMENT,
  DEPLOYMENT_WITH_HOST_PORT,
  join,
  LIST,
  SERVICE,
} from "../../fixtures/manifests.js";

/** Slices that are always used up: every check pauses, and the pauses are counted. */
function countingSlices() {
  const counter = {
    pauses: 0,
    due: () => true,
    async pause() {
      counter.pauses += 1;
    },
  };
  return counter;
}

describe("manifest documents", () => {
  it("reads the same values as parseAllDocuments", async () => {
    const text = join(SERVICE, DEPLOYMENT_WITH_HOST_PORT, LIST, "", "a: &x [1, 2]\nb: *x\n");
    const expected = parseAllDocuments(text).map((d) => d.toJS());
    expect((await parseManifestDocuments(text)).values).toEqual(expected);
  });

  it("reads JSON with JSON.parse, as one document", async () => {
    const value = { kind: "List", items: [{ kind: "Service" }] };
    expect(await parseManifestDocuments(JSON.stringify(value))).toEqual({ values: [value], issues: [] });
  });

  it("lets other work run while it reads a large manifest", async () => {
    const slices = countingSlices();
    await parseManifestDocuments("a: 1\n---\n".repeat(1000), slices);
    expect(slices.pauses).toBeGreaterThan(0);
  });

  it("names a broken document with its line and column", async () => {
    const { issues } = await parseManifestDocuments(BROKEN_SECOND_DOCUMENT);
    expect(issues[0]?.document).toBe(2);
    expect(issues[0]?.message).toMatch(/ at line \d+, column \d+$/);
  });

  it("refuses repeated map keys, as the YAML library does, at any depth", async () => {
    const { issues, values } = await parseManifestDocuments("a: 1\n---\nb:\n  c: 1\n  c: 2\n");
    expect(values).toEqual([{ a: 1 }, null]);
    expect(issues).toEqual([
      { document: 2, path: "", message: "Map keys must be unique at line 5, column 3" },
    ]);
    // 1 and "1" are different keys
    expect((await parseManifestDocuments("1: a\n'1': b\n")).issues).toEqual([]);
  });

  const small = { documentTokens: 1000, documents: 500 };

  it("refuses more documents than the bound", async () => {
    const error = await parseManifestDocuments("a: 1\n---\n".repeat(501), undefined, small).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TooManyDocuments);
    expect((error as Error).message).toBe("more than 500 documents; split the manifest");
    expect((await parseManifestDocuments("a: 1\n---\n".repeat(499), undefined, small)).issues).toEqual([]);
  });

  it("refuses a document of more tokens than the bound, naming it; many small documents are not one", async () => {
    const huge = "- 1\n".repeat(600);
    const error = await parseManifestDocuments(`kind: Service\n---\n${huge}`, undefined, small).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DocumentTooLarge);
    expect((error as DocumentTooLarge).document).toBe(2);
    expect((error as Error).message).toMatch(/^document 2 has more than 1000 YAML tokens/);
    const many = "kind: Service\nmetadata: {name: s}\n---\n".repeat(300);
    expect((await parseManifestDocuments(many, undefined, small)).issues).toEqual([]);
  });

  it("bounds a document at MAX_MANIFEST_DOCUMENT_TOKENS by default", async () => {
    const huge = "- 1\n".repeat(MAX_MANIFEST_DOCUMENT_TOKENS / 2 + 1);
    await expect(parseManifestDocuments(huge)).rejects.toBeInstanceOf(DocumentTooLarge);
  });

  it(`refuses a document nesting deeper than ${MAX_MANIFEST_DEPTH} levels, and reads one well inside it`, async () => {
    const nested = (depth: number) =>
      [...Array.from({ length: depth }, (_, i) => `${" ".repeat(i)}a:`), `${" ".repeat(depth)}b: 1`, ""].join(
        "\n",
      );
    const error = await parseManifestDocuments(nested(MAX_MANIFEST_DEPTH + 10)).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^document 1 nests deeper than/);
    expect((await parseManifestDocuments(nested(MAX_MANIFEST_DEPTH / 2 - 2))).issues).toEqual([]);
  });
});
