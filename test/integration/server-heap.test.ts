/**
 * The server's heap flags (src/config/server-heap.ts) in every way it is started: `npm start`, the
 * image's CMD and `portolan serve`, which starts the server again with them when it was not given
 * a heap size (Node reads heap sizes only at start).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SERVER_HEAP_FLAGS } from "../../src/config/server-heap.js";

const root = new URL("../../", import.meta.url).pathname;
const read = (path: string) => readFileSync(join(root, path), "utf8");
const MiB = 1024 * 1024;
const scratch = mkdtempSync(join(tmpdir(), "portolan-heap-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs `node bin/portolan.js serve` with a preload that reports the heap limit of the process that serves. */
function serveReportingHeap(env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  const probe = join(scratch, "report-heap.mjs");
  // Only the process that would serve reports and ends; a parent that re-runs `serve` goes on.
  writeFileSync(
    probe,
    `import { getHeapStatistics } from "node:v8";
const serving = process.execArgv.some((f) => f.startsWith("--max-old-space-size")) || !process.env.PORTOLAN_EXPECT_CHILD;
if (serving) { console.log(JSON.stringify({ heapLimit: getHeapStatistics().heap_size_limit })); process.exit(0); }
`,
  );
  const child = spawn(process.execPath, [join(root, "bin/portolan.js"), "serve"], {
    cwd: root,
    env: { ...process.env, ...env, NODE_OPTIONS: `--import=${probe}` },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  return new Promise((resolve) =>
    child.on("exit", (code) => {
      clearTimeout(killer);
      resolve({ code, out });
    }),
  );
}

describe("the server's heap flags", () => {
  it("are what `npm start` runs the Node entry with", () => {
    const pkg = JSON.parse(read("package.json")) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(`node ${SERVER_HEAP_FLAGS.join(" ")} --import tsx src/entry/node.ts`);
  });

  it("are in the image's CMD, before the script", () => {
    const flags = SERVER_HEAP_FLAGS.map((f) => `"${f}", `).join("");
    expect(read("Dockerfile")).toContain(`CMD ["node", ${flags}"dist/src/cli/run.js", "serve"]`);
  });

  it("are the ones bin/portolan.js gives `serve`", () => {
    const listed = /const SERVER_HEAP_FLAGS = (\[[^\]]*\]);/.exec(read("bin/portolan.js"))?.[1];
    expect(listed && JSON.parse(listed)).toEqual([...SERVER_HEAP_FLAGS]);
  });

  it("size the heap of the process `portolan serve` serves in", async () => {
    const cap = Number(/--max-old-space-size=(\d+)/.exec(SERVER_HEAP_FLAGS.join(" "))?.[1]);
    const { code, out } = await serveReportingHeap({
      PORTOLAN_EXPECT_CHILD: "1",
      // A server started without the flags refuses at once (exit 1) instead of serving.
      HOST: "0.0.0.0",
      PORTOLAN_ADMIN_TOKEN: "",
      PORTOLAN_DATA_DIR: join(scratch, "data"),
    });
    expect(code).toBe(0);
    const { heapLimit } = JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as { heapLimit: number };
    // The limit is the old generation's cap plus the young generation's.
    expect(heapLimit / MiB).toBeGreaterThanOrEqual(cap);
    expect(heapLimit / MiB).toBeLessThan(cap + 128);
  });
});
