/**
 * IngressControllers stored with history: whole snapshots and deltas (absent list = unchanged,
 * present = the whole new list), the declared-port projection beside them, as-of reads, clock reset.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { keyedState, stateChanges } from "../../agents/src/push/delta.js";
import type { SnapshotInput } from "../../src/contract/snapshot.js";
import { rawRows } from "../../src/db/raw.js";
import { factsFromState } from "../../src/domain/history.js";
import { loadFactState } from "../../src/services/base-states.js";
import { edgeProd, ingressController, ocpProd, useIngressFleet } from "../fixtures/ingress-fleet.js";
import type { Harness } from "../helpers/app.js";
import { canonical } from "../helpers/delta-body.js";

/** The delta from `before` to `after`; the IngressController list only when it changed. */
function deltaBody(before: SnapshotInput, after: SnapshotInput) {
  const from = canonical(before);
  const to = canonical(after);
  const changes = stateChanges(
    keyedState(from.state.nodes, from.state.pods),
    keyedState(to.state.nodes, to.state.pods),
  );
  const icsChanged =
    JSON.stringify(from.state.ingressControllers) !== JSON.stringify(to.state.ingressControllers);
  return {
    schemaVersion: 1,
    cluster: after.cluster,
    observedAt: after.observedAt,
    delta: {
      base: from.hash,
      hash: to.hash,
      ...changes,
      ...(icsChanged ? { ingressControllers: after.ingressControllers ?? [] } : {}),
    },
  };
}

async function declared(h: Harness, cluster: string) {
  const rows = await rawRows<{ row: string }>(
    h.database.db,
    sql`SELECT d.name || ' ' || d.node || ' ' || d.host_port AS row FROM declared_port_versions d
        JOIN clusters c ON c.id = d.cluster_id WHERE c.name = ${cluster} AND d.valid_to IS NULL ORDER BY 1`,
  );
  return rows.map((r) => r.row);
}

const names = (answer: { ingressControllers: { name: string }[] }) =>
  answer.ingressControllers.map((ic) => ic.name);

describe("IngressControllers on the server", () => {
  const fleet = useIngressFleet();

  it("stores a snapshot's IngressControllers and lists them with their effective placement", async () => {
    const answer = await fleet.h.query("clusters.ingressControllers", { cluster: "ocp-prod" });
    if (!answer.ok) throw new Error(answer.error.message);
    expect(names(answer.data)).toEqual(["default", "shard-a"]);
    const shard = answer.data.ingressControllers[1];
    expect(shard?.hostNetwork).toEqual({
      httpPort: 10080,
      httpsPort: 10443,
      statsPort: 11936,
      protocol: "TCP",
    });
    expect(shard?.effectiveNodeSelector).toEqual({
      "kubernetes.io/os": "linux",
      "node-role.kubernetes.io/worker": "",
    });
    expect(shard?.deployment).toEqual({
      namespace: "openshift-ingress",
      kind: "Deployment",
      name: "router-shard-a",
    });
  });

  it("declares an IngressController's ports on every selected worker except where its own router holds them", async () => {
    const ocp = await declared(fleet.h, "ocp-prod");
    // default's routers hold 80/443/1936 on w1 and w2: declared on w3 and w4 only; masters never.
    expect(ocp.filter((r) => r.startsWith("default "))).toEqual([
      "default w3 1936",
      "default w3 443",
      "default w3 80",
      "default w4 1936",
      "default w4 443",
      "default w4 80",
    ]);
    expect(ocp.filter((r) => r.startsWith("shard-a ")).map((r) => r.split(" ")[1])).toEqual([
      "w1",
      "w1",
      "w1",
      "w2",
      "w2",
      "w2",
      "w4",
      "w4",
      "w4",
    ]);
    // Every router Pending: the ports are declared on all three workers.
    expect(await declared(fleet.h, "edge-prod")).toHaveLength(9);
    expect(await declared(fleet.h, "k8s-prod")).toEqual([]);
  });

  it("applies deltas: an absent list keeps the IngressControllers, a present one replaces them, as-of sees the old", async () => {
    const { tokens } = fleet;
    const token = tokens["edge-prod"] ?? "";
    // A node added, IngressControllers unchanged (absent from the delta): edge declares on e4 too.
    const withE4: SnapshotInput = {
      ...edgeProd,
      observedAt: "2026-12-01T10:05:00Z",
      nodes: [
        ...edgeProd.nodes,
        {
          name: "e4",
          ready: true,
          labels: { "kubernetes.io/os": "linux", "node-role.kubernetes.io/worker": "" },
        },
      ],
    };
    const nodeDelta = deltaBody(edgeProd, withE4);
    expect(nodeDelta.delta).not.toHaveProperty("ingressControllers");
    expect((await fleet.h.push(token, nodeDelta)).status).toBe(200);
    expect(await declared(fleet.h, "edge-prod")).toHaveLength(12);
    // The list replaced: edge gone, edge-b added.
    const replaced: SnapshotInput = {
      ...withE4,
      observedAt: "2026-12-01T10:10:00Z",
      ingressControllers: [ingressController("edge-b", [20081, 20444, 21937], 1, 0)],
    };
    expect((await fleet.h.push(token, deltaBody(withE4, replaced))).status).toBe(200);
    const now = await fleet.h.query("clusters.ingressControllers", { cluster: "edge-prod" });
    const before = await fleet.h.query("clusters.ingressControllers", {
      cluster: "edge-prod",
      asOf: "2026-12-01T10:07:00Z",
    });
    if (!now.ok || !before.ok) throw new Error("query failed");
    expect(names(now.data)).toEqual(["edge-b"]);
    expect(names(before.data)).toEqual(["edge"]);
    expect((await declared(fleet.h, "edge-prod")).every((r) => r.startsWith("edge-b "))).toBe(true);
    // The base a delta is applied to when this process's memory misses: read back, the same list.
    const [cluster] = await rawRows<{ id: number }>(
      fleet.h.database.db,
      sql`SELECT id FROM clusters WHERE name = 'edge-prod'`,
    );
    const readBack = await loadFactState(fleet.h.database.db, cluster?.id ?? 0);
    expect(readBack.ingressControllers).toEqual(factsFromState(canonical(replaced).state).ingressControllers);
    const again: SnapshotInput = { ...replaced, observedAt: "2026-12-01T10:15:00Z", nodes: edgeProd.nodes };
    expect((await fleet.h.push(token, deltaBody(replaced, again))).status).toBe(200);
    expect(await declared(fleet.h, "edge-prod")).toHaveLength(9);
  });

  it("rolls IngressControllers and declared ports back with a clock reset", async () => {
    const { tokens } = fleet;
    const later: SnapshotInput = { ...ocpProd, observedAt: "2026-12-01T11:00:00Z", ingressControllers: [] };
    expect((await fleet.h.push(tokens["ocp-prod"] ?? "", later)).status).toBe(200);
    expect(await declared(fleet.h, "ocp-prod")).toEqual([]);
    const reset = await fleet.h.mutate("clusters.resetClock", {
      name: "ocp-prod",
      to: "2026-12-01T10:30:00Z",
    });
    if (!reset.ok) throw new Error(reset.error.message);
    expect(reset.data.reopened.ingressControllers).toBe(2);
    expect(await declared(fleet.h, "ocp-prod")).toHaveLength(15);
  });
});
