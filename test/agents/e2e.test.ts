/**
 * End to end: the test Kubernetes API, the real Portolan API on its embedded database, and the
 * agent in watch mode between them. A host port appearing in the cluster shows up in ports.who; its
 * deletion closes the interval; changes made while the API is stopped all arrive, at the instants
 * they happened, once it is back.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PushResult } from "../../agents/src/push/pusher.js";
import type { SnapshotInfo } from "../../agents/src/run/producer.js";
import { type RunningServer, startServer } from "../../src/entry/node.js";
import type { AllocationAnswer } from "../helpers/answers.js";
import { startTestAgent, type TestAgent } from "./helpers/agent.js";
import {
  fixtureIngressControllers,
  fixtureNodes,
  fixturePod,
  fixturePods,
  type KubeJson,
} from "./helpers/fixtures.js";
import { type KubeTestServer, startKubeTestServer } from "./helpers/kube-test-server.js";
import { nextEvent } from "./helpers/wait.js";

let dir: string;
let kube: KubeTestServer;
let api: RunningServer;
let port: number;
let token: string;
let t: TestAgent;

async function who(hostPort: number, asOf?: string): Promise<AllocationAnswer[]> {
  const input = encodeURIComponent(JSON.stringify({ hostPort, ...(asOf ? { asOf } : {}) }));
  const res = await fetch(`${api.url}/trpc/ports.who?input=${input}`);
  const body = (await res.json()) as { result: { data: { allocations: AllocationAnswer[] } } };
  return body.result.data.allocations;
}

const hostPortPod = (name: string, hostPort: number, node = "worker-1"): KubeJson => {
  const pod = fixturePod("datadog-agent");
  pod.metadata.name = name;
  pod.spec.nodeName = node;
  pod.spec.containers = [
    { name: "main", image: "x", ports: [{ containerPort: hostPort, hostPort, protocol: "TCP" }] },
  ];
  return pod;
};

/** Makes a change in the cluster and resolves with the observedAt of the snapshot that carries it. */
async function change(apply: () => void): Promise<string> {
  const built = nextEvent<SnapshotInfo>(t.agent.events, "snapshot", (s) => s.kind === "change");
  apply();
  return (await built).observedAt;
}

const accepted = (observedAt: string) =>
  nextEvent<PushResult>(
    t.agent.events,
    "push",
    (r) => r.observedAt === observedAt && r.outcome.kind === "accepted",
    20_000,
  );

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "portolan-e2e-"));
  kube = await startKubeTestServer();
  for (const node of fixtureNodes()) kube.apply("nodes", node);
  for (const pod of fixturePods()) kube.apply("pods", pod);
  api = await startServer({ host: "127.0.0.1", port: 0, dataDir: join(dir, "pgdata") });
  port = Number(new URL(api.url).port);
  const res = await fetch(`${api.url}/trpc/clusters.register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "prod-eu-1" }),
  });
  token = ((await res.json()) as { result: { data: { token: string } } }).result.data.token;
  writeFileSync(join(dir, "token"), `${token}\n`);
}, 60_000);

afterAll(async () => {
  await t?.agent.stop();
  await api?.close();
  await kube?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("agent → API end to end", () => {
  it("reports the cluster: node-exporter's 9100 shows up in ports.who", async () => {
    t = await startTestAgent([
      "--cluster",
      "prod-eu-1",
      "--server",
      api.url,
      "--token-file",
      join(dir, "token"),
      "--kubeconfig",
      kube.writeKubeconfig(join(dir, "kubeconfig")),
    ]);
    const first = await nextEvent<SnapshotInfo>(t.agent.events, "snapshot");
    await accepted(first.observedAt);
    const holders = await who(9100);
    expect(holders.map((a) => `${a.node}/${a.pod}/${a.container}`).sort()).toEqual([
      "worker-2/prometheus-prometheus-node-exporter-7lqzk/node-exporter",
      "worker-3/node-exporter-xk2pd/kube-rbac-proxy",
    ]);
  });

  it("a pod with a host port added in the cluster shows up; deleted, its interval closes", async () => {
    const added = await change(() => kube.apply("pods", hostPortPod("e2e-listener", 19100)));
    await accepted(added);
    expect(await who(19100)).toEqual([
      expect.objectContaining({
        cluster: "prod-eu-1",
        node: "worker-1",
        namespace: "datadog",
        pod: "e2e-listener",
        container: "main",
        protocol: "TCP",
        hostIP: "0.0.0.0",
        hostPort: 19100,
        since: added,
        until: null,
      }),
    ]);

    const deleted = await change(() => kube.remove("pods", "datadog/e2e-listener"));
    await accepted(deleted);
    expect(await who(19100)).toEqual([]);
    expect(await who(19100, added)).toEqual([expect.objectContaining({ since: added, until: deleted })]);
  });

  it("loses none of the changes made while the API was stopped", async () => {
    await api.close();
    // Three changes while the API is away; each is a snapshot the agent keeps, in order.
    const t1 = await change(() => kube.apply("pods", hostPortPod("outage-a", 19101)));
    const t2 = await change(() => kube.apply("pods", hostPortPod("outage-b", 19102, "worker-2")));
    const t3 = await change(() => kube.remove("pods", "datadog/outage-a"));
    await nextEvent<PushResult>(t.agent.events, "push", (r) => r.outcome.kind === "retry");

    api = await startServer({ host: "127.0.0.1", port, dataDir: join(dir, "pgdata") });
    await accepted(t3);

    // outage-a lived exactly from t1 to t3; outage-b from t2 on.
    expect(await who(19101, t1)).toEqual([
      expect.objectContaining({ pod: "outage-a", since: t1, until: t3 }),
    ]);
    expect(await who(19101)).toEqual([]);
    expect(await who(19102, t1)).toEqual([]);
    expect(await who(19102, t2)).toEqual([
      expect.objectContaining({ pod: "outage-b", since: t2, until: null }),
    ]);
    expect(await who(19102)).toHaveLength(1);
  }, 60_000);

  it("the portolan-agent command pushes a --from-file snapshot to the running API", async () => {
    const list = (items: unknown[]) => JSON.stringify({ apiVersion: "v1", kind: "List", items });
    writeFileSync(join(dir, "nodes.json"), list(fixtureNodes()));
    writeFileSync(join(dir, "pods.json"), list([...fixturePods(), hostPortPod("from-file", 19200)]));
    const bin = new URL("../../bin/portolan-agent.js", import.meta.url).pathname;
    await promisify(execFile)(
      process.execPath,
      [bin, "--cluster", "prod-eu-1", "--from-file", "nodes.json", "pods.json", "--server", api.url],
      { cwd: dir, env: { ...process.env, PORTOLAN_TOKEN: token } },
    );
    expect(await who(19200)).toEqual([expect.objectContaining({ pod: "from-file", node: "worker-1" })]);
  });

  it("an OpenShift cluster's snapshots and deltas with IngressControllers are accepted", async () => {
    const openshift = await startKubeTestServer({ openshift: true });
    let agent: TestAgent | undefined;
    try {
      for (const node of fixtureNodes()) openshift.apply("nodes", node);
      for (const pod of fixturePods()) openshift.apply("pods", pod);
      for (const ic of fixtureIngressControllers()) openshift.apply("ingresscontrollers", ic);
      const res = await fetch(`${api.url}/trpc/clusters.register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "ocp-eu-2" }),
      });
      const ocpToken = ((await res.json()) as { result: { data: { token: string } } }).result.data.token;
      const kubeconfig = openshift.writeKubeconfig(join(dir, "openshift-kubeconfig"));
      agent = await startTestAgent(
        ["--cluster", "ocp-eu-2", "--server", api.url, "--kubeconfig", kubeconfig],
        {
          PORTOLAN_TOKEN: ocpToken,
        },
      );
      const running = agent;
      const outcome = (observedAt: string) =>
        nextEvent<PushResult>(running.agent.events, "push", (r) => r.observedAt === observedAt, 20_000);
      const first = await nextEvent<SnapshotInfo>(running.agent.events, "snapshot");
      expect((await outcome(first.observedAt)).outcome.kind).toBe("accepted");
      await openshift.watching("ingresscontrollers");
      const scaled = nextEvent<SnapshotInfo>(running.agent.events, "snapshot", (s) => s.kind === "change");
      const object = openshift.get("ingresscontrollers", "openshift-ingress-operator/default");
      openshift.apply("ingresscontrollers", { ...object, spec: { ...object?.spec, replicas: 3 } });
      const delta = await outcome((await scaled).observedAt);
      expect(delta.outcome.kind).toBe("accepted");
      // as a delta: the API agreed with the agent's base hash, IngressControllers included
      expect(running.logs.map((l) => l.msg)).not.toContain(
        "the API refused the delta; sending the whole snapshot",
      );
    } finally {
      await agent?.agent.stop();
      await openshift.close();
    }
  }, 60_000);
});
