import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostNetworkPod, node, snapshot } from "../fixtures/snapshots.js";
import { createHarness, type Harness } from "../helpers/app.js";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

describe("GET /metrics", () => {
  it("exposes staleness, ingest counters and free nodes per port in Prometheus text", async () => {
    const token = await h.register("prod-eu-1");
    const nodes = [node("worker-1"), node("worker-2"), node("worker-3")];
    const pods = [
      hostNetworkPod("ingress", "router-1", "worker-1", [80], { kind: "Deployment", name: "router" }),
      hostNetworkPod("ingress", "router-2", "worker-2", [80], { kind: "Deployment", name: "router" }),
    ];
    await h.push(token, snapshot("prod-eu-1", "2026-11-27T10:00:00Z", nodes, pods));
    await h.push(token, snapshot("prod-eu-1", "2026-11-27T10:01:00Z", nodes, pods));

    const res = await h.app.request("/metrics", { headers: h.admin });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('portolan_cluster_stale{cluster="prod-eu-1"} 0');
    expect(text).toContain('portolan_ingest_snapshots_total{cluster="prod-eu-1"} 2');
    expect(text).toContain('portolan_ingest_snapshots_changed_total{cluster="prod-eu-1"} 1');
    expect(text).toContain(
      'portolan_port_nodes_holding{cluster="prod-eu-1",protocol="TCP",port="80",host_ip="0.0.0.0"} 2',
    );
    expect(text).toContain(
      'portolan_port_free_nodes{cluster="prod-eu-1",protocol="TCP",port="80",host_ip="0.0.0.0"} 1',
    );
  });

  it("needs a read token when an admin token is configured", async () => {
    expect((await h.app.request("/metrics")).status).toBe(401);
  });
});
