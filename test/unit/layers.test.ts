/**
 * The house's rules, read from the source itself: every relative import of src/ (type-only imports
 * included, which a bundle would erase) points down the layers, and no module reaches itself again
 * through its imports.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";
import { importsOf } from "../helpers/source-imports.js";

/**
 * A room may import rooms of its own rank or lower. Transport (api, app.ts) → services → the pure
 * rooms (domain, render) and storage (db); the contract and logging import nothing of ours.
 */
const RANK: Record<string, number> = {
  contract: 0,
  logging: 0,
  domain: 1,
  demo: 1,
  db: 2,
  render: 2,
  config: 3,
  services: 4,
  api: 5,
  "app.ts": 6,
  entry: 7,
  cli: 7,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** The module a relative specifier names: `./x.js` is `x.ts` or `x.tsx` in the tree. */
function resolve(from: string, specifier: string, files: Set<string>): string | undefined {
  const target = normalize(join(dirname(from), specifier));
  const stem = target.replace(/\.js$/, "");
  return [target, `${stem}.ts`, `${stem}.tsx`, join(target, "index.ts")].find((path) => files.has(path));
}

/** src/ as a graph: each file and the files of src/ it imports. */
function importGraph(): Map<string, string[]> {
  const files = sourceFiles("src");
  const known = new Set(files);
  return new Map(
    files.map((file) => {
      const targets = importsOf(readFileSync(file, "utf8"))
        .filter((specifier) => specifier.startsWith("."))
        .map((specifier) => resolve(file, specifier, known))
        .filter((path): path is string => path?.startsWith("src/") === true);
      return [file, [...new Set(targets)]];
    }),
  );
}

const roomOf = (file: string) => file.split("/")[1] ?? file;

/** Tarjan's strongly connected components with more than one file (or a file importing itself). */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
      onStack.delete(top);
      component.push(top);
      if (top === node) break;
    }
    if (component.length > 1 || graph.get(node)?.includes(node)) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

describe("the layers of src/", () => {
  const graph = importGraph();

  it("reads the imports of every module (the graph is not vacuous)", () => {
    expect(graph.get("src/app.ts")?.length).toBeGreaterThan(5);
    expect(graph.get("src/render/trend-report.ts")).toContain("src/domain/trend-report-content.ts");
  });

  it("gives every room of src/ a rank", () => {
    expect([...new Set([...graph.keys()].map(roomOf))].filter((room) => !(room in RANK))).toEqual([]);
  });

  it("has no import that points up a layer", () => {
    const upward = [...graph].flatMap(([file, targets]) =>
      targets
        .filter((target) => (RANK[roomOf(target)] ?? 99) > (RANK[roomOf(file)] ?? -1))
        .map((target) => `${file} -> ${target}`),
    );
    expect(upward).toEqual([]);
  });

  it("has no import cycle", () => {
    expect(cycles(graph)).toEqual([]);
  });

  it("finds a cycle when there is one", () => {
    const ring = new Map([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a"]],
      ["d", ["a"]],
    ]);
    expect(cycles(ring)).toEqual([["a", "b", "c"]]);
  });
});
