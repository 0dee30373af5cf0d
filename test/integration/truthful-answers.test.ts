/**
 * What a new user reads must say what the data says: the port allocation document beside the JSON it
 * is built from, and staleness of a cluster that never pushed.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sixWorkersSnapshot } from "../fixtures/six-workers.js";
import { createHarness, type Harness } from "../helpers/app.js";

const STALE_AFTER_SECONDS = 600;
let clock = Date.parse("2026-11-27T12:00:00Z");
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ now: () => new Date(clock), staleAfterSeconds: STALE_AFTER_SECONDS });
});
afterAll(() => h.close());
beforeEach(async () => {
  clock = Date.parse("2026-11-27T12:00:00Z");
  await h.reset();
});

describe("the port allocation document", () => {
  it("does not call holders eligible when some of them are cordoned or NotReady", async () => {
    const token = await h.register("six-workers");
    const snapshot = sixWorkersSnapshot("six-workers", "2026-11-27T11:59:00Z");
    // router-default keeps its pods on all six workers, but two of them can no longer take a replica.
    for (const node of snapshot.nodes) {
      if (node.name === "worker-5") node.unschedulable = true;
      if (node.name === "worker-6") node.ready = false;
    }
    expect((await h.push(token, snapshot)).status).toBe(200);

    const map = await h.query("ports.map", { cluster: "six-workers" });
    const port80 = map.ok ? map.data.ports.find((p) => p.hostPort === 80) : undefined;
    expect(port80).toMatchObject({ eligibleNodes: 4, freeCount: 0 });
    expect(port80?.nodes).toHaveLength(6);

    const md = await h.query("reports.portMap", {
      cluster: "six-workers",
      format: "markdown",
    });
    const content = md.ok ? md.data.content : "";
    expect(content).not.toMatch(/all 6 eligible/);
    expect(content).toContain(
      "| 80 | TCP | 0.0.0.0 | openshift-ingress/router-default (Deployment) | 6: worker-1, worker-2, worker-3, worker-4, worker-5, worker-6 | 0 |",
    );
  });

  it("says all eligible nodes hold a port when they do", async () => {
    const token = await h.register("six-workers");
    expect((await h.push(token, sixWorkersSnapshot("six-workers", "2026-11-27T11:59:00Z"))).status).toBe(200);
    const md = await h.query("reports.portMap", {
      cluster: "six-workers",
      format: "markdown",
    });
    expect(md.ok && md.data.content).toContain(
      "| 80 | TCP | 0.0.0.0 | openshift-ingress/router-default (Deployment) | all 6 eligible nodes | 0 |",
    );
  });
});

describe("staleness of a cluster that never pushed", () => {
  async function staleness(name: string) {
    const list = await h.query("clusters.list", {});
    const metrics = await (await h.app.request("/metrics", { headers: h.admin })).text();
    return {
      listed: list.ok ? list.data.clusters.find((c) => c.name === name)?.stale : undefined,
      metric: metrics.match(new RegExp(`^portolan_cluster_stale\\{cluster="${name}"\\} (\\d)$`, "m"))?.[1],
    };
  }

  it("counts from registration: fresh for the threshold, stale after it", async () => {
    await h.register("new-cluster");
    expect(await staleness("new-cluster")).toEqual({ listed: false, metric: "0" });

    clock += (STALE_AFTER_SECONDS - 1) * 1000;
    expect(await staleness("new-cluster")).toEqual({ listed: false, metric: "0" });

    clock += 2000;
    expect(await staleness("new-cluster")).toEqual({ listed: true, metric: "1" });
  });
});
