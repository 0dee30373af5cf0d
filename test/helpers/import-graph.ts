/**
 * An entry point's import graph as a bundle would resolve it: esbuild's metafile (tsx's own esbuild,
 * as bin/portolan.js uses it), packages left external, nothing written.
 */
import { createRequire } from "node:module";

export interface Metafile {
  inputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[] }>;
}

export async function metafileOf(entryPoint: string): Promise<Metafile> {
  const esbuild = createRequire(import.meta.resolve("tsx/esm/api"))("esbuild") as typeof import("esbuild");
  const result = await esbuild.build({
    entryPoints: [entryPoint],
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
