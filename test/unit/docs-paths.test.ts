import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** The front door and every page under docs/: what a reader of the repository follows. */
const DOCUMENTS = [
  "README.md",
  ...readdirSync("docs")
    .filter((name) => name.endsWith(".md"))
    .map((name) => join("docs", name)),
];

const TOP_FOLDERS = "src|docs|test|bench|agents|deploy|migrations|examples|bin";
const EXTENSIONS = "ts|tsx|md|json|yaml|yml|sql|js|mjs|png|sh|csv|txt";
// A repository path: starts at a top folder, not in the middle of a URL or of another path.
const REPOSITORY_PATH = new RegExp(
  `(?<![\\w/.:-])(?:${TOP_FOLDERS})/[A-Za-z0-9_./-]*[A-Za-z0-9_-]\\.(?:${EXTENSIONS})\\b`,
  "g",
);
// A source file of ours named without its folders (`ingest-sql.ts`, capacity/fit.ts); other
// extensions may name a dependency's file or an example of the user's, so only TypeScript is checked.
const SOURCE_FILE = /(?<![\w/.:-])[A-Za-z0-9_-][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_.-]+)*\.tsx?\b/g;
// "issue #9", "Issue 12": numbers of a tracker the repository does not carry.
const ISSUE_NUMBER = /\bissues? #?\d+/gi;

const pathsNamedIn = (text: string): string[] => [...new Set(text.match(REPOSITORY_PATH) ?? [])];

const sourceFilesNamedIn = (text: string): string[] => [...new Set(text.match(SOURCE_FILE) ?? [])];

/** Every file of the repository's own tree (not dependencies, builds or artefacts). */
function repositoryFiles(dir = "."): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith(".") || /^(node_modules|dist|dist-worker|test-artifacts)$/.test(entry.name)) {
      return [];
    }
    const path = dir === "." ? entry.name : join(dir, entry.name);
    return entry.isDirectory() ? repositoryFiles(path) : [path];
  });
}

describe("the documentation names only what the repository holds", () => {
  const files = repositoryFiles();
  const heldSomewhere = (name: string) => files.some((file) => file === name || file.endsWith(`/${name}`));

  it("finds paths in prose, code spans and links, but not inside URLs", () => {
    const text =
      "see `src/app.ts`, [the doc](docs/api.md) and https://example.com/src/x.ts or ../shared/docs/y.md";
    expect(pathsNamedIn(text)).toEqual(["src/app.ts", "docs/api.md"]);
    expect(
      sourceFilesNamedIn("`ingest-sql.ts`, capacity/fit.ts (+ inputs.ts), `connection.js`, x.tsv"),
    ).toEqual(["ingest-sql.ts", "capacity/fit.ts", "inputs.ts"]);
  });

  it.each(DOCUMENTS)("every repository path %s names exists", (document) => {
    const missing = pathsNamedIn(readFileSync(document, "utf8")).filter((path) => !existsSync(path));
    expect(missing).toEqual([]);
  });

  it.each(DOCUMENTS)("every source file %s names is in the repository", (document) => {
    const text = readFileSync(document, "utf8");
    expect(sourceFilesNamedIn(text).filter((name) => !heldSomewhere(name))).toEqual([]);
  });

  it.each(DOCUMENTS)("%s cites no issue numbers", (document) => {
    expect(readFileSync(document, "utf8").match(ISSUE_NUMBER) ?? []).toEqual([]);
  });
});
