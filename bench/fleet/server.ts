/**
 * The API under test: `src/entry/node.ts` as a child process on the fleet database, so its memory is
 * its own. Peak RSS per call comes from VmHWM, reset before each call through /proc/<pid>/clear_refs
 * ("5" resets the high-water mark); where that is refused, a 10 ms sampler stands in.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (!address || typeof address === "string") throw new Error("no port for the server");
  return address.port;
}

function statusKb(pid: number, field: "VmRSS" | "VmHWM"): number {
  const match = readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
  return match ? Number(match[1]) : 0;
}

export interface ServerUnderTest {
  url: string;
  adminToken: string;
  pid: number;
  rssKb(): number;
  /** runs fn and answers its result with the server's RSS before and its peak while it ran */
  peakDuring<T>(fn: () => Promise<T>): Promise<{ value: T; beforeKb: number; peakKb: number }>;
  stop(): Promise<void>;
}

export async function startServer(
  databaseUrl: string,
  log: (line: string) => void,
): Promise<ServerUnderTest> {
  const port = await freePort();
  const adminToken = `bench-${randomBytes(16).toString("hex")}`;
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/entry/node.ts"], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      HOST: "127.0.0.1",
      PORT: String(port),
      PORTOLAN_ADMIN_TOKEN: adminToken,
      // history is what is measured: the log pruning timer must not run in the middle
      PORTOLAN_MAINTENANCE_INTERVAL_SECONDS: "86400",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr?.on("data", (chunk: Buffer) => log(`server: ${chunk.toString().trimEnd()}`));
  const pid = child.pid;
  if (pid === undefined) throw new Error("the server did not start");
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  // Bounded wait for liveness: migrations on a large database can take a while.
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error("the server was not ready within 120 s");
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  let canResetPeak = true;
  const resetPeak = () => {
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, "5");
    } catch {
      canResetPeak = false;
    }
  };

  return {
    url,
    adminToken,
    pid,
    rssKb: () => statusKb(pid, "VmRSS"),
    async peakDuring(fn) {
      resetPeak();
      const beforeKb = statusKb(pid, "VmRSS");
      let sampled = beforeKb;
      const sampler = canResetPeak
        ? undefined
        : setInterval(() => {
            sampled = Math.max(sampled, statusKb(pid, "VmRSS"));
          }, 10);
      try {
        const value = await fn();
        return { value, beforeKb, peakKb: canResetPeak ? statusKb(pid, "VmHWM") : sampled };
      } finally {
        if (sampler) clearInterval(sampler);
      }
    },
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}
