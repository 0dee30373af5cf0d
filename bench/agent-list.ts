/**
 * Agent benchmark: peak RSS and CPU of the compiled agent while it lists a simulated 5,000-node /
 * 150,000-pod cluster from the test API server (10 host-port DaemonSet pods and 20 ordinary pods per
 * node) and pushes the snapshot. Baseline in the same run: the same agent on the 6-node fixture cluster.
 *
 * Usage: npx tsx bench/agent-list.ts [nodes=5000] [podsPerNode=30] [--runs N] [--against DIR]
 * The agent runs as its own process (compiled with tsconfig.build.json into a temporary directory),
 * so the figures are the agent's alone, not the benchmark's or the test server's.
 * --against DIR also compiles the agent of another checkout (with its own node_modules, e.g. a
 * worktree of main) and runs both on the same test servers, interleaved round by round; with
 * --runs N every figure is the median of N rounds.
 * Each agent runs as its checkout deploys it: with the NODE_OPTIONS (V8 heap sizes) that the
 * checkout's agents/deploy/deployment.yaml sets, none if it sets none.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { parse as parseYaml } from "yaml";
import { fixtureNodes, fixturePod, fixturePods, type KubeJson } from "../test/agents/helpers/fixtures.js";
import { type KubeTestServer, startKubeTestServer } from "../test/agents/helpers/kube-test-server.js";
import { median } from "./median.js";

const { values: flags, positionals } = parseArgs({
  options: { runs: { type: "string", default: "1" }, against: { type: "string" } },
  allowPositionals: true,
});
const NODES = Number(positionals[0] ?? 5000);
const PODS_PER_NODE = Number(positionals[1] ?? 30);
const RUNS = Number(flags.runs);
const ROOT = new URL("../", import.meta.url).pathname;

/** Ten host-port pods per node, shaped like the fixtures (workloads.md). */
const hostPortTemplates = [
  "node-exporter",
  "kube-proxy",
  "node-local-dns",
  "metallb-speaker",
  "datadog-agent",
  "kube-prometheus-node-exporter",
].map((name) => JSON.stringify(fixturePod(name)));
const extraDaemonSets: [string, string, number][] = [
  ["kube-system", "aws-node", 61678],
  ["calico-system", "calico-node", 179],
  ["cilium", "cilium-agent", 4240],
  ["logging", "fluent-bit", 2020],
];
const plainTemplate = JSON.stringify(fixturePod("plain-deployment"));
const nodeTemplate = JSON.stringify(fixtureNodes().find((n) => n.metadata.name === "worker-1"));

function* nodes(): Generator<KubeJson> {
  for (let i = 0; i < NODES; i++) {
    const node = JSON.parse(nodeTemplate) as KubeJson;
    const name = nodeName(i);
    node.metadata.name = name;
    node.metadata.labels["kubernetes.io/hostname"] = name;
    node.metadata.labels["topology.kubernetes.io/zone"] = `eu-1${"abc"[i % 3]}`;
    node.status.addresses = [
      { type: "InternalIP", address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
      { type: "Hostname", address: name },
    ];
    yield node;
  }
}

function* pods(): Generator<KubeJson> {
  for (let i = 0; i < NODES; i++) {
    const node = nodeName(i);
    for (const template of hostPortTemplates) {
      const pod = JSON.parse(template) as KubeJson;
      pod.metadata.name = `${pod.metadata.name.replace(/-[a-z0-9]{5}$/, "")}-${i.toString(36)}`;
      onNode(pod, node);
      yield pod;
    }
    for (const [namespace, name, port] of extraDaemonSets) {
      const pod = JSON.parse(hostPortTemplates[0] as string) as KubeJson;
      pod.metadata.namespace = namespace;
      pod.metadata.name = `${name}-${i.toString(36)}`;
      pod.metadata.ownerReferences[0].name = name;
      pod.spec.containers[0].name = name;
      pod.spec.containers[0].ports = [
        { name: "metrics", containerPort: port, hostPort: port, protocol: "TCP" },
      ];
      onNode(pod, node);
      yield pod;
    }
    for (let j = 0; j < PODS_PER_NODE - 10; j++) {
      const pod = JSON.parse(plainTemplate) as KubeJson;
      pod.metadata.namespace = `team-${(i * 7 + j) % 300}`;
      pod.metadata.name = `app-${i.toString(36)}-${j}`;
      onNode(pod, node);
      yield pod;
    }
  }
}

function nodeName(i: number): string {
  return `node-${String(i).padStart(5, "0")}`;
}

function onNode(pod: KubeJson, node: string): void {
  pod.spec.nodeName = node;
  const affinity = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (affinity)
    affinity.nodeSelectorTerms = [
      { matchFields: [{ key: "metadata.name", operator: "In", values: [node] }] },
    ];
}

/** A stand-in for the Portolan API that accepts and discards snapshots, counting bytes. */
async function startSink() {
  let pushes = 0;
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
    });
    req.on("end", () => {
      pushes += 1;
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"changed":true,"opened":0,"closed":0,"snapshotId":1}');
      server.emit("push");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    stats: () => ({ pushes, bytes }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface Usage {
  maxRssMiB: number;
  cpuUserMs: number;
  cpuSystemMs: number;
}

interface AgentRun {
  wallMs: number;
  usage: Usage;
  logs: Record<string, unknown>[];
  rssAfterSyncMiB?: number;
}

/** The NODE_OPTIONS the checkout's Deployment gives the agent's container, if any. */
function deployedNodeOptions(root: string): string | undefined {
  const deployment = parseYaml(readFileSync(join(root, "agents/deploy/deployment.yaml"), "utf8")) as {
    spec: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } };
  };
  const env = deployment.spec.template.spec.containers[0]?.env ?? [];
  return env.find((e) => e.name === "NODE_OPTIONS")?.value;
}

/** Compiles the agent once, as the container image does, into a temporary directory. */
async function compileAgent(
  root: string,
): Promise<{ main: string; nodeOptions: string | undefined; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), "portolan-agent-bench-"));
  await promisify(execFile)("npx", ["tsc", "-p", "tsconfig.build.json", "--outDir", join(dir, "build")], {
    cwd: root,
  });
  cpSync(join(dir, "build/agents"), join(dir, "app/dist/agents"), { recursive: true });
  cpSync(join(dir, "build/src/contract"), join(dir, "app/dist/src/contract"), { recursive: true });
  cpSync(join(dir, "build/src/domain"), join(dir, "app/dist/src/domain"), { recursive: true });
  writeFileSync(join(dir, "app/package.json"), readFileSync(join(root, "package.json")));
  symlinkSync(join(root, "node_modules"), join(dir, "app/node_modules"));
  return {
    main: join(dir, "app/dist/agents/src/main.js"),
    nodeOptions: deployedNodeOptions(root),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function runAgent(
  { main, nodeOptions }: { main: string; nodeOptions: string | undefined },
  args: string[],
  options: { stopAfterFirstPush?: ReturnType<typeof startSink> extends Promise<infer S> ? S : never } = {},
): Promise<AgentRun> {
  const started = performance.now();
  const { NODE_OPTIONS: _inherited, ...env } = process.env;
  const child: ChildProcess = spawn(process.execPath, [main, ...args], {
    stdio: ["ignore", "ignore", "pipe"],
    env: nodeOptions ? { ...env, NODE_OPTIONS: nodeOptions } : env,
  });
  const logs: Record<string, unknown>[] = [];
  let buffer = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      try {
        logs.push(JSON.parse(line));
      } catch {
        logs.push({ msg: line });
      }
      newline = buffer.indexOf("\n");
    }
  });
  let rssAfterSyncMiB: number | undefined;
  const sink = options.stopAfterFirstPush;
  if (sink) {
    sink.server.once("push", () => {
      // Resident memory while holding the cluster's state, then a graceful stop (SIGTERM).
      setTimeout(() => {
        rssAfterSyncMiB = readRssMiB(child.pid);
        child.kill("SIGTERM");
      }, 500);
    });
  }
  return new Promise((resolve, reject) => {
    child.on("exit", (code) => {
      const stop = logs.find((l) => l.msg === "portolan-agent stopped");
      if (code !== 0 || !stop) {
        reject(new Error(`agent exited ${code}:\n${logs.map((l) => JSON.stringify(l)).join("\n")}`));
        return;
      }
      resolve({
        wallMs: performance.now() - started,
        usage: stop.usage as Usage,
        logs,
        ...(rssAfterSyncMiB !== undefined ? { rssAfterSyncMiB } : {}),
      });
    });
  });
}

function readRssMiB(pid: number | undefined): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return Math.round((kb / 1024) * 10) / 10;
  } catch {
    return undefined;
  }
}

async function loadCluster(kube: KubeTestServer, big: boolean) {
  if (big) {
    kube.load("nodes", nodes());
    kube.load("pods", pods());
  } else {
    kube.load("nodes", fixtureNodes());
    kube.load("pods", fixturePods());
  }
}

const fmt = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 1 });

interface Round {
  baseline: AgentRun;
  once: AgentRun;
  watch: AgentRun;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "portolan-bench-"));
  const agents = [{ label: "this checkout", ...(await compileAgent(ROOT)) }];
  if (flags.against) agents.push({ label: flags.against, ...(await compileAgent(flags.against)) });
  const sink = await startSink();
  const rounds = new Map<string, Round[]>(agents.map((a) => [a.label, []]));
  const loads: number[] = [];
  let onceNotes = "";
  let listed: Record<string, number> | undefined;
  try {
    const small = await startKubeTestServer();
    small.recordRequests = false;
    await loadCluster(small, false);
    const smallKubeconfig = small.writeKubeconfig(join(dir, "small.kubeconfig"));
    const generated = performance.now();
    const kube = await startKubeTestServer();
    kube.recordRequests = false;
    await loadCluster(kube, true);
    const loadSeconds = (performance.now() - generated) / 1000;
    const kubeconfig = kube.writeKubeconfig(join(dir, "big.kubeconfig"));
    // A generous deadline: on a busy machine the big LIST alone can take minutes.
    const common = [
      "--cluster",
      "bench",
      "--server",
      sink.url,
      "--log-level",
      "info",
      "--once-timeout",
      "15m",
    ];
    process.env.PORTOLAN_TOKEN = "bench-token";

    for (let round = 0; round < RUNS; round++) {
      // Alternate which agent goes first, so neither always meets the machine in the same state.
      const order = round % 2 === 0 ? agents : [...agents].reverse();
      for (const agent of order) {
        loads.push(loadavg()[0] ?? 0);
        // Baseline: the same agent and flags on the 6-node fixture cluster (start-up).
        const baseline = await runAgent(agent, [...common, "--once", "--kubeconfig", smallKubeconfig]);
        const bytesBefore = sink.stats().bytes;
        const once = await runAgent(agent, [...common, "--once", "--kubeconfig", kubeconfig]);
        const snapshot = once.logs.find((l) => l.msg === "snapshot") as Record<string, number> | undefined;
        listed = once.logs.find((l) => l.msg === "listed") as Record<string, number> | undefined;
        const bytes = sink.stats().bytes - bytesBefore;
        onceNotes = `${fmt(snapshot?.pods ?? 0)} host-port pods, ${fmt(snapshot?.ports ?? 0)} ports; ${listed?.pages} pages; ${fmt(bytes / 1048576)} MiB gzipped pushed`;
        const watch = await runAgent(agent, [...common, "--kubeconfig", kubeconfig], {
          stopAfterFirstPush: sink,
        });
        rounds.get(agent.label)?.push({ baseline, once, watch });
        console.error(
          `round ${round + 1} ${agent.label}: start-up ${fmt(baseline.usage.maxRssMiB)} MiB, --once peak ${fmt(once.usage.maxRssMiB)} MiB, watch peak ${fmt(watch.usage.maxRssMiB)} MiB`,
        );
      }
    }
    await small.close();
    await kube.close();

    console.log(
      `Agent LIST benchmark — ${fmt(NODES)} nodes, ${fmt(NODES * PODS_PER_NODE)} pods (test server filled in ${fmt(loadSeconds)} s); ` +
        `${RUNS} round(s), medians; load average ${fmt(Math.min(...loads))}–${fmt(Math.max(...loads))}\n`,
    );
    console.error("memory after the list (last run):", JSON.stringify(listed?.memory));
    console.log("| agent | run | wall | CPU (user+sys) | peak RSS | notes |\n|---|---|---|---|---|---|");
    for (const agent of agents) {
      const runs = rounds.get(agent.label) ?? [];
      const row = (label: string, pick: (r: Round) => AgentRun, notes: string) => {
        const picked = runs.map(pick);
        const cpu = median(picked.map((r) => r.usage.cpuUserMs + r.usage.cpuSystemMs));
        const wall = median(picked.map((r) => r.wallMs));
        const rss = median(picked.map((r) => r.usage.maxRssMiB));
        console.log(
          `| ${agent.label} | ${label} | ${fmt(wall / 1000)} s | ${fmt(cpu / 1000)} s | ${fmt(rss)} MiB | ${notes} |`,
        );
      };
      row(
        "baseline: --once, 6 nodes / 18 pods (start-up)",
        (r) => r.baseline,
        `NODE_OPTIONS ${agent.nodeOptions ? `\`${agent.nodeOptions}\`` : "none"} (agents/deploy)`,
      );
      row(
        `--once: list ${fmt(NODES)} nodes / ${fmt(NODES * PODS_PER_NODE)} pods, push`,
        (r) => r.once,
        onceNotes,
      );
      const held = median(runs.map((r) => r.watch.rssAfterSyncMiB ?? 0));
      row(
        "watch: list + watch, first push, SIGTERM",
        (r) => r.watch,
        `RSS holding the state after the push: ${fmt(held)} MiB`,
      );
    }
  } finally {
    await sink.close();
    for (const agent of agents) agent.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
