/**
 * `npm run bench:worker [-- nodes=50 rounds=9 batch=40]`: CPU per push of the Worker under local
 * workerd (`wrangler dev`, as `npm run dev:worker` starts it) beside the Node server (`npm start`'s
 * entry), the same bodies to both, against the local PostgreSQL (TEST_DATABASE_URL, else
 * postgres://postgres@127.0.0.1:5432/postgres) in a database of its own, dropped at the end.
 *
 * Each server gets its own cluster (names of equal length, so bodies are the same size) and agent token,
 * a whole first push, a warm-up, then interleaved rounds: a batch of `batch` ~1 % churn deltas (A → B → A …,
 * the agent's encoder, gzipped) and a batch of heartbeats (empty deltas), per server, in alternating
 * order. Per batch, the server process's CPU (utime + stime from /proc/<pid>/stat, and the threads'
 * run time from /proc/<pid>/task/<tid>/schedstat, in ns) is read before and after, then again over an
 * idle stretch of the same wall time; CPU per push = (batch − idle) / batch. Figures are medians over
 * the rounds. For the Worker the process is workerd (every workerd under wrangler: it also runs
 * wrangler's proxy worker, so this is an upper bound on what Cloudflare would bill the isolate); the
 * wrangler (Node) process that supervises it is reported on its own. Pushes go one at a time.
 * With `profile=1`, one more batch of each kind runs on the Worker under V8's sampling profiler (through
 * wrangler's inspector): where the isolate's samples fall (shares, not ms); profiles in .prof/.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { WebSocket } from "undici";
import { planDevWorker } from "../test/worker/tools/dev-worker.js";
import { median } from "./median.js";
import { churnPair, deltaBody, heartbeatBody, wholeBody } from "./push-bodies.js";
import { openScratchDatabase } from "./scratch-database.js";

const arg = (name: string, fallback: number) => {
  const found = process.argv.slice(2).find((a) => a.startsWith(`${name}=`));
  return found ? Number(found.slice(name.length + 1)) : fallback;
};
const nodes = arg("nodes", 50);
const rounds = arg("rounds", 9);
const batch = arg("batch", 40);
const warmUp = arg("warm", 40);
/** profile=1: one more batch of each kind on the Worker under the inspector's sampling profiler. */
const profile = arg("profile", 0) === 1;
if (batch % 2 !== 0 || warmUp % 2 !== 0) throw new Error("batch and warm must be even (deltas go A → B → A)");

const adminUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const repoRoot = join(import.meta.dirname, "..");
const CLOCK_TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux x86-64
/** High enough that the per-token push rate limit never answers 429 here; its check still runs. */
const UNLIMITED = "1000000";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** pid → [ppid, command name] of every process. */
function processTable(): Map<number, [number, string]> {
  const table = new Map<number, [number, string]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      table.set(Number(entry), [ppid, comm]);
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

function descendants(root: number): { pid: number; comm: string }[] {
  const table = processTable();
  const found: { pid: number; comm: string }[] = [];
  const walk = (parent: number) => {
    for (const [pid, [ppid, comm]] of table)
      if (ppid === parent) {
        found.push({ pid, comm });
        walk(pid);
      }
  };
  walk(root);
  return found;
}

/** CPU used so far by processes: ms from utime + stime (10 ms ticks), and ms from the threads' schedstat (ns). */
function cpuOf(pids: readonly number[]): { statMs: number; schedMs: number } {
  let ticks = 0;
  let ns = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[0] is field 3 (state): utime and stime are fields 14 and 15.
    ticks += Number(fields[11]) + Number(fields[12]);
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      } catch {
        // thread ended meanwhile; its time is in the process's stat, not here
      }
    }
  }
  return { statMs: (ticks * 1000) / CLOCK_TICKS_PER_SECOND, schedMs: ns / 1e6 };
}

interface Server {
  name: "worker" | "node";
  url: string;
  /** the processes whose CPU is the server's */
  pids: number[];
  /** supervising processes, reported apart (wrangler's Node process) */
  sidePids: number[];
  token?: string;
  child: ChildProcess;
  output: { lines: number };
  inspectorPort?: number;
}

async function waitReady(url: string, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/readyz`);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`${what} not ready at ${url} within 120 s`);
}

function drain(child: ChildProcess, keep: string[]): { lines: number } {
  const output = { lines: 0 };
  for (const stream of [child.stdout, child.stderr])
    stream?.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      output.lines += text.split("\n").length - 1;
      if (keep.length < 200) keep.push(text);
    });
  return output;
}

async function startWorker(databaseUrl: string, log: string[]): Promise<Server> {
  const port = await freePort();
  const inspectorPort = await freePort();
  // Miniflare refuses a Hyperdrive URL without a password; trust auth ignores it.
  const hyperdrive = new URL(databaseUrl);
  hyperdrive.password = "postgres";
  const plan = planDevWorker(["--port", String(port)], {}, hyperdrive.toString());
  const child = spawn(
    join(repoRoot, "node_modules/.bin/wrangler"),
    [
      ...plan.wranglerArgs,
      "--inspector-port",
      String(inspectorPort),
      "--show-interactive-dev-session=false",
      "--var",
      `PORTOLAN_PUSH_RATE_LIMIT_PER_SECOND:${UNLIMITED}`,
      "--var",
      `PORTOLAN_PUSH_RATE_LIMIT_BURST:${UNLIMITED}`,
    ],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: plan.databaseUrl,
        CLOUDFLARE_CF_FETCH_ENABLED: "false",
        CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV: "false",
        WRANGLER_HIDE_BANNER: "true",
        WRANGLER_SEND_METRICS: "false",
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  const output = drain(child, log);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, child, "wrangler dev");
  const tree = descendants(child.pid as number);
  const workerd = tree.filter((p) => p.comm === "workerd").map((p) => p.pid);
  if (workerd.length === 0) throw new Error(`no workerd under wrangler: ${JSON.stringify(tree)}`);
  const side = [child.pid as number, ...tree.filter((p) => p.comm === "node").map((p) => p.pid)];
  return { name: "worker", url, pids: workerd, sidePids: side, child, output, inspectorPort };
}

async function startNode(databaseUrl: string, log: string[]): Promise<Server> {
  const port = await freePort();
  // `npm start` without npm in between, so the child is the server.
  const env: Record<string, string | undefined> = { ...process.env };
  // No admin token: open on loopback, as `dev:worker` runs the Worker.
  delete env.PORTOLAN_ADMIN_TOKEN;
  const child = spawn(
    process.execPath,
    ["--max-old-space-size=320", "--import", "tsx", "src/entry/node.ts"],
    {
      cwd: repoRoot,
      env: {
        ...env,
        HOST: "127.0.0.1",
        PORT: String(port),
        DATABASE_URL: databaseUrl,
        PORTOLAN_PUSH_RATE_LIMIT_PER_SECOND: UNLIMITED,
        PORTOLAN_PUSH_RATE_LIMIT_BURST: UNLIMITED,
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  const output = drain(child, log);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, child, "node server");
  return { name: "node", url, pids: [child.pid as number], sidePids: [], child, output };
}

async function stop(server: Server | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null) return;
  const exited = new Promise((resolve) => server.child.once("exit", resolve));
  // Its own process group (detached): wrangler and the workerd it started, nothing else.
  process.kill(-(server.child.pid as number), "SIGTERM");
  await Promise.race([exited, sleep(10_000)]);
  if (server.child.exitCode === null) process.kill(-(server.child.pid as number), "SIGKILL");
}

async function register(server: Server, cluster: string): Promise<string> {
  const res = await fetch(`${server.url}/trpc/clusters.register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: cluster }),
  });
  const answer = (await res.json()) as { result?: { data: { token: string } } };
  if (!answer.result)
    throw new Error(`${server.name}: register answered ${res.status} ${JSON.stringify(answer)}`);
  return answer.result.data.token;
}

async function push(server: Server, body: Buffer): Promise<void> {
  const res = await fetch(`${server.url}/v1/snapshots`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "content-encoding": "gzip",
      authorization: `Bearer ${server.token}`,
    },
    body: body as Uint8Array<ArrayBuffer>,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${server.name}: push answered ${res.status}: ${text}`);
}

/** The bodies of one server's cluster: its whole first push, then deltas and heartbeats in order. */
async function bodiesFor(cluster: string, start: number) {
  let second = 0;
  const at = () => new Date(start + 1000 * second++).toISOString();
  const { a, ca, cb, ab, ba } = churnPair(cluster, nodes, at());
  const first = wholeBody(a);
  // A → B → A …: every batch has an even count, so each ends on A and heartbeats name A.
  const deltas = async (count: number) => {
    const out: Buffer[] = [];
    for (let i = 0; i < count; i++)
      out.push(
        i % 2 === 0 ? await deltaBody(cluster, at(), ca, cb, ab) : await deltaBody(cluster, at(), cb, ca, ba),
      );
    return out;
  };
  const heartbeats = async (count: number) => {
    const out: Buffer[] = [];
    for (let i = 0; i < count; i++) out.push(await heartbeatBody(cluster, at(), ca.hash));
    return out;
  };
  const plan: { kind: "delta" | "heartbeat"; bodies: Buffer[] }[] = [
    { kind: "delta", bodies: await deltas(warmUp) },
    { kind: "heartbeat", bodies: await heartbeats(warmUp) },
  ];
  for (let r = 0; r < rounds; r++) {
    plan.push({ kind: "delta", bodies: await deltas(batch) });
    plan.push({ kind: "heartbeat", bodies: await heartbeats(batch) });
  }
  return { first, plan, deltaBytes: plan[0]?.bodies[0]?.byteLength, wholeBytes: first.byteLength };
}

interface Sample {
  wallMs: number;
  statMs: number;
  schedMs: number;
  sideSchedMs: number;
  /** schedstat ms per push of each of the server's processes (the Worker has two workerd) */
  byPidMs: number[];
}

/** One batch, then an idle stretch of the same wall time; CPU per push net of the idle rate. */
async function measure(server: Server, bodies: Buffer[]): Promise<Sample> {
  const before = cpuOf(server.pids);
  const pidsBefore = server.pids.map((pid) => cpuOf([pid]).schedMs);
  const sideBefore = cpuOf(server.sidePids);
  const start = performance.now();
  for (const body of bodies) await push(server, body);
  const wall = performance.now() - start;
  const after = cpuOf(server.pids);
  const pidsAfter = server.pids.map((pid) => cpuOf([pid]).schedMs);
  const sideAfter = cpuOf(server.sidePids);
  await sleep(wall);
  const idle = cpuOf(server.pids);
  const pidsIdle = server.pids.map((pid) => cpuOf([pid]).schedMs);
  const sideIdle = cpuOf(server.sidePids);
  const n = bodies.length;
  return {
    wallMs: wall / n,
    statMs: (after.statMs - before.statMs - (idle.statMs - after.statMs)) / n,
    schedMs: (after.schedMs - before.schedMs - (idle.schedMs - after.schedMs)) / n,
    sideSchedMs: (sideAfter.schedMs - sideBefore.schedMs - (sideIdle.schedMs - sideAfter.schedMs)) / n,
    byPidMs: server.pids.map(
      (_, i) => ((pidsAfter[i] ?? 0) - (pidsBefore[i] ?? 0) - ((pidsIdle[i] ?? 0) - (pidsAfter[i] ?? 0))) / n,
    ),
  };
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** The user worker's V8 profiler, through wrangler's inspector proxy (which wants an Origin header). */
async function profiled(port: number, run: () => Promise<void>): Promise<CpuProfile> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, {
    headers: { origin: "http://127.0.0.1" },
  } as ConstructorParameters<typeof WebSocket>[1]);
  let id = 0;
  const pending = new Map<number, (value: { result?: unknown; error?: unknown }) => void>();
  ws.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: unknown };
    // Events carry no id. Some answers come back as the request itself (id, method, params, no
    // result): workerd's answer to Profiler.enable/start, as wrangler's proxy relays it.
    if (message.id === undefined) return;
    pending.get(message.id)?.(message);
    pending.delete(message.id);
  });
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve);
    ws.addEventListener("error", reject);
  });
  const call = (method: string, params = {}) =>
    new Promise<{ result?: unknown; error?: unknown }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`inspector: no answer to ${method}`)), 30_000);
      pending.set(++id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      ws.send(JSON.stringify({ id, method, params }));
    });
  await call("Profiler.enable");
  await call("Profiler.setSamplingInterval", { interval: 100 });
  await call("Profiler.start");
  await run();
  const stopped = await call("Profiler.stop");
  ws.close();
  const result = stopped.result as { profile?: CpuProfile } | undefined;
  if (!result?.profile) throw new Error(`no profile: ${JSON.stringify(stopped).slice(0, 300)}`);
  return result.profile;
}

/**
 * The functions with most self samples, as shares of the non-idle samples. Not milliseconds: under
 * workerd the profiler took a sample every ~6 ms whatever interval was asked, so its time deltas are
 * not CPU time; /proc gives the CPU, the profile only where it goes.
 */
function summarise(profile: CpuProfile) {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const self = new Map<string, number>();
  let busy = 0;
  for (const nodeId of profile.samples) {
    const frame = byNode.get(nodeId);
    if (!frame || frame.functionName === "(idle)") continue;
    busy++;
    const file = frame.url.split("/").slice(-2).join("/");
    const key = `${frame.functionName || "(anonymous)"} ${file}:${frame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + 1);
  }
  const top = [...self.entries()]
    .sort((x, y) => y[1] - x[1])
    .slice(0, 20)
    .map(([name, count]) => `${((100 * count) / busy).toFixed(1)} % ${name}`);
  return { samples: profile.samples.length, busySamples: busy, top };
}

const log: string[] = [];
const scratch = await openScratchDatabase("portolan_worker_bench", adminUrl);
let worker: Server | undefined;
let node: Server | undefined;
let cleaned: Promise<void> | undefined;
/** Stops both servers and drops the database, once, also when the run is interrupted. */
const cleanUp = () => {
  cleaned ??= (async () => {
    await stop(worker);
    await stop(node);
    await scratch.drop();
  })();
  return cleaned;
};
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    void cleanUp().finally(() => process.exit(130));
  });
try {
  const databaseUrl = scratch.url as string;
  const load = [loadavg()[0] ?? 0];
  worker = await startWorker(databaseUrl, log);
  node = await startNode(databaseUrl, log);
  const start = Date.now() - 3 * 3600_000;
  const servers = [worker, node];
  const bodies = new Map<Server, Awaited<ReturnType<typeof bodiesFor>>>();
  for (const server of servers) {
    // Names of equal length, so both get bodies of the same size.
    const cluster = server.name === "worker" ? "bench-wkr" : "bench-nde";
    server.token = await register(server, cluster);
    const built = await bodiesFor(cluster, start);
    bodies.set(server, built);
    await push(server, built.first);
  }
  const samples = new Map<string, Sample[]>();
  const steps = Math.max(...[...bodies.values()].map((b) => b.plan.length));
  for (let step = 0; step < steps; step++) {
    // Alternate which server goes first, so neither always follows the other's batch.
    const order = step % 4 < 2 ? servers : [...servers].reverse();
    for (const server of order) {
      const entry = bodies.get(server)?.plan[step];
      if (!entry) continue;
      if (step < 2) {
        for (const body of entry.bodies) await push(server, body);
        continue;
      }
      const key = `${server.name}:${entry.kind}`;
      const list = samples.get(key) ?? [];
      list.push(await measure(server, entry.bodies));
      samples.set(key, list);
    }
    load.push(loadavg()[0] ?? 0);
    console.error(`step ${step + 1}/${steps} done, load average ${load.at(-1)?.toFixed(1)}`);
  }
  const figure = (key: string) => {
    const list = samples.get(key) ?? [];
    const pick = (f: (s: Sample) => number) => +median(list.map(f)).toFixed(2);
    return {
      cpuMsPerPush: pick((s) => s.schedMs),
      cpuMsPerPushFromStatTicks: pick((s) => s.statMs),
      cpuMsRange: [
        +Math.min(...list.map((s) => s.schedMs)).toFixed(2),
        +Math.max(...list.map((s) => s.schedMs)).toFixed(2),
      ],
      wallMsPerPush: pick((s) => s.wallMs),
      cpuMsPerPushByProcess: list[0]?.byPidMs.map((_, i) => pick((s) => s.byPidMs[i] ?? 0)),
      ...(key.startsWith("worker") ? { wranglerNodeCpuMsPerPush: pick((s) => s.sideSchedMs) } : {}),
    };
  };
  const profiles: Record<string, unknown> = {};
  if (profile) {
    const workerServer = worker;
    // Later bodies of the same cluster, from state A (where every batch ended): a delta batch, then heartbeats.
    const later = await bodiesFor("bench-wkr", start + 3600_000);
    for (const [kind, entry] of [
      ["delta", later.plan[2]],
      ["heartbeat", later.plan[3]],
    ] as const) {
      const batchBodies = entry?.bodies ?? [];
      const taken = await profiled(workerServer.inspectorPort as number, async () => {
        for (const body of batchBodies) await push(workerServer, body);
      });
      mkdirSync(join(repoRoot, ".prof"), { recursive: true });
      writeFileSync(join(repoRoot, `.prof/worker-${kind}.cpuprofile`), JSON.stringify(taken));
      profiles[kind] = summarise(taken);
    }
  }
  const anyBodies = bodies.get(worker);
  console.log(
    JSON.stringify(
      {
        nodes,
        rounds,
        batch,
        loadAverage: {
          min: +Math.min(...load).toFixed(1),
          median: +median(load).toFixed(1),
          max: +Math.max(...load).toFixed(1),
        },
        bodyBytes: { whole: anyBodies?.wholeBytes, delta: anyBodies?.deltaBytes },
        worker: { delta: figure("worker:delta"), heartbeat: figure("worker:heartbeat") },
        node: { delta: figure("node:delta"), heartbeat: figure("node:heartbeat") },
        ...(profile ? { workerProfile: profiles } : {}),
        processes: {
          workerd: worker.pids,
          wranglerNode: worker.sidePids,
          node: node.pids,
          logLines: { worker: worker.output.lines, node: node.output.lines },
        },
      },
      null,
      2,
    ),
  );
} catch (error) {
  console.error(log.join("").slice(-4000));
  throw error;
} finally {
  await cleanUp();
}
