/**
 * The agent as a whole, in-process: its Kubernetes client against the test API server, pushing to a staged
 * Portolan API. Timings are shortened with flags; every wait is on an event, never a sleep.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PushResult } from "../../agents/src/push/pusher.js";
import type { AgentDeps } from "../../agents/src/run/agent.js";
import type { SnapshotInfo } from "../../agents/src/run/producer.js";
import type { NodeListenerSink } from "../../agents/src/run/watch-mode.js";
import type { NodeListeners } from "../../src/contract/listeners.js";
import { tcpListener } from "../fixtures/listeners.js";
import { startTestAgent, type TestAgent } from "./helpers/agent.js";
import { FakePortolan, type ReceivedPush } from "./helpers/fake-portolan.js";
import { fixtureNodes, fixturePod, fixturePods, type KubeJson } from "./helpers/fixtures.js";
import { type KubeTestServer, startKubeTestServer } from "./helpers/kube-test-server.js";
import { nextEvent, until } from "./helpers/wait.js";

let kube: KubeTestServer;
let api: FakePortolan;
let dir: string;
let kubeconfig: string;
const running: TestAgent[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "portolan-agent-"));
  kube = await startKubeTestServer();
  for (const node of fixtureNodes()) kube.apply("nodes", node);
  for (const pod of fixturePods()) kube.apply("pods", pod);
  kubeconfig = kube.writeKubeconfig(join(dir, "kubeconfig"));
  api = await new FakePortolan().start();
});

afterEach(async () => {
  for (const t of running.splice(0)) await t.agent.stop();
  await kube.close();
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

async function agent(args: string[] = [], env: Record<string, string> = {}, deps: AgentDeps = {}) {
  const t = await startTestAgent(
    ["--cluster", "prod-eu-1", "--server", api.url, "--kubeconfig", kubeconfig, ...args],
    env,
    deps,
  );
  running.push(t);
  return t;
}

const hostPortPod = (name: string, port: number): KubeJson => {
  const pod = fixturePod("datadog-agent");
  pod.metadata.name = name;
  pod.spec.containers = [
    { name: "c", image: "x", ports: [{ containerPort: port, hostPort: port, protocol: "TCP" }] },
  ];
  return pod;
};

const acceptedPush = (predicate: (p: ReceivedPush) => boolean = () => true) =>
  nextEvent<ReceivedPush>(api.events, "push", (p) => p.status === 200 && predicate(p));

/** global.gc without restarting the test process with --expose-gc. */
function exposeGc(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

/** `promise`, or a rejection naming `what` after `ms` (a bounded wait, not a timing assertion). */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not come within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

const hasPod = (name: string) => (p: ReceivedPush) => p.snapshot.pods.some((pod) => pod.name === name);

describe("the agent in watch mode", () => {
  it("pushes the cluster's host-port pods once both lists are in, with the agent token", async () => {
    const first = acceptedPush();
    await agent();
    const push = await first;
    expect(push.token).toBe("agent-token");
    expect(push.snapshot).toMatchObject({ cluster: "prod-eu-1", agent: { mode: "watch" } });
    expect(push.snapshot.nodes).toHaveLength(6);
    expect(push.snapshot.pods).toHaveLength(15);
  });

  it("turns a burst of changes into one snapshot, and ignores changes that are not state", async () => {
    const t = await agent();
    await acceptedPush();
    const changes: SnapshotInfo[] = [];
    t.agent.events.on("snapshot", (s) => {
      if (s.kind === "change") changes.push(s);
    });
    // Not state: an ordinary pod's status, and a node's heartbeat.
    const plain = fixturePod("plain-deployment");
    kube.apply("pods", { ...plain, status: { ...plain.status, podIP: "10.128.9.9" } });
    const worker = fixtureNodes().find((n) => n.metadata.name === "worker-1") as KubeJson;
    worker.status.conditions[0].lastHeartbeatTime = "2026-11-27T10:30:00Z";
    kube.apply("nodes", worker);
    // State: five new host-port pods at once.
    const burst = acceptedPush(hasPod("burst-4"));
    for (let i = 0; i < 5; i++) kube.apply("pods", hostPortPod(`burst-${i}`, 7000 + i));
    const push = await burst;
    expect(push.snapshot.pods.filter((p) => p.name.startsWith("burst-"))).toHaveLength(5);
    expect(changes).toHaveLength(1);
  });

  it("sends the unchanged state as a heartbeat with a newer observedAt", async () => {
    const t = await agent(["--heartbeat", "150ms"]);
    const first = await acceptedPush();
    const heartbeat = await nextEvent<PushResult>(t.agent.events, "push", (r) => r.kind === "heartbeat");
    expect(heartbeat.outcome.kind).toBe("accepted");
    const second = api.accepted().at(-1)!;
    expect(second.observedAt > first.snapshot.observedAt).toBe(true);
    expect(second.pods).toEqual(first.snapshot.pods);
  });

  it("a pod deleted in the cluster leaves the next snapshot, sent as a delta after the first whole one", async () => {
    await agent();
    expect((await acceptedPush()).delta).toBe(false);
    const gone = acceptedPush((p) => !p.snapshot.pods.some((pod) => pod.name === "speaker-kq7vd"));
    kube.remove("pods", "metallb-system/speaker-kq7vd");
    const push = await gone;
    expect(push.snapshot.pods).toHaveLength(14);
    expect(push.delta).toBe(true);
  });

  it("pushes a change of one node's listener report alone, as a delta carrying just that report", async () => {
    const report = (node: string, listening: number[]): NodeListeners => ({
      node,
      attribution: "none",
      listeners: listening.map((port) => tcpListener(port, "0.0.0.0")),
    });
    let sink: NodeListenerSink | undefined;
    const feed: AgentDeps["nodeListenerFeed"] = async (given, signal) => {
      sink = given;
      given.upsert("master-0", report("master-0", [22]));
      given.upsert("worker-1", report("worker-1", [22, 9100]));
      given.upsert("not-a-node", report("not-a-node", [22]));
      await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    };
    const t = await agent([], {}, { nodeListenerFeed: feed });
    const first = await acceptedPush();
    expect(first.delta).toBe(false);
    expect(first.snapshot.nodeListeners?.map((r) => r.node)).toEqual(["master-0", "worker-1"]);
    expect(t.logs.filter((l) => String(l.msg).startsWith("left out listener reports"))).toHaveLength(1);

    const changed = acceptedPush();
    sink?.upsert("worker-1", report("worker-1", [22, 9100, 29103]));
    const push = await changed;
    expect(push.delta).toBe(true);
    expect(push.sentDelta?.nodeListeners?.upsert.map((r) => r.node)).toEqual(["worker-1"]);
    expect(push.sentDelta?.nodeListeners?.remove).toEqual([]);
    expect(push.sentDelta?.nodes.upsert).toEqual([]);
    expect(push.sentDelta?.pods.upsert).toEqual([]);
    expect(push.snapshot.nodeListeners?.find((r) => r.node === "worker-1")?.listeners).toHaveLength(3);

    const unobserved = acceptedPush();
    sink?.upsert("master-0", null);
    expect((await unobserved).sentDelta?.nodeListeners).toEqual({ upsert: [], remove: ["master-0"] });

    const nodeGone = acceptedPush();
    kube.remove("nodes", "worker-1");
    const gone = await nodeGone;
    expect(gone.sentDelta?.nodes.remove).toEqual(["worker-1"]);
    expect(gone.carriedNodeListeners).toBe(false);
    expect(gone.snapshot).not.toHaveProperty("nodeListeners");
  });

  it("keeps every change made while the API is down and replays them in order", async () => {
    const t = await agent();
    await acceptedPush();
    api.status = 503;
    const changes: SnapshotInfo[] = [];
    t.agent.events.on("snapshot", (s) => changes.push(s));
    for (const [i, name] of ["outage-a", "outage-b", "outage-c"].entries()) {
      const built = nextEvent<SnapshotInfo>(t.agent.events, "snapshot", (s) => s.pods === 16 + i);
      kube.apply("pods", hostPortPod(name, 7100 + i));
      await built;
    }
    await until(
      () => api.pushes.filter((p) => p.status === 503).length >= 3,
      api.events,
      "push",
      "failed pushes",
    );
    api.status = 200;
    await until(() => api.accepted().some((s) => s.pods.length === 18), api.events, "push", "the replay");
    const replayed = api.accepted().slice(1);
    expect(replayed.map((s) => s.observedAt)).toEqual(changes.map((c) => c.observedAt));
    expect(replayed.map((s) => s.pods.length)).toEqual([16, 17, 18]);
  });

  it("serves /healthz, /readyz and /metrics", async () => {
    const t = await agent(["--health-port", "0", "--health-host", "127.0.0.1"]);
    await acceptedPush();
    const url = t.agent.healthUrl!;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^portolan_agent_pushes_total\{result="accepted"\} [1-9]/m);
    expect(metrics).toMatch(/^portolan_agent_last_push_success_timestamp_seconds \d{10}$/m);
    expect(metrics).toMatch(/^portolan_agent_host_port_pods 15$/m);
    expect(metrics).toMatch(/^portolan_agent_kube_relists_total\{resource="pods",reason="initial"\} 1$/m);
    expect(metrics).toMatch(/^process_resident_memory_bytes \d+/m);
  });

  it("is not ready until it has built a snapshot", async () => {
    kube.failNext(/\/api\/v1\/pods/, 500, 1000);
    const t = await agent(["--health-port", "0", "--health-host", "127.0.0.1"]);
    expect((await fetch(`${t.agent.healthUrl}/readyz`)).status).toBe(503);
    expect((await fetch(`${t.agent.healthUrl}/healthz`)).status).toBe(200);
  });

  it("keeps trying at --auth-retry when the API refuses its token, loudly, and says when it is accepted again", async () => {
    api.status = 401;
    api.code = "UNAUTHORIZED";
    const tokenFile = join(dir, "token");
    writeFileSync(tokenFile, "old-token\n");
    const t = await agent(["--token-file", tokenFile, "--auth-retry", "20ms", "--health-port", "0"]);
    const refusals = () =>
      t.logs.filter(
        (l) =>
          l.level === "error" &&
          /refused the agent token \(401/.test(String(l.msg)) &&
          l.code === "UNAUTHORIZED",
      ).length;
    await until(() => refusals() >= 3, api.events, "push", "three refused pushes");
    // Still running, still alive for its liveness probe, and the refusals are counted.
    expect(await Promise.race([t.agent.done, Promise.resolve("running")])).toBe("running");
    expect((await fetch(`${t.agent.healthUrl}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${t.agent.healthUrl}/metrics`)).text();
    expect(metrics).toMatch(/^portolan_agent_auth_failures_total\{status="401"\} ([3-9]|\d\d+)$/m);
    // The token file is read again before each retry: a rotated Secret is picked up.
    writeFileSync(tokenFile, "new-token\n");
    await until(() => api.pushes.some((p) => p.token === "new-token"), api.events, "push", "the new token");
    api.status = 200;
    await acceptedPush();
    await until(
      () => t.logs.some((l) => l.msg === "the API accepts the agent token again"),
      api.events,
      "push",
      "the recovery line",
    );
  });

  it("stops gracefully: watches closed, exit status 0", async () => {
    const t = await agent();
    await acceptedPush();
    await kube.watching("pods");
    expect(await t.agent.stop()).toBe(0);
    await until(() => kube.watcherCount() === 0, kube.events, "unwatch", "the watches to close");
    expect(t.logs.at(-1)).toMatchObject({ msg: "portolan-agent stopped", exitCode: 0 });
  });

  it("with --spool-dir, snapshots the API never got survive a restart and go first", async () => {
    const spoolDir = join(dir, "spool");
    api.status = 503;
    const first = await agent(["--spool-dir", spoolDir]);
    await until(() => api.pushes.length >= 1, api.events, "push", "a failed push");
    const built = nextEvent<SnapshotInfo>(first.agent.events, "snapshot", (s) => s.pods === 16);
    kube.apply("pods", hostPortPod("before-restart", 7200));
    await built;
    await first.agent.stop();
    const waiting = readdirSync(spoolDir).filter((f) => f.endsWith(".json.gz"));
    expect(waiting).toHaveLength(2);

    api.status = 200;
    kube.apply("pods", hostPortPod("after-restart", 7201));
    const second = await agent(["--spool-dir", spoolDir]);
    await until(() => api.accepted().length >= 3, api.events, "push", "the replay and the new snapshot");
    expect(api.accepted().map((s) => s.pods.length)).toEqual([15, 16, 17]);
    const times = api.accepted().map((s) => s.observedAt);
    expect([...times].sort()).toEqual(times);
    // The agent removes a file once it has the API's answer, just after the API saw the push.
    await until(() => readdirSync(spoolDir).length === 0, second.agent.events, "push", "an empty spool");
  });

  it("with --dry-run prints one line per changed snapshot instead of pushing", async () => {
    const t = await agent(["--dry-run"]);
    await nextEvent(t.agent.events, "snapshot");
    const changed = nextEvent<SnapshotInfo>(t.agent.events, "snapshot", (s) => s.pods === 16);
    kube.apply("pods", hostPortPod("printed", 7300));
    await changed;
    expect(t.output).toHaveLength(2);
    expect(t.output.every((line) => line.endsWith("\n") && !line.slice(0, -1).includes("\n"))).toBe(true);
    expect(JSON.parse(t.output[1]!).pods).toHaveLength(16);
    expect(api.pushes).toHaveLength(0);
  });
});

describe("the agent with --once", () => {
  it("lists, pushes one snapshot and exits 0", async () => {
    const t = await agent(["--once"]);
    expect(await t.agent.done).toBe(0);
    expect(api.accepted()).toHaveLength(1);
    expect(api.accepted()[0]).toMatchObject({ agent: { mode: "once" } });
    expect(kube.requests.filter((r) => r.path === "/api/v1/pods")[0]?.query).toMatchObject({
      limit: "500",
      fieldSelector: "status.phase!=Succeeded,status.phase!=Failed",
    });
  });

  it("gives up with status 1 at --once-timeout when a Kubernetes LIST hangs", async () => {
    kube.hangNext(/\/api\/v1\/pods/);
    const hung = new Promise((resolve) => kube.events.once("hang", resolve));
    const t = await agent(["--once", "--once-timeout", "2s"]);
    // The LIST's own limit is 60 s: an exit well before it is the deadline's doing.
    expect(await within(t.agent.done, 20_000, "the --once deadline")).toBe(1);
    await within(hung, 1, "the hung LIST");
    expect(t.logs.some((l) => l.level === "error" && /--once-timeout/.test(String(l.msg)))).toBe(true);
    expect(api.pushes).toHaveLength(0);
  });

  it("stops with status 1 and says why when the API refuses its token", async () => {
    api.status = 401;
    const t = await agent(["--once", "--auth-retry", "10ms"]);
    expect(await t.agent.done).toBe(1);
    expect(
      t.logs.some((l) => l.level === "error" && /refused the agent token \(401/.test(String(l.msg))),
    ).toBe(true);
    expect(api.pushes).toHaveLength(1);
  });

  it("gives up with status 1 when the API stays away past --once-timeout", async () => {
    api.status = 503;
    // The deadline covers the LISTs too (loading the Kubernetes client alone can take a second).
    const t = await agent(["--once", "--once-timeout", "4s"]);
    expect(await t.agent.done).toBe(1);
    expect(api.pushes.length).toBeGreaterThanOrEqual(2);
  });

  it("gives up on time even while the garbage collector runs (its deadline is a timer it owns)", async () => {
    // Node 20 lets an AbortSignal.timeout that is only reachable through AbortSignal.any be
    // collected before it fires (nodejs/node#57736); frequent collections make that certain.
    const collect = exposeGc();
    const collecting = setInterval(collect, 20);
    try {
      api.status = 503;
      const t = await agent(["--once", "--once-timeout", "2s"]);
      expect(await within(t.agent.done, 25_000, "the --once deadline")).toBe(1);
    } finally {
      clearInterval(collecting);
    }
  });
});

describe("snapshots the API refuses for good", () => {
  const dumps = () => {
    const list = (items: unknown[]) => JSON.stringify({ apiVersion: "v1", kind: "List", items });
    writeFileSync(join(dir, "nodes.json"), list(fixtureNodes()));
    writeFileSync(join(dir, "pods.json"), list(fixturePods()));
    return ["--from-file", join(dir, "nodes.json"), join(dir, "pods.json")];
  };

  it("--from-file exits 1 when the API answers 409 STALE_SNAPSHOT, after one attempt", async () => {
    api.status = 409;
    const t = await agent(dumps());
    expect(await t.agent.done).toBe(1);
    expect(api.pushes).toHaveLength(1);
    expect(t.agent.metrics.snapshotsRejected.get({ code: "STALE_SNAPSHOT" })).toBe(1);
  });

  it("moves a refused snapshot out of the spool into rejected/, so the next run is not blocked", async () => {
    const spool = join(dir, "spool");
    api.status = 400;
    api.code = "OBSERVED_AT_IN_FUTURE";
    const first = await agent([...dumps(), "--spool-dir", spool]);
    expect(await first.agent.done).toBe(1);
    const refusal = first.logs.find((l) => l.code === "OBSERVED_AT_IN_FUTURE");
    expect(refusal).toMatchObject({ level: "error", status: 400, hint: expect.stringMatching(/clock/) });
    expect(readdirSync(join(spool, "rejected")).filter((f) => f.endsWith(".json.gz"))).toHaveLength(1);

    api.status = 200;
    const second = await agent([...dumps(), "--spool-dir", spool]);
    expect(await second.agent.done).toBe(0);
    expect(api.pushes.map((p) => p.status)).toEqual([400, 200]);
    expect(readdirSync(spool)).toEqual(["rejected"]);
  });

  it("in watch mode, a refused change is counted and the next change still goes", async () => {
    api.status = 400;
    api.code = "TOO_MANY_LABELS";
    const t = await agent();
    await nextEvent<PushResult>(t.agent.events, "push", (r) => r.outcome.kind === "rejected");
    api.status = 200;
    const accepted = acceptedPush(hasPod("after-refusal"));
    kube.apply("pods", hostPortPod("after-refusal", 19300));
    await accepted;
    expect(t.agent.metrics.snapshotsRejected.get({ code: "TOO_MANY_LABELS" })).toBe(1);
    expect(api.pushes.filter((p) => p.status === 400)).toHaveLength(1);
  });

  it("retries 429 PUSH_IN_PROGRESS after its Retry-After, then delivers", async () => {
    api.status = 429;
    api.code = "PUSH_IN_PROGRESS";
    api.headers = { "retry-after": "0" };
    const t = await agent([...dumps(), "--once-timeout", "20s"]);
    await until(() => api.pushes.length >= 2, api.events, "push", "a retry of the throttled push");
    api.status = 200;
    expect(await t.agent.done).toBe(0);
    expect(api.accepted()).toHaveLength(1);
  });
});
