/**
 * Pod attribution end to end: a node reader in the pod tier on a fixture /proc (sockets, their
 * processes, the processes' cgroups) reports to a watch-mode agent, which names each socket's pod
 * and container from the pods it watches and pushes to the real Portolan app on a real database
 * (PGlite, or PostgreSQL with TEST_DATABASE_URL); ports.who and ports.node then show the pod and the
 * class. A pod the agent has not listed yet leaves the report "process" until it has; a container id
 * its pod's status does not list yet leaves the listener with its pod only until it does; an ordinary
 * pod (not kept by the agent's watch) is found by listing the node's pods.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpPost } from "../../agents/src/node-reader/http-post.js";
import { runReaderLoop } from "../../agents/src/node-reader/loop.js";
import { sendReport } from "../../agents/src/node-reader/send.js";
import { silentLogger } from "../../agents/src/ops/log.js";
import { realDelay, systemClock } from "../../agents/src/util/time.js";
import type { ObservedListener } from "../../src/contract/listeners.js";
import { createHarness, dataOf, type Harness } from "../helpers/app.js";
import { startTestAgent, type TestAgent } from "./helpers/agent.js";
import { fixtureNodes, type KubeJson } from "./helpers/fixtures.js";
import { type KubeTestServer, startKubeTestServer } from "./helpers/kube-test-server.js";
import { writeProcFixture } from "./helpers/proc-fixture.js";

const READER = "system:serviceaccount:portolan-node-reader:portolan-node-reader";
const ROUTER_UID = "6d0c5a1e-8f3b-4e2a-9c7d-0a1b2c3d4e5f";
const ROUTER_CONTAINER = "a".repeat(64);
const CANARY_UID = "1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d";
const CANARY_CONTAINER = "b".repeat(64);
const LATE_UID = "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e";
const LATE_CONTAINER = "c".repeat(64);
const CACHE_UID = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f";
const CACHE_CONTAINER = "d".repeat(64);
const slice = (qos: string, uid: string, id: string) =>
  `0::/kubepods.slice/kubepods-${qos}.slice/kubepods-${qos}-pod${uid.replaceAll("-", "_")}.slice/crio-${id}.scope\n`;

const hostNetworkPod = (
  name: string,
  uid: string,
  container: string,
  ports: number[],
  containerID?: string,
): KubeJson =>
  ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { namespace: "openshift-ingress", name, uid },
    spec: {
      nodeName: "worker-1",
      hostNetwork: true,
      containers: [
        {
          name: container,
          image: "router",
          ports: ports.map((p) => ({ containerPort: p, hostPort: p, protocol: "TCP" })),
        },
      ],
    },
    status: {
      phase: "Running",
      containerStatuses: [{ name: container, ...(containerID ? { containerID } : {}) }],
    },
  }) as unknown as KubeJson;

const tcp = (port: number, name: string, pid: number): ObservedListener => ({
  protocol: "TCP",
  address: "0.0.0.0",
  family: 4,
  port,
  scope: "wildcard",
  processes: [{ name, pid }],
});

/**
 * pid → its cgroup: sshd on the host, haproxy in the router's container, the canary in a pod whose
 * status has no container id yet, and a process of a pod the cluster does not list yet.
 */
const CGROUPS: Record<number, string> = {
  10: "0::/system.slice/sshd.service\n",
  20: slice("burstable", ROUTER_UID, ROUTER_CONTAINER),
  30: slice("besteffort", CANARY_UID, CANARY_CONTAINER),
  40: slice("besteffort", LATE_UID, LATE_CONTAINER),
  50: slice("burstable", CACHE_UID, CACHE_CONTAINER),
};

interface ListenerAnswer {
  node: string;
  port: number;
  pod: { namespace: string; name: string; container?: string } | null;
  class: string;
}

let h: Harness;
let server: ReturnType<typeof serve>;
let kube: KubeTestServer;
let dir: string;
let t: TestAgent;
const reader = new AbortController();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "node-reader-pods-"));
  h = await createHarness();
  server = serve({ fetch: h.app.fetch, hostname: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  writeFileSync(join(dir, "agent-token"), `${await h.register("prod-eu-1")}\n`);
  kube = await startKubeTestServer({
    reviewToken: (token) =>
      token === "reader-on-worker-1"
        ? {
            authenticated: true,
            audiences: ["portolan-agent"],
            user: {
              username: READER,
              extra: { "authentication.kubernetes.io/node-name": ["worker-1"] },
            },
          }
        : { authenticated: false },
  });
  for (const node of fixtureNodes()) kube.apply("nodes", node);
  kube.apply(
    "pods",
    hostNetworkPod("router-default-5d9f", ROUTER_UID, "router", [443], `cri-o://${ROUTER_CONTAINER}`),
  );
  // An ordinary pod (no hostNetwork, no host port) whose socket is in the host's namespace anyway.
  kube.apply("pods", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { namespace: "shop", name: "cache-0", uid: CACHE_UID },
    spec: { nodeName: "worker-1", containers: [{ name: "memcached", image: "memcached" }] },
    status: {
      phase: "Running",
      containerStatuses: [{ name: "memcached", containerID: `containerd://${CACHE_CONTAINER}` }],
    },
  } as unknown as KubeJson);
  // Just started: the kubelet has not written its container id yet.
  kube.apply("pods", hostNetworkPod("router-canary-7c4b", CANARY_UID, "canary", [8443]));
  t = await startTestAgent(
    [
      "--cluster",
      "prod-eu-1",
      "--server",
      url,
      "--token-file",
      join(dir, "agent-token"),
      "--kubeconfig",
      kube.writeKubeconfig(join(dir, "kubeconfig")),
    ],
    {},
    {
      env: { PORTOLAN_LISTENER_PORT: "0", PORTOLAN_LISTENER_HOST: "127.0.0.1" },
      listenerSweepMs: 50,
    },
  );
}, 60_000);

afterAll(async () => {
  reader.abort();
  await t?.agent.stop();
  await kube?.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

function startReader() {
  const procRoot = join(dir, "proc");
  writeProcFixture(
    procRoot,
    [
      tcp(22, "sshd", 10),
      tcp(443, "haproxy", 20),
      tcp(1936, "haproxy", 20),
      tcp(7000, "canary", 30),
      tcp(7100, "late", 40),
      tcp(11211, "memcached", 50),
    ],
    { processes: true, cgroup: ({ pid }) => CGROUPS[pid] },
  );
  writeFileSync(join(dir, "reader-token"), "reader-on-worker-1\n");
  const url = `${t.agent.listeners()?.url}/v1/node-listeners`;
  void runReaderLoop(
    {
      scan: { procRoot, node: "worker-1", attribution: "pod", byteOrder: "little" },
      scanMs: 50,
      heartbeatMs: 600_000,
      clock: systemClock,
      delay: realDelay,
      logger: silentLogger,
      send: (report, signal) =>
        sendReport(
          report,
          {
            url,
            tokenFile: join(dir, "reader-token"),
            heartbeatMs: 600_000,
            requestTimeoutMs: 5000,
            maxAttempts: 3,
            maxBodyBytes: 4 * 1024 * 1024,
            backoff: { initialMs: 10, maxMs: 50 },
            post: httpPost,
            delay: realDelay,
            random: Math.random,
            logger: silentLogger,
          },
          signal,
        ),
    },
    reader.signal,
  );
}

async function nodeListeners(): Promise<{ attribution: string | undefined; listeners: ListenerAnswer[] }> {
  const answer = await h.query("ports.node", { cluster: "prod-eu-1", node: "worker-1" });
  // Before the agent's first push the node is not known yet.
  if (!answer.ok) return { attribution: undefined, listeners: [] };
  const { listeners } = answer.data as { listeners: (ListenerAnswer & { attribution?: string })[] };
  return { attribution: listeners[0]?.attribution, listeners };
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("pod attribution from the node reader to the answers", () => {
  it("names the pod and container of each socket it can, and classifies it", async () => {
    await eventually(
      async () => t.agent.listeners(),
      (service) => service !== undefined,
      "the agent's receiver",
    );
    startReader();
    const seen = await eventually(
      nodeListeners,
      (n) => n.listeners.length === 6,
      "worker-1's six listeners in ports.node",
    );
    const router = { namespace: "openshift-ingress", name: "router-default-5d9f", container: "router" };
    const byPort = new Map(seen.listeners.map((l) => [l.port, l]));
    expect(byPort.get(443)).toMatchObject({ pod: router, class: "declared" });
    expect(byPort.get(1936)).toMatchObject({ pod: router, class: "undeclared-host-network" });
    // Its pod is listed, its container id not yet: the pod without the container.
    expect(byPort.get(7000)).toMatchObject({
      pod: { namespace: "openshift-ingress", name: "router-canary-7c4b" },
      class: "undeclared-host-network",
    });
    expect(byPort.get(7000)?.pod?.container).toBeUndefined();
    // A pod the agent has not listed: the report says processes only, so sshd is a host service
    // for having a process, not for being outside pods, and 7100 is nobody's yet.
    expect(seen.attribution).toBe("process");
    expect(byPort.get(7100)).toMatchObject({ pod: null, class: "host-service" });
    expect(byPort.get(22)).toMatchObject({ pod: null, reason: "process-pod-not-looked-up" });
    const who = dataOf(await h.query("ports.who", { hostPort: 1936 })) as { listeners: ListenerAnswer[] };
    expect(who.listeners).toEqual([
      expect.objectContaining({ node: "worker-1", pod: router, class: "undeclared-host-network" }),
    ]);
  });

  it("names the rest once the watch brings the new pod and the container id", async () => {
    kube.apply(
      "pods",
      hostNetworkPod("router-canary-7c4b", CANARY_UID, "canary", [8443], `cri-o://${CANARY_CONTAINER}`),
    );
    kube.apply("pods", hostNetworkPod("late-7f6d", LATE_UID, "late", [7100], `cri-o://${LATE_CONTAINER}`));
    const after = await eventually(
      nodeListeners,
      (n) =>
        n.attribution === "pod" && n.listeners.find((l) => l.port === 7000)?.pod?.container !== undefined,
      "every socket's pod named",
    );
    const byPort = new Map(after.listeners.map((l) => [l.port, l]));
    expect(byPort.get(7000)?.pod).toEqual({
      namespace: "openshift-ingress",
      name: "router-canary-7c4b",
      container: "canary",
    });
    expect(byPort.get(7100)).toMatchObject({
      pod: { namespace: "openshift-ingress", name: "late-7f6d", container: "late" },
      class: "declared",
    });
    // The ordinary pod, found by listing worker-1's pods: its socket is one no hostNetwork pod declares.
    expect(byPort.get(11211)).toMatchObject({
      pod: { namespace: "shop", name: "cache-0", container: "memcached" },
      class: "undeclared-host-network",
    });
    // Every pod known, the report is "pod": sshd is a host service because it is outside pods.
    expect(byPort.get(22)).toMatchObject({ class: "host-service", reason: "process-outside-pods" });
  });
});
