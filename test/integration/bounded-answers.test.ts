/**
 * Answers whose size does not follow the cluster's: a port map lists at most NODE_NAME_SAMPLE names
 * per list beside exact counts, the rest is paged (ports.freeNodes), and the fleet report comes a
 * page of clusters at a time.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { NODE_NAME_SAMPLE } from "../../src/domain/port-map.js";
import { hostNetworkPod, node, snapshot } from "../fixtures/snapshots.js";
import { createHarness, type Harness } from "../helpers/app.js";

/** docs/api.md: a port map of a 5,000-node cluster with a handful of DaemonSets stays under this. */
const PORT_MAP_LIMIT_BYTES = 64 * 1024;
const OBSERVED_AT = "2026-11-27T10:00:00Z";

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ maxSnapshotBytes: 64 * 1024 * 1024 });
});
afterAll(() => h.close());
beforeEach(() => h.reset());

const nodeName = (i: number) => `ip-10-0-${Math.floor(i / 250)}-${i % 250}.eu-west-1.compute.internal`;

/** DaemonSets on every node: two with declared host ports, one (kube-proxy) that declares none. */
function daemonSetCluster(cluster: string, nodes: number) {
  const names = Array.from({ length: nodes }, (_, i) => nodeName(i));
  const daemonSet = (namespace: string, name: string, ports: number[]) =>
    names.map((n, i) => hostNetworkPod(namespace, `${name}-${i}`, n, ports, { kind: "DaemonSet", name }));
  return snapshot(
    cluster,
    OBSERVED_AT,
    names.map((n) => node(n)),
    [
      ...daemonSet("monitoring", "node-exporter", [9100]),
      ...daemonSet("logging", "fluent-bit", [2020, 2021]),
      ...daemonSet("kube-system", "kube-proxy", []),
    ],
  );
}

describe("ports.map of a 5,000-node cluster", () => {
  it("stays under the documented size with exact counts and bounded name lists", async () => {
    const token = await h.register("large");
    expect((await h.push(token, daemonSetCluster("large", 5000))).status).toBe(200);

    const res = await h.app.request(
      `/trpc/ports.map?input=${encodeURIComponent(JSON.stringify({ cluster: "large" }))}`,
      { headers: h.admin },
    );
    const body = await res.text();
    expect(res.status).toBe(200);
    expect(Buffer.byteLength(body)).toBeLessThan(PORT_MAP_LIMIT_BYTES);

    const map = await h.query("ports.map", { cluster: "large" });
    if (!map.ok) throw new Error(map.error.message);
    expect(map.data).toMatchObject({
      nodes: 5000,
      schedulableNodes: 5000,
      undeclaredHostNetworkPodCount: 5000,
    });
    expect(map.data.undeclaredHostNetworkPods).toHaveLength(NODE_NAME_SAMPLE);
    expect(map.data.ports.map((p) => p.hostPort)).toEqual([2020, 2021, 9100]);
    for (const row of map.data.ports) {
      expect(row).toMatchObject({ heldCount: 5000, eligibleNodes: 5000, freeCount: 0, freeNodes: [] });
      expect(row.nodes).toHaveLength(NODE_NAME_SAMPLE);
    }
  }, 180_000);
});

describe("the rest of a row", () => {
  it("pages a row's free nodes by name past the sample, each once", async () => {
    const token = await h.register("wide");
    const nodes = Array.from({ length: 120 }, (_, i) => node(nodeName(i)));
    const router = hostNetworkPod("ingress", "router-0", nodeName(0), [80], {
      kind: "Deployment",
      name: "router",
    });
    expect((await h.push(token, snapshot("wide", OBSERVED_AT, nodes, [router]))).status).toBe(200);

    const map = await h.query("ports.map", { cluster: "wide" });
    const row = map.ok ? map.data.ports[0] : undefined;
    expect(row).toMatchObject({ heldCount: 1, nodes: [nodeName(0)], eligibleNodes: 120, freeCount: 119 });
    expect(row?.freeNodes).toHaveLength(NODE_NAME_SAMPLE);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await h.query("ports.freeNodes", { cluster: "wide", hostPort: 80, limit: 50, cursor });
      if (!page.ok) throw new Error(page.error.message);
      expect(page.data.freeCount).toBe(119);
      seen.push(...page.data.nodes);
      cursor = page.data.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(119);
    expect(new Set(seen)).toEqual(new Set(nodes.slice(1).map((n) => n.name)));
    expect(await h.query("ports.freeNodes", { cluster: "wide", hostPort: 81 })).toMatchObject({
      status: 404,
      ok: false,
    });
  });
});

describe("the fleet report", () => {
  it("comes a page of clusters at a time, the pages concatenating into one document", async () => {
    for (const name of ["east", "north", "west"]) {
      const token = await h.register(name);
      const pod = hostNetworkPod("ns", "probe", "n1", [8080], { kind: "DaemonSet", name: "probe" });
      expect((await h.push(token, snapshot(name, OBSERVED_AT, [node("n1")], [pod]))).status).toBe(200);
    }
    const first = await h.query("reports.portMap", { format: "csv", limit: 2 });
    if (!first.ok) throw new Error(first.error.message);
    expect(first.data.nextCursor).toBe("north");
    const second = await h.query("reports.portMap", { format: "csv", limit: 2, cursor: "north" });
    if (!second.ok) throw new Error(second.error.message);
    expect(second.data.nextCursor).toBeNull();

    const whole = await h.query("reports.portMap", { format: "csv", limit: 3 });
    expect(whole.ok && first.data.content + second.data.content).toBe(whole.ok && whole.data.content);
    expect(second.data.content.startsWith("west,")).toBe(true);
  });
});
