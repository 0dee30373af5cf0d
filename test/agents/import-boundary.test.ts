/**
 * The contract is the agent's only way into the server's code: walks the agent's static and dynamic
 * import graph (esbuild's metafile, the resolution a bundle would use) and finds no module of src/
 * outside src/contract/.
 */
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

interface Metafile {
  inputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[] }>;
}

async function agentMetafile(): Promise<Metafile> {
  const esbuild = createRequire(import.meta.resolve("tsx/esm/api"))("esbuild") as typeof import("esbuild");
  const result = await esbuild.build({
    entryPoints: ["agents/src/main.ts"],
    bundle: true,
    packages: "external",
    platform: "node",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  return result.metafile as Metafile;
}

describe("the agent's import graph", () => {
  it("reaches src/ only through src/contract/", async () => {
    const inputs = Object.keys((await agentMetafile()).inputs);
    expect(inputs).toContain("agents/src/push/pusher.ts");
    expect(inputs).toContain("src/contract/canonical.ts");
    const outside = inputs.filter((path) => path.startsWith("src/") && !path.startsWith("src/contract/"));
    expect(outside).toEqual([]);
  });
});
