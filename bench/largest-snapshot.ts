/**
 * The largest snapshots the contract accepts, pushed to the real Node server (a child process on an
 * embedded PGlite, or PostgreSQL with DATABASE_URL=postgres://…/db — the database is used as is). For
 * each shape it starts a fresh server, pushes the snapshot whole (gzipped, as the agent does) once as a
 * first push and once more with every pod renamed (everything changes), and prints, against the targets:
 * the server's event-loop delay p99 and max during the push (monitorEventLoopDelay, read from inside the
 * server by bench/largest/loop-probe.ts), its peak RSS, the slowest /healthz answer while polling every
 * 100 ms throughout, and the push's duration.
 * Usage: npm run bench:largest [-- shape…]   shapes: realistic, ports-on-few-pods, max-nodes, max-pods
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { Agent, fetch as fetchWithoutTimeouts } from "undici";
import { SERVER_HEAP_FLAGS } from "../src/config/server-heap.js";
import { DEFAULT_MAX_SNAPSHOT_BYTES } from "../src/config/shared.js";
import type { SnapshotInput } from "../src/contract/snapshot.js";
import { maxNodes, maxPods, portsOnFewPods, realistic } from "./largest/shapes.js";

const TARGET = { loopP99Ms: 100, rssMiB: 512, healthzMs: 1000 };
const root = fileURLToPath(new URL("..", import.meta.url));
const MiB = 1024 * 1024;

/**
 * The server runs with the heap flags production runs with (src/config/server-heap.ts);
 * BENCH_SERVER_FLAGS="" (or other flags) measures without them, against the same run.
 */
const serverFlags =
  process.env.BENCH_SERVER_FLAGS === undefined
    ? [...SERVER_HEAP_FLAGS]
    : process.env.BENCH_SERVER_FLAGS.split(" ").filter((flag) => flag !== "");

const shapes: Record<string, (cluster: string, at: string) => SnapshotInput> = {
  realistic,
  "ports-on-few-pods": portsOnFewPods,
  // Below the body limit by the JSON the bench's own rounding may add.
  "max-nodes": (cluster, at) => maxNodes(cluster, at, DEFAULT_MAX_SNAPSHOT_BYTES - 2 * MiB),
  "max-pods": maxPods,
};

interface ProbeReading {
  cpuShare: number;
  p99Ms: number;
  maxMs: number;
  samples: number;
  peakRssSampled: number;
  maxRss: number;
  heapLimit: number;
}

interface Server {
  url: string;
  /** the largest heap a full collection left since the last reset, in MiB (from --trace-gc) */
  liveHeap: { peakMiB: number };
  child: ChildProcess;
  ask(message: "reset" | "read"): Promise<ProbeReading>;
  stop(remove?: boolean): Promise<void>;
}

/**
 * A server on a data directory that already exists, as in production: PGlite's first start (initdb)
 * alone reaches ~850 MiB RSS, a cost paid once per data directory and not by any push.
 */
async function startServer(): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), "portolan-largest-"));
  if (!process.env.DATABASE_URL) await (await launch(dataDir)).stop(false);
  return launch(dataDir);
}

async function launch(dataDir: string): Promise<Server> {
  const child = fork(join(root, "src/entry/node.ts"), [], {
    cwd: root,
    // --trace-gc: each full collection prints the heap it leaves, the live heap (read below).
    execArgv: [
      ...serverFlags,
      "--trace-gc",
      "--import",
      "tsx",
      "--import",
      join(root, "bench/largest/loop-probe.ts"),
    ],
    env: {
      ...process.env,
      HOST: "127.0.0.1",
      PORT: "0",
      PORTOLAN_DATA_DIR: dataDir,
      PORTOLAN_ADMIN_TOKEN: "",
      PORTOLAN_PUSH_RATE_LIMIT_BURST: "1000",
    },
    stdio: ["ignore", "pipe", "inherit", "ipc"],
  });
  const liveHeap = { peakMiB: 0 };
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      for (let nl = buffered.indexOf("\n"); nl !== -1; nl = buffered.indexOf("\n")) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        // e.g. "[1:0x…]  5123 ms: Mark-Compact 250.1 (262.3) -> 120.5 (135.0) MB, …"
        const fullGc = /Mark-Compact[^\d]*[\d.]+ \([\d.]+\) -> ([\d.]+) \(/.exec(line);
        if (fullGc) liveHeap.peakMiB = Math.max(liveHeap.peakMiB, Number(fullGc[1]));
        if (line.includes('"portolan listening"')) resolve((JSON.parse(line) as { url: string }).url);
      }
    });
    child.once("exit", (code) => reject(new Error(`the server exited (${code}) before listening`)));
  });
  const ask = (message: "reset" | "read") =>
    new Promise<ProbeReading>((resolve) => {
      child.once("message", (answer) => resolve(answer as ProbeReading));
      child.send(message);
    });
  const stop = async (remove = true) => {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
    if (remove) rmSync(dataDir, { recursive: true, force: true });
  };
  return { url, liveHeap, child, ask, stop };
}

/** Polls /healthz every 100 ms without waiting for the previous answer; keeps the slowest. */
function pollHealth(url: string) {
  let slowest = 0;
  let failures = 0;
  const pending = new Set<Promise<void>>();
  const timer = setInterval(() => {
    const started = performance.now();
    const probe = fetch(`${url}/healthz`)
      .then(async (res) => {
        await res.arrayBuffer();
        if (res.status !== 200) failures++;
      })
      .catch(() => {
        failures++;
      })
      .finally(() => {
        slowest = Math.max(slowest, performance.now() - started);
        pending.delete(probe);
      });
    pending.add(probe);
  }, 100);
  return async () => {
    clearInterval(timer);
    await Promise.all(pending);
    return { slowestMs: slowest, failures };
  };
}

async function register(url: string, name: string): Promise<string> {
  const res = await fetch(`${url}/trpc/clusters.register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  const body = (await res.json()) as { result?: { data: { token: string } } };
  if (!body.result) throw new Error(`register answered ${res.status}: ${JSON.stringify(body)}`);
  return body.result.data.token;
}

/** A push the server answers after minutes (a loaded machine) is measured, not given up after 300 s. */
const patient = new Agent({ headersTimeout: 0, bodyTimeout: 0 });

async function push(url: string, token: string, body: Buffer) {
  const started = performance.now();
  const res = await fetchWithoutTimeouts(`${url}/v1/snapshots`, {
    dispatcher: patient,
    method: "POST",
    headers: {
      "content-type": "application/json",
      "content-encoding": "gzip",
      authorization: `Bearer ${token}`,
    },
    body: new Uint8Array(body),
  });
  const answer = await res.text();
  return { status: res.status, answer: answer.slice(0, 300), ms: performance.now() - started };
}

/** Every pod renamed: the second push closes and opens everything the first wrote. */
function renamed(input: SnapshotInput, observedAt: string): SnapshotInput {
  return { ...input, observedAt, pods: input.pods.map((pod) => ({ ...pod, name: `${pod.name}-b` })) };
}

const round = (n: number, digits = 0) => Number(n.toFixed(digits));
const verdict = (ok: boolean) => (ok ? "ok" : "OVER");

const chosen = process.argv.slice(2).filter((a) => a !== "--");
const results: Record<string, unknown>[] = [];
for (const name of chosen.length > 0 ? chosen : Object.keys(shapes)) {
  const shape = shapes[name];
  if (!shape) throw new Error(`unknown shape ${name}; known: ${Object.keys(shapes).join(", ")}`);
  // A fresh name per run: on PostgreSQL the database is reused.
  const cluster = `${name}-${Date.now().toString(36)}`;
  const first = shape(cluster, new Date(Date.now() - 120_000).toISOString());
  const bodies = [
    { kind: "first", text: JSON.stringify(first) },
    {
      kind: "all changed",
      text: JSON.stringify(renamed(first, new Date(Date.now() - 60_000).toISOString())),
    },
  ];
  const ports = first.pods.reduce((sum, pod) => sum + (pod.ports?.length ?? 0), 0);
  const server = await startServer();
  try {
    const token = await register(server.url, cluster);
    for (const { kind, text } of bodies) {
      const gz = gzipSync(text);
      await server.ask("reset");
      server.liveHeap.peakMiB = 0;
      const stopPolling = pollHealth(server.url);
      const pushed = await push(server.url, token, gz);
      const health = await stopPolling();
      const probe = await server.ask("read");
      if (pushed.status !== 200) console.error(`${name} ${kind}: ${pushed.status} ${pushed.answer}`);
      const peakMiB = Math.max(probe.maxRss, probe.peakRssSampled) / MiB;
      const row = {
        shape: name,
        push: kind,
        nodes: first.nodes.length,
        pods: first.pods.length,
        ports,
        bodyMiB: round(text.length / MiB, 1),
        gzipMiB: round(gz.byteLength / MiB, 1),
        status: pushed.status,
        pushMs: round(pushed.ms),
        serverCpuShare: round(probe.cpuShare, 2),
        loopP99Ms: round(probe.p99Ms, 1),
        loopMaxMs: round(probe.maxMs, 1),
        peakRssMiB: round(peakMiB),
        healthzMaxMs: round(health.slowestMs),
        healthzFailures: health.failures,
        liveHeapPeakMiB: round(server.liveHeap.peakMiB),
        heapLimitMiB: round(probe.heapLimit / MiB),
        serverFlags: serverFlags.join(" "),
        targets: `p99 ${verdict(probe.p99Ms <= TARGET.loopP99Ms)} (≤ ${TARGET.loopP99Ms} ms), rss ${verdict(peakMiB <= TARGET.rssMiB)} (≤ ${TARGET.rssMiB} MiB), healthz ${verdict(health.slowestMs <= TARGET.healthzMs && health.failures === 0)} (≤ ${TARGET.healthzMs} ms)`,
      };
      console.log(JSON.stringify(row));
      results.push(row);
    }
  } finally {
    await server.stop();
  }
}
console.log(
  JSON.stringify({ database: process.env.DATABASE_URL ? "postgres" : "pglite", targets: TARGET }, null, 2),
);
