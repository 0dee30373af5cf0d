/**
 * Node reader benchmark: resident memory of a running reader process and CPU time per scan, on a
 * fixture /proc of a realistic node (60 listeners, from the bare-metal capture when ../shared is
 * there) without attribution, with the process tier and with the pod tier (each socket owner's
 * cgroup read too; fixture processes in pods but sshd-like host daemons), and of a big one (10,000
 * listeners). Medians of
 * several runs. Same-run baseline: an idle Node.js process with the same flags, so the figures read
 * as "what the reader adds to Node itself". Target: 48 MiB RSS per node (docs/listeners.md).
 *
 * Usage: npx tsx bench/node-reader.ts [runs=3] [scans=40]
 * BENCH_NODE_FLAGS="--max-old-space-size=32 …" compares other Node.js flags (the DaemonSet's by default).
 * The reader is compiled with tsconfig.build.json and run as `node dist/agents/src/node-reader/main.js`
 * with the DaemonSet's flags; it reports to a stub agent here. CPU is read from
 * /proc/<pid>/task/<tid>/schedstat (nanoseconds, every thread) between the first and the last of
 * `scans` scans taken 100 ms apart, after the first report (start-up and the first send excluded).
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { ObservedListener } from "../src/contract/listeners.js";
import {
  BARE_METAL_RUN,
  captureNodes,
  NODE_LISTENERS,
  writeProcFixture,
} from "../test/agents/helpers/proc-fixture.js";
import { median } from "./median.js";

const RUNS = Number(process.argv[2] ?? 3);
const SCANS = Number(process.argv[3] ?? 40);
const SCAN_MS = 100;
const ROOT = new URL("../", import.meta.url).pathname;
/** The DaemonSet's Node.js flags (agents/deploy/node-reader/daemonset.yaml). */
const NODE_FLAGS = process.env.BENCH_NODE_FLAGS?.split(" ") ?? [
  "--jitless",
  "--max-old-space-size=24",
  "--max-semi-space-size=1",
];
const TARGET_MIB = 48;

const mib = (kb: number) => Math.round((kb / 1024) * 10) / 10;

function statusKb(pid: number, field: "VmRSS" | "VmHWM"): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${field}:`));
  return Number(line?.split(/\s+/)[1] ?? 0);
}

/** CPU time of every thread of `pid`, in nanoseconds. */
function cpuNs(pid: number): number {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // a thread that ended meanwhile
    }
  }
  return total;
}

async function compileReader(): Promise<{ main: string; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), "portolan-reader-bench-"));
  await promisify(execFile)("npx", ["tsc", "-p", "tsconfig.build.json", "--outDir", join(dir, "build")], {
    cwd: ROOT,
  });
  cpSync(join(dir, "build/agents"), join(dir, "app/dist/agents"), { recursive: true });
  cpSync(join(dir, "build/src/contract"), join(dir, "app/dist/src/contract"), { recursive: true });
  writeFileSync(join(dir, "app/package.json"), readFileSync(join(ROOT, "package.json")));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "app/node_modules"));
  return {
    main: join(dir, "app/dist/agents/src/node-reader/main.js"),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const tcp = (address: string, port: number): ObservedListener => ({
  protocol: "TCP",
  address,
  family: 4,
  port,
  scope: "address",
  processes: [{ name: `daemon-${port % 50}`, pid: 1000 + (port % 50) }],
});

/** A master of the bare-metal run trimmed or padded to 60 listeners, or 60 made-up ones. */
function realisticListeners(): ObservedListener[] {
  const real = NODE_LISTENERS.present ? (captureNodes(BARE_METAL_RUN)[0]?.listeners ?? []) : [];
  const listeners = real.slice(0, 60);
  for (let port = 20_000; listeners.length < 60; port++) listeners.push(tcp("10.0.0.28", port));
  return listeners;
}

function bigListeners(): ObservedListener[] {
  return Array.from({ length: 10_000 }, (_, i) => tcp(`10.0.${(i >> 8) & 255}.${i & 255}`, 1024 + i));
}

const HOST_DAEMONS = new Set(["sshd", "rpcbind", "rpc.statd", "kubelet", "crio", "chronyd"]);

/** A cgroup v2 file as on an OpenShift node: host daemons in system.slice, the rest in CRI-O scopes. */
function benchCgroup({ pid, name }: { pid: number; name: string }): string {
  if (HOST_DAEMONS.has(name)) return `0::/system.slice/${name}.service\n`;
  const uid = `00000000-0000-4000-8000-${String(pid).padStart(12, "0")}`.replaceAll("-", "_");
  return `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uid}.slice/crio-${String(pid).padStart(64, "c")}.scope\n`;
}

interface Sample {
  rssMiB: number;
  peakMiB: number;
  cpuMsPerScan: number;
}

async function measure(
  main: string | undefined,
  env: Record<string, string>,
  reports: { count: number },
): Promise<Sample> {
  const args = main ? [...NODE_FLAGS, main] : [...NODE_FLAGS, "-e", "setInterval(() => {}, 1000)"];
  const child: ChildProcess = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const pid = child.pid as number;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    const seen = reports.count;
    const started = Date.now();
    // The reader: wait for its first report (start-up and first send are not the steady state).
    while (main && reports.count === seen) {
      if (Date.now() - started > 30_000) throw new Error(`no report within 30 s:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 2 * SCAN_MS));
    const before = cpuNs(pid);
    await new Promise((r) => setTimeout(r, SCANS * SCAN_MS));
    const after = cpuNs(pid);
    return {
      rssMiB: mib(statusKb(pid, "VmRSS")),
      peakMiB: mib(statusKb(pid, "VmHWM")),
      cpuMsPerScan: Math.round(((after - before) / 1e6 / SCANS) * 100) / 100,
    };
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), "portolan-reader-proc-"));
  const reports = { count: 0 };
  const agent = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      reports.count++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => agent.listen(0, "127.0.0.1", resolve));
  const agentUrl = `http://127.0.0.1:${(agent.address() as AddressInfo).port}`;
  writeFileSync(join(work, "token"), "bench-token\n");
  const { main: readerMain, cleanup } = await compileReader();
  const cases: { name: string; listeners: ObservedListener[]; attribution: "none" | "process" | "pod" }[] = [
    { name: "realistic node, 60 listeners", listeners: realisticListeners(), attribution: "none" },
    {
      name: "realistic node, 60 listeners, process tier",
      listeners: realisticListeners(),
      attribution: "process",
    },
    {
      name: "realistic node, 60 listeners, pod tier",
      listeners: realisticListeners(),
      attribution: "pod",
    },
    { name: "big node, 10,000 listeners", listeners: bigListeners(), attribution: "none" },
    {
      name: "big node, 10,000 listeners, process tier",
      listeners: bigListeners(),
      attribution: "process",
    },
    {
      name: "big node, 10,000 listeners, pod tier",
      listeners: bigListeners(),
      attribution: "pod",
    },
  ];
  const results: Record<string, Sample> = {};
  try {
    const baseline: Sample[] = [];
    for (let run = 0; run < RUNS; run++) baseline.push(await measure(undefined, {}, reports));
    results["idle Node.js, same flags (baseline)"] = summarise(baseline);
    for (const c of cases) {
      const procRoot = join(work, c.name.replace(/\W+/g, "-"));
      writeProcFixture(procRoot, c.listeners, {
        processes: c.attribution !== "none",
        ...(c.attribution === "pod" ? { cgroup: benchCgroup } : {}),
      });
      const samples: Sample[] = [];
      for (let run = 0; run < RUNS; run++) {
        samples.push(
          await measure(
            readerMain,
            {
              NODE_NAME: "bench-node",
              PORTOLAN_AGENT_URL: agentUrl,
              PORTOLAN_READER_TOKEN_FILE: join(work, "token"),
              PORTOLAN_PROC_ROOT: procRoot,
              PORTOLAN_READER_ATTRIBUTION: c.attribution,
              PORTOLAN_READER_SCAN_INTERVAL: `${SCAN_MS}ms`,
              PORTOLAN_READER_HEARTBEAT: "10m",
              PORTOLAN_LOG_LEVEL: "warn",
            },
            reports,
          ),
        );
      }
      results[c.name] = summarise(samples);
    }
  } finally {
    cleanup();
    agent.close();
    rmSync(work, { recursive: true, force: true });
  }
  const base = results["idle Node.js, same flags (baseline)"] as Sample;
  console.log(
    `node reader: medians of ${RUNS} runs, CPU over ${SCANS} scans ${SCAN_MS} ms apart (Node ${process.version})`,
  );
  console.log(
    "| case | RSS MiB | peak RSS MiB | RSS over idle Node | within 48 MiB | CPU ms per scan | CPU per 15 s interval |",
  );
  console.log("|---|---|---|---|---|---|---|");
  for (const [name, r] of Object.entries(results)) {
    const isBase = r === base;
    console.log(
      `| ${name} | ${r.rssMiB} | ${r.peakMiB} | ${isBase ? "—" : `+${Math.round((r.rssMiB - base.rssMiB) * 10) / 10} MiB`} | ${r.peakMiB <= TARGET_MIB ? "yes" : "NO"} | ${isBase ? "—" : r.cpuMsPerScan} | ${isBase ? "—" : `${Math.round((r.cpuMsPerScan / 15_000) * 100 * 1000) / 1000} %`} |`,
    );
  }
}

function summarise(samples: Sample[]): Sample {
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    rssMiB: round(median(samples.map((s) => s.rssMiB))),
    peakMiB: round(median(samples.map((s) => s.peakMiB))),
    cpuMsPerScan: round(median(samples.map((s) => s.cpuMsPerScan))),
  };
}

await main();
