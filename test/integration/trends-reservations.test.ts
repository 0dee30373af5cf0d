import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { snapshot } from "../fixtures/snapshots.js";
import { at, exporter, workers } from "../fixtures/trend-history.js";
import { createHarness, type Harness } from "../helpers/app.js";
import type { InputOf } from "../helpers/trpc-types.js";

let h: Harness;
let clock = new Date("2026-11-28T00:00:00Z");
beforeAll(async () => {
  h = await createHarness({ now: () => clock });
});
afterAll(() => h.close());
beforeEach(async () => {
  clock = new Date("2026-11-28T00:00:00Z");
  await h.reset();
});

describe("trends over a replayed history", () => {
  /** 10:00 two nodes/exporters · 10:30 a third · 12:00 the second goes · 13:00 unchanged heartbeat */
  async function replay() {
    const token = await h.register("prod-eu-1");
    const pushes = [
      snapshot("prod-eu-1", at(10), workers(2), [exporter(1), exporter(2)]),
      snapshot("prod-eu-1", at(10, 30), workers(3), [exporter(1), exporter(2), exporter(3)]),
      snapshot("prod-eu-1", at(12), workers(3), [exporter(1), exporter(3)]),
      snapshot("prod-eu-1", at(13), workers(3), [exporter(1), exporter(3)]),
    ];
    for (const s of pushes) expect((await h.push(token, s)).status).toBe(200);
  }

  it("counts allocations, pods and nodes at each step exactly", async () => {
    await replay();
    const answer = await h.query("trends.allocations", {
      from: at(9),
      to: at(13),
      step: "1h",
      hostPort: 9100,
      cluster: "prod-eu-1",
    });
    expect(answer.ok && answer.data.points).toEqual([
      { t: at(9), allocations: null, pods: null, nodes: null }, // before the first push: unknown
      { t: at(10), allocations: 2, pods: 2, nodes: 2 },
      { t: at(11), allocations: 3, pods: 3, nodes: 3 },
      { t: at(12), allocations: 2, pods: 2, nodes: 3 },
      { t: at(13), allocations: 2, pods: 2, nodes: 3 },
    ]);
  });

  it("stops counting a cluster at its removal, fleet-wide and by name", async () => {
    await replay();
    const other = await h.register("prod-us-1");
    const early = snapshot("prod-us-1", at(10), workers(2), [exporter(1), exporter(2)]);
    expect((await h.push(other, early)).status).toBe(200);
    clock = new Date(at(11, 30));
    expect((await h.mutate("clusters.remove", { name: "prod-us-1" })).ok).toBe(true);
    const range = { from: at(9), to: at(13), step: "1h", hostPort: 9100 };
    const fleet = await h.query("trends.allocations", range);
    expect(fleet.ok && fleet.data.points).toEqual([
      { t: at(9), allocations: null, pods: null, nodes: null }, // before the first push: unknown
      { t: at(10), allocations: 4, pods: 4, nodes: 4 },
      { t: at(11), allocations: 5, pods: 5, nodes: 5 },
      { t: at(12), allocations: 2, pods: 2, nodes: 3 },
      { t: at(13), allocations: 2, pods: 2, nodes: 3 },
    ]);
    const named = await h.query("trends.allocations", { ...range, cluster: "prod-us-1" });
    expect(named.ok && named.data.points.map((p) => [p.allocations, p.nodes])).toEqual([
      [null, null],
      [2, 2],
      [2, 2],
      [0, 0],
      [0, 0],
    ]);
  });

  it("agrees with as-of answers at each step", async () => {
    await replay();
    const trend = await h.query("trends.allocations", {
      from: at(10),
      to: at(12, 30),
      step: "30m",
      hostPort: 9100,
    });
    for (const point of trend.ok ? trend.data.points : []) {
      const who = await h.query("ports.who", {
        hostPort: 9100,
        asOf: point.t,
      });
      expect(who.ok && who.data.summary?.total).toBe(point.allocations);
    }
  });

  it("filters by workload and refuses an unusable range", async () => {
    await replay();
    const none = await h.query("trends.allocations", {
      from: at(11),
      to: at(11),
      step: "1h",
      workload: { namespace: "monitoring", kind: "Deployment", name: "node-exporter" },
    });
    expect(none.ok && none.data.points.map((p) => p.allocations)).toEqual([0]);
    const backwards = await h.query("trends.allocations", { from: at(12), to: at(11), step: "1h" });
    expect(backwards).toMatchObject({ status: 400, ok: false, error: { data: { reason: "INVALID_RANGE" } } });
    const badStep = await h.query("trends.allocations", { from: at(11), to: at(12), step: "hourly" });
    expect(badStep).toMatchObject({ status: 400, ok: false });
    const tooMany = await h.query("trends.allocations", { from: at(0), to: at(23), step: "1s" });
    expect(tooMany).toMatchObject({ status: 400, ok: false, error: { data: { reason: "TOO_MANY_POINTS" } } });
  });

  it("finds a removed cluster as it was during the range: removed after `from` it answers, before, 404", async () => {
    await replay();
    clock = new Date(at(12, 30));
    expect((await h.mutate("clusters.remove", { name: "prod-eu-1" })).ok).toBe(true);
    const during = await h.query("trends.allocations", {
      from: at(11),
      to: at(12),
      step: "1h",
      cluster: "prod-eu-1",
    });
    expect(during.ok && during.data.points.map((p) => p.allocations)).toEqual([3, 2]);
    const after = await h.query("trends.allocations", {
      from: at(13),
      to: at(14),
      step: "1h",
      cluster: "prod-eu-1",
    });
    expect(after).toMatchObject({ status: 404, ok: false });
  });
});

describe("reservations", () => {
  const reserve = (input: Omit<InputOf<"reservations.create">, "owner" | "purpose">) =>
    h.mutate("reservations.create", {
      owner: "team-ingress",
      purpose: "router-shard-b",
      ...input,
    });

  it("refuses an overlapping reservation for the same protocol and clusters with CONFLICT", async () => {
    await h.register("prod-eu-1", { env: "prod" });
    await h.register("dev-eu-1", { env: "dev" });
    expect((await reserve({ portFrom: 10080, portTo: 10082, clusters: ["prod-eu-1"] })).ok).toBe(true);
    const clash = await reserve({ portFrom: 10082, portTo: 10090, labelSelector: { env: "prod" } });
    expect(clash).toMatchObject({
      status: 409,
      ok: false,
      error: { data: { reason: "RESERVATION_OVERLAP" } },
    });
    expect(!clash.ok && clash.error.message).toMatch(/overlaps reservation #1/);
    expect(
      (await reserve({ portFrom: 10082, portTo: 10090, protocol: "UDP", clusters: ["prod-eu-1"] })).ok,
    ).toBe(true);
    expect((await reserve({ portFrom: 10082, portTo: 10090, clusters: ["dev-eu-1"] })).ok).toBe(true);
  });

  it("lets expired reservations stop counting", async () => {
    await h.register("prod-eu-1");
    const expiring = await reserve({ portFrom: 20000, portTo: 20002, expiresAt: "2026-11-28T06:00:00Z" });
    expect(expiring.ok).toBe(true);
    const listed = await h.query("reservations.list", {});
    expect(listed.ok && listed.data).toHaveLength(1);

    clock = new Date("2026-11-28T07:00:00Z");
    const afterExpiry = await h.query("reservations.list", {});
    expect(afterExpiry.ok && afterExpiry.data).toHaveLength(0);
    expect((await reserve({ portFrom: 20001, portTo: 20005 })).ok).toBe(true);
    const withExpired = await h.query("reservations.list", { includeExpired: true });
    expect(withExpired.ok && withExpired.data).toHaveLength(2);
  });

  it("lists reservations covering a cluster and deletes by id", async () => {
    await h.register("prod-eu-1", { env: "prod" });
    await h.register("dev-eu-1", { env: "dev" });
    const fleetWide = await reserve({ portFrom: 30000, portTo: 30000 });
    await reserve({ portFrom: 40000, portTo: 40001, labelSelector: { env: "dev" } });
    const forProd = await h.query("reservations.list", { cluster: "prod-eu-1" });
    expect(forProd.ok && forProd.data.map((r) => r.portFrom)).toEqual([30000]);
    const id = fleetWide.ok ? fleetWide.data.id : 0;
    expect((await h.mutate("reservations.delete", { id })).ok).toBe(true);
    expect(await h.mutate("reservations.delete", { id })).toMatchObject({ status: 404 });
  });

  it("refuses a reversed range, a past expiry and an unknown cluster", async () => {
    await h.register("prod-eu-1");
    expect(await reserve({ portFrom: 9000, portTo: 8000 })).toMatchObject({ status: 400 });
    expect(await reserve({ portFrom: 8000, portTo: 8001, expiresAt: "2026-11-27T00:00:00Z" })).toMatchObject({
      status: 400,
    });
    expect(await reserve({ portFrom: 8000, portTo: 8001, clusters: ["nowhere"] })).toMatchObject({
      status: 404,
    });
  });

  it("lists by cluster only for a registered cluster, as every question about now", async () => {
    await h.register("prod-eu-1");
    expect((await reserve({ portFrom: 8000, portTo: 8001, clusters: ["prod-eu-1"] })).ok).toBe(true);
    const listed = await h.query("reservations.list", { cluster: "prod-eu-1" });
    expect(listed.ok && listed.data.map((r) => r.portFrom)).toEqual([8000]);
    expect((await h.mutate("clusters.remove", { name: "prod-eu-1" })).ok).toBe(true);
    expect(await h.query("reservations.list", { cluster: "prod-eu-1" })).toMatchObject({ status: 404 });
  });
});
