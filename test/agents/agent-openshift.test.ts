/**
 * The agent in watch mode on an OpenShift-like API (operator.openshift.io/v1 ingresscontrollers served)
 * and on plain Kubernetes: IngressControllers reach the pushed snapshot, their changes reach the next
 * one (as deltas the fake API applies and checks against the agent's hashes), and a plain cluster's
 * snapshots leave them out. Every wait is on an event, never a sleep.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { SnapshotIngressController } from "../../src/contract/snapshot.js";
import { startTestAgent, type TestAgent } from "./helpers/agent.js";
import { FakePortolan, type ReceivedPush } from "./helpers/fake-portolan.js";
import {
  fixtureIngressController,
  fixtureIngressControllers,
  fixtureNodes,
  fixturePods,
} from "./helpers/fixtures.js";
import { type KubeTestServer, startKubeTestServer } from "./helpers/kube-test-server.js";
import { nextEvent } from "./helpers/wait.js";

let kube: KubeTestServer;
let api: FakePortolan;
let dir: string;
const running: TestAgent[] = [];

async function cluster(openshift: boolean) {
  dir = mkdtempSync(join(tmpdir(), "portolan-agent-"));
  kube = await startKubeTestServer({ openshift });
  for (const node of fixtureNodes()) kube.apply("nodes", node);
  for (const pod of fixturePods()) kube.apply("pods", pod);
  if (openshift) for (const ic of fixtureIngressControllers()) kube.apply("ingresscontrollers", ic);
  api = await new FakePortolan().start();
}

afterEach(async () => {
  for (const t of running.splice(0)) await t.agent.stop();
  await kube.close();
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

async function agent(args: string[] = []) {
  const kubeconfig = kube.writeKubeconfig(join(dir, "kubeconfig"));
  const t = await startTestAgent([
    "--cluster",
    "prod-eu-1",
    "--server",
    api.url,
    "--kubeconfig",
    kubeconfig,
    ...args,
  ]);
  running.push(t);
  return t;
}

const acceptedPush = (predicate: (p: ReceivedPush) => boolean = () => true) =>
  nextEvent<ReceivedPush>(api.events, "push", (p) => p.status === 200 && predicate(p));

const controller = (push: ReceivedPush, name: string): SnapshotIngressController | undefined =>
  push.snapshot.ingressControllers.find((ic) => ic.name === name);

const DEFAULT_KEY = "openshift-ingress-operator/default";
const DISCOVERY_PATH = "/apis/operator.openshift.io/v1";
const ABSENT_LOG = /serves no operator\.openshift\.io\/v1 ingresscontrollers/;

describe("the agent on OpenShift", () => {
  it("pushes the cluster's IngressControllers with the nodes and pods", async () => {
    await cluster(true);
    const first = acceptedPush();
    const t = await agent();
    const push = await first;
    expect(push.carriedIngressControllers).toBe(true);
    expect(t.logs.find((l) => l.msg === "snapshot")).toMatchObject({ ingressControllers: 3 });
    expect(push.snapshot.ingressControllers.map((ic) => ic.name)).toEqual([
      "default",
      "internal-apps",
      "partner-lb",
    ]);
    expect(controller(push, "default")).toMatchObject({
      replicas: 2,
      endpointPublishingStrategy: "HostNetwork",
      hostNetwork: { httpPort: 80, httpsPort: 443, statsPort: 1936, protocol: "TCP" },
      deployment: { namespace: "openshift-ingress", name: "router-default" },
    });
    expect(push.snapshot.pods).toHaveLength(15);
  });

  it("sends an IngressController scaled from 2 to 3 replicas in the next snapshot, as a delta", async () => {
    await cluster(true);
    const first = acceptedPush();
    await agent();
    await first;
    await kube.watching("ingresscontrollers");
    const scaled = acceptedPush((p) => controller(p, "default")?.replicas === 3);
    const object = kube.get("ingresscontrollers", DEFAULT_KEY);
    kube.apply("ingresscontrollers", { ...object, spec: { ...object?.spec, replicas: 3 } });
    const push = await scaled;
    expect(push.delta).toBe(true);
    expect(push.carriedIngressControllers).toBe(true);
    expect(controller(push, "internal-apps")?.replicas).toBe(3);
  });

  it("sends its HostNetwork httpPort moved from 80 to 10080 in the next snapshot", async () => {
    await cluster(true);
    const first = acceptedPush();
    await agent();
    await first;
    await kube.watching("ingresscontrollers");
    const moved = acceptedPush((p) => controller(p, "default")?.hostNetwork?.httpPort === 10080);
    const object = fixtureIngressController("default");
    object.status.endpointPublishingStrategy.hostNetwork.httpPort = 10080;
    kube.apply("ingresscontrollers", object);
    const push = await moved;
    expect(controller(push, "default")?.hostNetwork).toEqual({
      httpPort: 10080,
      httpsPort: 443,
      statsPort: 1936,
      protocol: "TCP",
    });
  });

  it("retries a failed discovery instead of taking the cluster for plain Kubernetes", async () => {
    await cluster(true);
    kube.failNext(/^\/apis\/operator\.openshift\.io\/v1$/, 503, 2);
    const first = acceptedPush();
    const t = await agent();
    expect((await first).snapshot.ingressControllers).toHaveLength(3);
    expect(t.logs.filter((l) => l.msg === "kubernetes discovery failed, retrying")).toHaveLength(2);
    expect(t.logs.some((l) => ABSENT_LOG.test(String(l.msg)))).toBe(false);
  });

  it("still pushes nodes and pods when its ClusterRole does not yet grant IngressControllers (403)", async () => {
    await cluster(true);
    kube.failNext(/\/ingresscontrollers\?/, 403, 1_000);
    const first = acceptedPush();
    const t = await agent();
    const push = await first;
    expect(push.carriedIngressControllers).toBe(false);
    expect(push.snapshot.pods).toHaveLength(15);
    expect(t.logs.filter((l) => /not allowed to list .*ingresscontrollers/.test(String(l.msg)))).toHaveLength(
      1,
    );
  });

  it("leaves a deleted IngressController out of the next snapshot", async () => {
    await cluster(true);
    const first = acceptedPush();
    await agent();
    await first;
    await kube.watching("ingresscontrollers");
    const gone = acceptedPush((p) => controller(p, "partner-lb") === undefined);
    kube.remove("ingresscontrollers", "openshift-ingress-operator/partner-lb");
    expect((await gone).snapshot.ingressControllers).toHaveLength(2);
  });
});

describe("the agent on plain Kubernetes", () => {
  it("asks discovery, says once that there are none, and pushes snapshots without the key", async () => {
    await cluster(false);
    const first = acceptedPush();
    const t = await agent();
    await first;
    const body = api.pushes[0];
    expect(body?.carriedIngressControllers).toBe(false);
    expect(kube.requests.some((r) => r.path === DISCOVERY_PATH)).toBe(true);
    expect(kube.requests.some((r) => r.path.endsWith("/ingresscontrollers"))).toBe(false);
    expect(t.logs.filter((l) => l.level === "info" && ABSENT_LOG.test(String(l.msg)))).toHaveLength(1);
  });

  it("asks again every resync and starts watching them once the API serves them", async () => {
    await cluster(false);
    const first = acceptedPush();
    const t = await agent(["--resync", "300ms"]);
    await first;
    for (const ic of fixtureIngressControllers()) kube.apply("ingresscontrollers", ic);
    const appeared = acceptedPush((p) => p.snapshot.ingressControllers.length === 3);
    kube.serveOpenShift(true);
    await appeared;
    expect(t.logs.filter((l) => ABSENT_LOG.test(String(l.msg)))).toHaveLength(1);
  });
});
