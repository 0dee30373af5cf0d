/**
 * The pure layers stay pure: reads every module of src/domain and src/render and checks what each
 * imports, type-only imports included (docs/architecture.md, "Layers"). The domain decides and holds
 * data; the renderers present it and are shared by services, the dashboard and the CLI, so neither
 * may reach a framework, storage or the layers that use them.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { describe, expect, it } from "vitest";
import { importsOf } from "../helpers/source-imports.js";

const ROOT = join(import.meta.dirname, "../..");

/** A module's imports as repository paths (`src/domain/x.ts`), packages as their names. */
function resolvedImports(dir: string): { module: string; imports: string[] }[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((file) => /\.tsx?$/.test(file))
    .map((file) => {
      const module = posix.join(dir, file);
      const imports = importsOf(readFileSync(join(ROOT, module), "utf8")).map((spec) =>
        spec.startsWith(".") ? posix.join(posix.dirname(module), spec).replace(/\.js$/, ".ts") : spec,
      );
      return { module, imports };
    });
}

/** What each pure layer may import; anything else (a package, another layer) breaks the rule. */
const ALLOWED: Record<string, RegExp[]> = {
  // The contract's types and node:crypto (fingerprints); nothing that presents or stores.
  "src/domain": [/^src\/domain\//, /^src\/contract\//, /^node:crypto$/],
  // The domain's data and rules; no framework, so the CLI loads renderers without the server.
  "src/render": [/^src\/render\//, /^src\/domain\//, /^src\/contract\//],
};

describe("imports of the pure layers", () => {
  it("finds every form of import it checks", () => {
    const source = [
      'import { a } from "./a.js";',
      'import type { B } from "../b.js";',
      'import c, { d } from "c";',
      'import * as e from "e";',
      "import {\n  f,\n  type G,\n} from './f.js';",
      'export { h } from "./h.js";',
      'import "./side-effect.js";',
      'const i = await import("./i.js");',
      'const text = `from "not-an-import"`;',
    ].join("\n");
    expect(importsOf(source).sort()).toEqual(
      ["./a.js", "../b.js", "c", "e", "./f.js", "./h.js", "./side-effect.js", "./i.js"].sort(),
    );
  });

  it.each(Object.entries(ALLOWED))("%s imports only what its layer allows", (dir, allowed) => {
    const modules = resolvedImports(dir);
    expect(modules.length).toBeGreaterThan(3);
    const outside = modules.flatMap(({ module, imports }) =>
      imports.filter((path) => !allowed.some((re) => re.test(path))).map((path) => `${module} → ${path}`),
    );
    expect(outside).toEqual([]);
  });

  it("sees the renderers' imports of the domain (the scan is not vacuous)", () => {
    const report = resolvedImports("src/render").find((m) => m.module === "src/render/trend-report.ts");
    expect(report?.imports).toContain("src/domain/trend-report-content.ts");
  });
});
