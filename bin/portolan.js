#!/usr/bin/env node
// Runs the compiled CLI where there are no sources (the container image). From the sources, a bundle of
// src/cli that esbuild (tsx's own, so no extra dependency) writes to node_modules/.cache/portolan/ and
// rewrites when a file it was made from changed — never a dist/ left by an earlier `npm run build`,
// which would run stale code. Loading TypeScript through tsx costs more than a whole command;
// `serve` still loads the server's sources through tsx, on demand.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const compiled = new URL("../dist/src/cli/run.js", import.meta.url);
const cacheDir = `${root}node_modules/.cache/portolan`;
const bundle = `${cacheDir}/cli.mjs`;
const inputsFile = `${cacheDir}/cli-inputs.json`;

/** The bundle is current when it is newer than every source it was made from. */
function bundleIsCurrent() {
  if (!existsSync(bundle) || !existsSync(inputsFile)) return false;
  const builtAt = statSync(bundle).mtimeMs;
  const inputs = JSON.parse(readFileSync(inputsFile, "utf8"));
  return inputs.every(
    (input) => existsSync(`${root}${input}`) && statSync(`${root}${input}`).mtimeMs < builtAt,
  );
}

/** `serve`'s dynamic import of the Node entry becomes: load tsx, then the entry's sources. */
const serverThroughTsx = {
  name: "server-through-tsx",
  setup(build) {
    build.onResolve({ filter: /\/entry\/node\.js$/ }, () => ({ path: "node-entry", namespace: "tsx" }));
    build.onResolve({ filter: /.*/, namespace: "tsx" }, (args) => ({ path: args.path, external: true }));
    build.onLoad({ filter: /.*/, namespace: "tsx" }, () => ({
      contents: `export async function runServer() {
        const { register } = await import("tsx/esm/api");
        register();
        const entry = await import(${JSON.stringify(pathToFileURL(`${root}src/entry/node.ts`).href)});
        return entry.runServer();
      }`,
      loader: "js",
    }));
  },
};

async function writeBundle() {
  const esbuild = createRequire(import.meta.resolve("tsx/esm/api"))("esbuild");
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ["src/cli/run.ts"],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: bundle,
    write: false,
    metafile: true,
    logLevel: "silent",
    // commander is CommonJS: its require("node:events") needs a require in an ES module.
    banner: {
      js: 'import { createRequire as portolanRequire } from "node:module"; const require = portolanRequire(import.meta.url);',
    },
    plugins: [serverThroughTsx],
  });
  const inputs = Object.keys(result.metafile.inputs).filter((input) => !input.includes(":"));
  mkdirSync(cacheDir, { recursive: true });
  // Written aside and renamed: another portolan starting now reads the old bundle or the new, whole.
  const writeWhole = (file, text) => {
    writeFileSync(`${file}.${process.pid}`, text);
    renameSync(`${file}.${process.pid}`, file);
  };
  writeWhole(inputsFile, JSON.stringify(inputs));
  writeWhole(bundle, result.outputFiles[0].contents);
}

const sources = new URL("../src/cli/run.ts", import.meta.url);

/**
 * `serve` runs with the server's heap flags (src/config/server-heap.ts, the same list; a test holds
 * them equal): Node reads them only at start, so a `portolan serve` started without them starts the
 * server again in a child that has them, and hands it its signals. A heap size given by the caller
 * (flags or NODE_OPTIONS) is kept.
 */
const SERVER_HEAP_FLAGS = ["--max-old-space-size=320"];
const heapSizedByCaller = [...process.execArgv, process.env.NODE_OPTIONS ?? ""].some((flag) =>
  flag.includes("--max-old-space-size"),
);
if (process.argv[2] === "serve" && !heapSizedByCaller) {
  const { spawn } = await import("node:child_process");
  const server = spawn(
    process.execPath,
    [...SERVER_HEAP_FLAGS, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: "inherit" },
  );
  for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => server.kill(signal));
  server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  await runCli();
}

async function runCli() {
  if (!existsSync(fileURLToPath(sources))) {
    await import(compiled.href);
  } else if (
    bundleIsCurrent() ||
    (await writeBundle().then(
      () => true,
      () => false,
    ))
  ) {
    await import(pathToFileURL(bundle).href);
  } else {
    // node_modules not writable (a read-only image without a build): the sources through tsx, slower.
    const { register } = await import("tsx/esm/api");
    register();
    await import(sources.href);
  }
}
