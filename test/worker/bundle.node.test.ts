/**
 * The Worker's import graph, from the bundle wrangler would deploy: nothing Node-only (PGlite, the
 * migrator, node:fs/path, the Node entry, the agent) may reach it, and it stays within budget.
 */

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleSizes } from "./tools/bundle-size.js";
import { repoRoot } from "./tools/wrangler-config.js";

interface Metafile {
  inputs: Record<string, unknown>;
  outputs: Record<
    string,
    { imports: { path: string; external?: boolean }[]; inputs: Record<string, { bytesInOutput: number }> }
  >;
}

/**
 * Cloudflare's free plan takes 3 MiB gzipped; this budget flags an accidental heavy import early (a
 * library pulled in whole is tens to hundreds of KiB). It had grown to 455 KiB, 76 of them zod's 64
 * locale packs, which `import { z } from "zod"` keeps (the `z` namespace object carries `locales`);
 * `import * as z` lets the bundler drop them, leaving 379 KiB. Back to 400 KiB, so the next heavy
 * import is noticed.
 */
const GZIP_BUDGET_BYTES = 400 * 1024;

const out = mkdtempSync(join(tmpdir(), "portolan-worker-bundle-"));
let meta: Metafile;
let code: string;

beforeAll(() => {
  const wrangler = join(
    dirname(createRequire(import.meta.url).resolve("wrangler/package.json")),
    "bin/wrangler.js",
  );
  const run = spawnSync(
    process.execPath,
    [wrangler, "deploy", "--dry-run", "--outdir", out, "--metafile", join(out, "meta.json")],
    {
      cwd: repoRoot,
      encoding: "utf8",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_HIDE_BANNER: "true" },
    },
  );
  if (run.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${run.stdout}\n${run.stderr}`);
  meta = JSON.parse(readFileSync(join(out, "meta.json"), "utf8")) as Metafile;
  code = readFileSync(join(out, "worker.js"), "utf8");
}, 120_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("the Worker bundle", () => {
  it("contains no Node-only module of the repository or its dependencies", () => {
    const inputs = Object.keys(meta.inputs);
    expect(inputs).toContain("src/entry/worker.ts");
    const forbidden = [
      /@electric-sql\/pglite/,
      /drizzle-orm\/pglite/,
      /drizzle-orm\/(postgres-js\/)?migrator/,
      /@kubernetes\/client-node/,
      /@hono\/node-server/,
      /^agents\//,
      /^src\/cli\//,
      /^src\/entry\/(node|database|migrate|log)\.ts$/,
      /^src\/db\/(migrate|migrations-folder|pglite)\.ts$/,
      /^src\/config\/node-env\.ts$/,
    ];
    expect(inputs.filter((input) => forbidden.some((re) => re.test(input)))).toEqual([]);
  });

  it("imports only runtime modules nodejs_compat provides (postgres.js's, node:crypto for SHA-256, node:zlib for small gzip bodies, node:async_hooks for the request's database)", () => {
    const external = new Set(
      Object.values(meta.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path)),
    );
    expect([...external].sort()).toEqual([
      "cloudflare:sockets",
      "node:async_hooks",
      "node:buffer",
      "node:crypto",
      "node:events",
      "node:stream",
      "node:zlib",
    ]);
  });

  it("carries zod's English messages only, not its locale packs", () => {
    // Read is not kept: what the bundler wrote out of each input.
    const emitted = Object.values(meta.outputs).flatMap((o) =>
      Object.entries(o.inputs)
        .filter(([, input]) => input.bytesInOutput > 0)
        .map(([path]) => path),
    );
    const locales = emitted.filter((input) => input.includes("zod/v4/locales/"));
    expect(locales.map((input) => input.replace(/^.*zod\/v4\/locales\//, ""))).toEqual(["en.js"]);
  });

  it("has no trace of PGlite in the emitted code", () => {
    expect(code.toLowerCase()).not.toContain("pglite");
  });

  it(`stays under ${GZIP_BUDGET_BYTES / 1024} KiB gzipped`, () => {
    const { gzipBytes } = bundleSizes(join(out, "worker.js"));
    console.log(`worker bundle: gzip ${(gzipBytes / 1024).toFixed(1)} KiB`);
    expect(gzipBytes).toBeLessThan(GZIP_BUDGET_BYTES);
  });
});
