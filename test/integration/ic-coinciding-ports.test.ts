/**
 * An IngressController whose HostNetwork ports coincide (httpPort 443 with httpsPort defaulted to 443)
 * is what a real cluster can hold: the CRD admits it. Its push is stored, the IngressController is
 * marked self-conflicting, each port is declared once per node, and the cluster's later pushes still
 * record (whole and delta).
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SnapshotInput } from "../../src/contract/snapshot.js";
import { rawRows } from "../../src/db/raw.js";
import { EDGE_PORTS, edgeProd, FLEET_LABELS, ingressController } from "../fixtures/ingress-fleet.js";
import { createHarness, type Harness } from "../helpers/app.js";
import { deltaBody } from "../helpers/delta-body.js";

/** httpPort 443; httpsPort unset, so the contract's default (443) applies, as the CRD's would. */
const selfConflicting = {
  ...ingressController("edge", EDGE_PORTS, 2, 0),
  hostNetwork: { httpPort: 443, statsPort: 1936 },
} as NonNullable<SnapshotInput["ingressControllers"]>[number];

const at = (minutes: number) => new Date(Date.parse(edgeProd.observedAt) + minutes * 60_000).toISOString();

async function declared(h: Harness) {
  const rows = await rawRows<{ row: string }>(
    h.database.db,
    sql`SELECT d.node || ' ' || d.host_port AS row FROM declared_port_versions d
        WHERE d.valid_to IS NULL ORDER BY 1`,
  );
  return rows.map((r) => r.row);
}

describe("an IngressController whose host ports coincide", () => {
  let h: Harness;
  let token: string;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    await h.reset();
    token = await h.register("edge-prod", FLEET_LABELS["edge-prod"]);
  });

  it("is stored, marked self-conflicting, with each of its ports declared once per node", async () => {
    const snapshot: SnapshotInput = { ...edgeProd, pods: [], ingressControllers: [selfConflicting] };
    const res = await h.push(token, snapshot);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await declared(h)).toEqual(["e1 1936", "e1 443", "e2 1936", "e2 443", "e3 1936", "e3 443"]);
    const listed = await h.query("clusters.ingressControllers", { cluster: "edge-prod" });
    if (!listed.ok) throw new Error(listed.error.message);
    const [ic] = listed.data.ingressControllers;
    expect(ic?.hostNetwork).toMatchObject({ httpPort: 443, httpsPort: 443, statsPort: 1936 });
    expect(ic?.coincidingPorts).toEqual([{ hostPort: 443, fields: ["httpPort", "httpsPort"] }]);
    expect(ic?.selfConflict).toMatch(/^httpPort and httpsPort are both 443: /);
    const plan = await h.query("capacity.headroom", { clusters: ["edge-prod"] });
    if (!plan.ok) throw new Error(plan.error.message);
    const row = plan.data.workloads.find((w) => w.kind === "IngressController");
    expect(row?.ports.map((p) => p.hostPort)).toEqual([443, 1936]);
    // The dashboard's IngressController table says so too.
    const created = await h.mutate("tokens.createRead", { name: "dashboard" });
    if (!created.ok) throw new Error(created.error.message);
    const dashboard = await h.app.request("/clusters/edge-prod", {
      headers: { cookie: `portolan_token=${created.data.token}` },
    });
    const list = (await dashboard.text()).split('id="ic-list-heading"')[1] ?? "";
    expect(list).toContain("443, 443, 1936");
    expect(list).toContain("self-conflicting");
  });

  it("leaves the cluster recording: later whole and delta pushes are accepted", async () => {
    const first: SnapshotInput = { ...edgeProd, pods: [], ingressControllers: [selfConflicting] };
    expect((await h.push(token, first)).status).toBe(200);
    // A whole snapshot with every port coinciding, then one fixing it, then a delta back.
    const allThree: SnapshotInput = {
      ...first,
      observedAt: at(1),
      ingressControllers: [{ ...selfConflicting, hostNetwork: { httpPort: 443, statsPort: 443 } }],
    };
    expect((await h.push(token, allThree)).status).toBe(200);
    expect(await declared(h)).toEqual(["e1 443", "e2 443", "e3 443"]);
    const fixed: SnapshotInput = {
      ...first,
      observedAt: at(2),
      ingressControllers: [ingressController("edge", EDGE_PORTS, 2, 0)],
    };
    expect((await h.push(token, fixed)).status).toBe(200);
    expect(await declared(h)).toHaveLength(9);
    const back: SnapshotInput = { ...first, observedAt: at(3) };
    const delta = {
      ...deltaBody(fixed, back),
      delta: { ...deltaBody(fixed, back).delta, ingressControllers: back.ingressControllers },
    };
    const res = await h.push(token, delta);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await declared(h)).toHaveLength(6);
    const log = await rawRows<{ n: number }>(h.database.db, sql`SELECT count(*)::int AS n FROM snapshots`);
    expect(log[0]?.n).toBe(4);
  });

  it("keeps one headroom row when a pod names the IngressController as its owner", async () => {
    const ownedByController = {
      namespace: "openshift-ingress-operator",
      name: "edge-helper",
      node: "e1",
      phase: "Running" as const,
      owner: { kind: "IngressController", name: "edge" },
      ports: [{ container: "helper", containerPort: 9000, hostPort: 9000 }],
    };
    const snapshot: SnapshotInput = {
      ...edgeProd,
      pods: [ownedByController],
      ingressControllers: [ingressController("edge", EDGE_PORTS, 2, 0)],
    };
    const res = await h.push(token, snapshot);
    expect(res.status, await res.clone().text()).toBe(200);
    const plan = await h.query("capacity.headroom", { clusters: ["edge-prod"] });
    if (!plan.ok) throw new Error(plan.error.message);
    const rows = plan.data.workloads.filter((w) => w.kind === "IngressController");
    expect(rows.map((w) => w.ports.map((p) => p.hostPort))).toEqual([EDGE_PORTS]);
  });
});
