/**
 * CLI start-up benchmark: wall time of `node bin/portolan.js ports who 9100 --json` against a running
 * server, as a ratio of `node -e 0` measured interleaved in the same run (medians), so a busy machine
 * moves both alike; a bare `fetch` of the same query shows what the server and Node's fetch take of
 * it. The server runs in this process on an embedded database in a temp dir.
 * Usage: npm run bench:cli [-- runs=15]
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startServer } from "../src/entry/node.js";

const runs = Number(process.argv[2] ?? 15);
const run = promisify(execFile);
const bin = fileURLToPath(new URL("../bin/portolan.js", import.meta.url));

async function timed(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  // Async, not spawnSync: the server answering the CLI lives in this process's event loop.
  await run(process.execPath, args, { env });
  return performance.now() - started;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

const dataDir = mkdtempSync(join(tmpdir(), "portolan-bench-cli-"));
const server = await startServer({ host: "127.0.0.1", port: 0, dataDir });
try {
  const env = { ...process.env, PORTOLAN_URL: server.url };
  const cli: number[] = [];
  const bare: number[] = [];
  const fetched: number[] = [];
  const query = `${server.url}/trpc/ports.who?input=${encodeURIComponent('{"hostPort":9100}')}`;
  const fetchOnly = ["--input-type=module", "-e", `await (await fetch(${JSON.stringify(query)})).json()`];
  await timed([bin, "ports", "who", "9100", "--json"], env); // warms tsx's transform cache
  for (let i = 0; i < runs; i++) {
    bare.push(await timed(["-e", "0"], env));
    cli.push(await timed([bin, "ports", "who", "9100", "--json"], env));
    fetched.push(await timed(fetchOnly, env));
  }
  const cliMs = median(cli);
  const bareMs = median(bare);
  console.log(
    JSON.stringify(
      {
        runs,
        cliMedianMs: Math.round(cliMs),
        nodeMedianMs: Math.round(bareMs),
        bareFetchMedianMs: Math.round(median(fetched)),
        ratio: Number((cliMs / bareMs).toFixed(2)),
      },
      null,
      2,
    ),
  );
} finally {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}
