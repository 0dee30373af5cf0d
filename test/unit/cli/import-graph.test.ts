/**
 * The CLI starts fast because only `serve` loads the server: walks the static import graph of the
 * CLI (esbuild's metafile, the same resolution the bundle in bin/portolan.js uses) and finds neither
 * the server's modules nor the database drivers, nor zod.
 */
import { describe, expect, it } from "vitest";
import { type Metafile, metafileOf } from "../../helpers/import-graph.js";

/** Everything src/cli/run.ts loads before a command runs: static imports only, not `import()`. */
function staticallyLoaded(meta: Metafile): Set<string> {
  const seen = new Set<string>();
  const queue = ["src/cli/run.ts"];
  for (let path = queue.pop(); path !== undefined; path = queue.pop()) {
    if (seen.has(path)) continue;
    seen.add(path);
    for (const edge of meta.inputs[path]?.imports ?? [])
      if (edge.kind === "import-statement") queue.push(edge.path);
  }
  return seen;
}

/**
 * Domain modules the CLI may compute with: they import nothing, so they load nothing else. Renderers
 * (src/render/) are the CLI's too; what they load at run time is walked and checked like the rest.
 */
const SELF_CONTAINED_DOMAIN = ["src/domain/series-summary.ts", "src/domain/time-series.ts"];

describe("the CLI's import graph", () => {
  it("loads no server module, database driver or zod before a command runs", async () => {
    const meta = await metafileOf("src/cli/run.ts");
    for (const path of SELF_CONTAINED_DOMAIN) expect(meta.inputs[path]?.imports).toEqual([]);
    const loaded = [...staticallyLoaded(meta)].filter((path) => !SELF_CONTAINED_DOMAIN.includes(path));
    expect(loaded).toContain("src/cli/main.ts");
    expect(loaded).toContain("src/render/sparkline.ts");
    const forbidden = [
      /^src\/(db|api|services|domain|entry)\//,
      /^src\/app\.ts$/,
      /^(drizzle-orm|postgres|@electric-sql\/pglite|hono|@hono\/|zod|@trpc\/server)(\/|$)/,
    ];
    expect(loaded.filter((path) => forbidden.some((re) => re.test(path)))).toEqual([]);
  });

  it("reaches the server only through serve's dynamic import", async () => {
    const meta = await metafileOf("src/cli/run.ts");
    const dynamic = Object.values(meta.inputs).flatMap((input) =>
      input.imports.filter((edge) => edge.kind === "dynamic-import").map((edge) => edge.path),
    );
    expect(dynamic.filter((path) => path.startsWith("src/"))).toEqual(["src/entry/node.ts"]);
  });
});
