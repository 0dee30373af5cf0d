/**
 * Shared port sets through the real app: two IngressControllers on 80/443/1936 over the same six
 * workers (prod-us-1's shape) are one finding that names both, the ports and the nodes, and advises
 * moving one with `plan ingresscontroller --move` — never a scale-down; the router Deployments are
 * folded into their IngressControllers' rows; /metrics carries one series for the set and none for
 * the routers; the CLI prints the finding and the plan it advises works. Two Deployments on one
 * port are a finding too, advised to take other host ports.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SnapshotInput } from "../../src/contract/snapshot.js";
import { ingressController } from "../fixtures/ingress-fleet.js";
import { createHarness, dataOf, type Harness } from "../helpers/app.js";
import { runCli } from "../helpers/cli.js";
import { parseScrape } from "../prometheus/series.js";

type PodInput = SnapshotInput["pods"][number];

const WORKERS = ["w1", "w2", "w3", "w4", "w5", "w6"];
const ROUTER_PORTS: [number, number, number] = [80, 443, 1936];
const worker = (name: string) => ({
  name,
  ready: true,
  labels: { "kubernetes.io/os": "linux", "node-role.kubernetes.io/worker": "" },
});

function router(ic: string, node: string | null, suffix: string): PodInput {
  return {
    namespace: "openshift-ingress",
    name: `router-${ic}-6c9f-${suffix}`,
    node,
    phase: node ? "Running" : "Pending",
    hostNetwork: true,
    owner: { kind: "Deployment", name: `router-${ic}` },
    ports: ROUTER_PORTS.map((port) => ({ container: "router", containerPort: port, hostPort: port })),
    nodeSelector: { "kubernetes.io/os": "linux", "node-role.kubernetes.io/worker": "" },
    ...(node
      ? {}
      : {
          scheduling: {
            unschedulable: true,
            message: "0/6 nodes are available: 6 node(s) didn't have free ports for the requested pod ports.",
          },
        }),
  };
}

const web = (name: string, node: string): PodInput => ({
  namespace: "shop",
  name: `${name}-1-${node}`,
  node,
  phase: "Running",
  owner: { kind: "Deployment", name },
  ports: [{ container: "app", containerPort: 8080, hostPort: 8080 }],
});

/** prod-us-1's shape: default on w1–w3, internal on w4–w6 and a fourth replica Pending. */
const ocpShared: SnapshotInput = {
  schemaVersion: 1,
  cluster: "ocp-shared",
  observedAt: "2026-12-01T10:00:00Z",
  nodes: WORKERS.map(worker),
  pods: [
    router("default", "w1", "a"),
    router("default", "w2", "b"),
    router("default", "w3", "c"),
    router("internal", "w4", "a"),
    router("internal", "w5", "b"),
    router("internal", "w6", "c"),
    router("internal", null, "d"),
  ],
  ingressControllers: [
    ingressController("default", ROUTER_PORTS, 3, 3),
    ingressController("internal", ROUTER_PORTS, 4, 3),
  ],
};

/** Two Deployments taking 8080 over the same three nodes. */
const k8sShared: SnapshotInput = {
  schemaVersion: 1,
  cluster: "k8s-shared",
  observedAt: "2026-12-01T10:00:00Z",
  nodes: ["k1", "k2", "k3"].map(worker),
  pods: [web("cart", "k1"), web("cart", "k2"), web("checkout", "k3")],
};

let h: Harness;
let server: ReturnType<typeof serve>;
let url: string;

beforeAll(async () => {
  h = await createHarness();
  for (const snapshot of [ocpShared, k8sShared]) {
    const token = await h.register(snapshot.cluster, { distribution: "openshift" });
    const res = await h.push(token, snapshot);
    if (res.status !== 200) throw new Error(await res.text());
  }
  server = serve({ fetch: h.app.fetch, hostname: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await h.close();
});

const cli = (argv: string[]) => runCli([...argv, "--url", url, "--token", h.adminToken]);
const MOVE_INTERNAL =
  "move internal to a free port set: portolan plan ingresscontroller internal --move --cluster ocp-shared --replicas 4 -o yaml | oc apply -f -";

describe("capacity.headroom's shared port sets", () => {
  it("names two IngressControllers on 80/443/1936 over the same workers as one finding, advising to move one", async () => {
    const answer = dataOf(await h.query("capacity.headroom", { clusters: ["ocp-shared"] }));
    expect(answer.sharedPortSets).toHaveLength(1);
    const [set] = answer.sharedPortSets;
    expect(set).toMatchObject({
      cluster: "ocp-shared",
      summary: "default and internal compete for 80/443/1936 on the same 6 nodes",
      nodes: 6,
      move: { kind: "IngressController", name: "internal" },
      workloads: [
        { kind: "IngressController", name: "default", replicas: 3 },
        { kind: "IngressController", name: "internal", replicas: 4, pending: 1 },
      ],
    });
    expect(set?.ports.map((p) => p.hostPort)).toEqual([80, 443, 1936]);
    expect(set?.advice[0]).toBe(MOVE_INTERNAL);
  });

  it("advises no scale-down on the rows of the set's workloads, nor on their router Deployments", async () => {
    const answer = dataOf(await h.query("capacity.headroom", { clusters: ["ocp-shared"] }));
    expect(answer.workloads.map((w) => `${w.kind}/${w.name}`).sort()).toEqual([
      "Deployment/router-default",
      "Deployment/router-internal",
      "IngressController/default",
      "IngressController/internal",
    ]);
    for (const w of answer.workloads) {
      expect(w.patch, w.name).toBeNull();
      expect(w.rollout.fixes.join("; "), w.name).not.toMatch(/lower replicas/);
      expect(w.rollout.fixes[0], w.name).toBe(MOVE_INTERNAL);
    }
  });

  it("folds each router Deployment into its IngressController's row", async () => {
    const answer = dataOf(await h.query("capacity.headroom", { clusters: ["ocp-shared"] }));
    const partOf = Object.fromEntries(answer.workloads.map((w) => [w.name, w.partOf?.name ?? null]));
    expect(partOf).toEqual({
      "router-default": "default",
      "router-internal": "internal",
      default: null,
      internal: null,
    });
  });

  it("lists each set once however the answer is paged", async () => {
    const sets: string[] = [];
    let cursor: string | undefined;
    do {
      const page = dataOf(await h.query("capacity.headroom", { limit: 1, ...(cursor ? { cursor } : {}) }));
      sets.push(...page.sharedPortSets.map((s) => `${s.cluster}: ${s.summary}`));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(sets).toEqual([
      "k8s-shared: cart and checkout compete for 8080 on the same 3 nodes",
      "ocp-shared: default and internal compete for 80/443/1936 on the same 6 nodes",
    ]);
  });

  it("advises two Deployments on one port to take other host ports, not fewer replicas", async () => {
    const answer = dataOf(await h.query("capacity.headroom", { clusters: ["k8s-shared"] }));
    expect(answer.sharedPortSets[0]?.advice[0]).toBe(
      "give Deployment shop/checkout other host ports: portolan plan free --cluster k8s-shared --width 1 finds a free range",
    );
    for (const w of answer.workloads) expect(w.rollout.fixes.join("; ")).not.toMatch(/lower replicas/);
  });
});

describe("/metrics for a shared port set", () => {
  it("carries one series for the set and none for the router Deployments", async () => {
    const res = await h.app.request("/metrics", { headers: { authorization: `Bearer ${h.adminToken}` } });
    const samples = parseScrape(await res.text());
    const of = (name: string) => samples.filter((s) => s.name === name && s.labels.cluster === "ocp-shared");
    expect(of("portolan_shared_port_set_headroom").map((s) => [s.labels, s.value])).toEqual([
      [
        {
          cluster: "ocp-shared",
          workloads:
            "openshift-ingress-operator/IngressController/default,openshift-ingress-operator/IngressController/internal",
          ports: "80/443/1936",
        },
        0,
      ],
    ]);
    expect(of("portolan_shared_port_set_nodes").map((s) => s.value)).toEqual([6]);
    expect(of("portolan_workload_headroom").map((s) => s.labels.name)).toEqual(["default", "internal"]);
    expect(of("portolan_workload_shared_port_set").map((s) => s.labels.name)).toEqual([
      "default",
      "internal",
    ]);
  });
});

describe("the dashboard's headroom view", () => {
  it("shows the set with its advice above one row per IngressController", async () => {
    const { token } = dataOf(await h.mutate("tokens.createRead", { name: "dashboard" }));
    const res = await h.app.request("/clusters/ocp-shared", {
      headers: { cookie: `portolan_token=${token}` },
    });
    expect(res.status).toBe(200);
    const html = await res.text();
    const headroom = html.slice(html.indexOf('id="headroom-heading"'));
    expect(headroom).toContain("default and internal compete for 80/443/1936 on the same 6 nodes");
    expect(headroom).toContain("portolan plan ingresscontroller internal --move --cluster ocp-shared");
    expect(headroom).toContain("openshift-ingress-operator/internal (IngressController)");
    expect(headroom).not.toContain("openshift-ingress/router-internal (Deployment)");
    expect(headroom).toContain("2 router Deployment(s) are shown as their IngressController&#39;s row.");
  });
});

describe("the CLI", () => {
  it("prints the finding and its advice under one row per IngressController", async () => {
    const run = await cli(["headroom", "--cluster", "ocp-shared"]);
    expect(run.code).toBe(0);
    expect(run.out).toContain("ocp-shared: default and internal compete for 80/443/1936 on the same 6 nodes");
    expect(run.out).toContain(`    ${MOVE_INTERNAL}`);
    expect(run.out).toContain("(2 router Deployment(s) shown as their IngressController's row)");
    expect(run.out).not.toContain("openshift-ingress/Deployment/router-internal");
    expect(run.out).not.toContain("oc patch");
    expect(run.out).not.toContain("lower replicas");
  });

  it("runs the plan the finding advises: --move plans new ports for the IngressController that exists", async () => {
    const run = await cli([
      "plan",
      "ingresscontroller",
      "internal",
      "--move",
      "--cluster",
      "ocp-shared",
      "--replicas",
      "4",
      "-o",
      "yaml",
    ]);
    expect(run.code).toBe(0);
    expect(run.err).toContain("moving: ocp-shared already runs openshift-ingress-operator/internal");
    expect(run.out).toContain("name: internal");
    expect(run.out).toContain("httpPort: 10080");
    const refused = await cli(["plan", "ingresscontroller", "internal", "--cluster", "ocp-shared"]);
    expect(refused.code).toBe(3);
  });
});
