/**
 * `npm run size:worker`: prints the Worker bundle's size, raw and gzipped (what Cloudflare's
 * limits count), after `npm run build:worker`. One line, for CI logs.
 */
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

export function bundleSizes(path: string): { bytes: number; gzipBytes: number } {
  const code = readFileSync(path);
  return { bytes: code.byteLength, gzipBytes: gzipSync(code, { level: 9 }).byteLength };
}

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const path = process.argv[2] ?? "dist-worker/worker.js";
  try {
    const { bytes, gzipBytes } = bundleSizes(path);
    console.log(`worker bundle ${path}: ${kib(bytes)}, gzip ${kib(gzipBytes)}`);
  } catch (error) {
    console.error(`cannot read ${path} (run npm run build:worker first): ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
