/**
 * capacity.headroom, `portolan headroom` and /metrics say per workload whether its next rollout can
 * finish (docs/planning.md, "Rollouts that will not finish"): on the six-worker cluster with workers
 * 4–6 cordoned, monitoring-proxy's 3 replicas fill the 3 workers left and the default strategy
 * (25% of 3: maxUnavailable 0) stalls (kubernetes#90669); router-default has 6 replicas for 3 nodes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sixWorkersSnapshot } from "../fixtures/six-workers.js";
import { createHarness, type Harness } from "../helpers/app.js";

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ now: () => new Date("2026-11-27T12:00:00Z") });
  const token = await h.register("six-workers");
  const state = sixWorkersSnapshot();
  for (const n of state.nodes)
    if (["worker-4", "worker-5", "worker-6"].includes(n.name)) n.unschedulable = true;
  expect((await h.push(token, state)).status).toBe(200);
});
afterAll(() => h.close());

describe("the next rollout of each workload", () => {
  it("is in capacity.headroom with why and the fix", async () => {
    const answer = await h.query("capacity.headroom", { clusters: ["six-workers"] });
    if (!answer.ok) throw new Error(answer.error.message);
    const byName = new Map(answer.data.workloads.map((w) => [w.name, w.rollout]));
    expect(byName.get("monitoring-proxy")).toMatchObject({
      outcome: "stalls",
      assumption: "the default",
      fixes: [
        "set maxSurge: 0 and maxUnavailable: 1",
        "add one eligible node with the ports free",
        "lower replicas to 2",
      ],
    });
    expect(byName.get("monitoring-proxy")?.why).toContain("kubernetes#90669");
    expect(byName.get("router-default")).toMatchObject({
      outcome: "stalls",
      fixes: ["lower replicas to 3", "add 3 eligible nodes with the ports free"],
    });
  });

  it("is a gauge on /metrics, 1 or 0, with the headroom gauge's labels", async () => {
    const text = await (await h.app.request("/metrics", { headers: h.admin })).text();
    expect(text).toContain("# TYPE portolan_workload_rollout_completes gauge");
    expect(text).toContain(
      'portolan_workload_rollout_completes{cluster="six-workers",namespace="monitoring",kind="Deployment",name="monitoring-proxy"} 0',
    );
    // DaemonSets get no headroom row, so no rollout series either: one series per headroom row at most
    const series = text.split("\n").filter((l) => l.startsWith("portolan_workload_rollout_completes{"));
    const headroom = text.split("\n").filter((l) => l.startsWith("portolan_workload_headroom{"));
    expect(series.length).toBe(headroom.length);
  });
});
