/**
 * The port map read narrowly (loadHeldPortFacts: the lowest-named pod of each workload, the holds
 * grouped per key and workload in SQL, undeclared hostNetwork pods counted and sampled in SQL) answers
 * exactly what the map over the whole ClusterView answers, now and as of past instants.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Protocol, SnapshotInput } from "../../src/contract/snapshot.js";
import { boundedEntry, boundedPortMap, buildPortMap, NODE_NAME_SAMPLE } from "../../src/domain/port-map.js";
import { heldPortMapPage } from "../../src/domain/port-map-held.js";
import { ownerOf } from "../../src/domain/workload.js";
import { findCluster } from "../../src/services/cluster-selection.js";
import { loadClusterView } from "../../src/services/cluster-view.js";
import { loadHeldPortFacts } from "../../src/services/port-map-held.js";
import { generatedSnapshot } from "../fixtures/generated-fleet.js";
import { createHarness, type Harness } from "../helpers/app.js";

type PodInput = SnapshotInput["pods"][number];

const CLUSTER = "narrow";
const PUSHES = ["08:00", "09:00", "10:00"].map((t) => `2026-11-27T${t}:00Z`);
const NOW = new Date("2026-11-27T12:00:00Z");
const INSTANTS: (Date | undefined)[] = ["08:30", "09:30"].map((t) => new Date(`2026-11-27T${t}:00Z`));
INSTANTS.push(undefined);
const label = (asOf: Date | undefined) => (asOf ? `as of ${asOf.toISOString().slice(11, 16)}` : "now");

/**
 * The generated cluster, with replicas whose rules differ (the lowest-named one decides; in the
 * second push that is a Pending pod that holds no port), bare pods, and more hostNetwork pods
 * without ports than an answer lists, named so that "-", "." and digits decide their order.
 */
function snapshotAt(observedAt: string, i: number): SnapshotInput {
  const base = generatedSnapshot(CLUSTER, observedAt, 7 + i);
  // router-1's rules differ from router-0's; in the last push router-0 is gone and router-1 decides.
  const pods: PodInput[] = base.pods
    .filter((pod) => i < 2 || pod.name !== "router-0")
    .map((pod) =>
      pod.name === "router-1"
        ? { ...pod, nodeSelector: { zone: "b" }, tolerations: [{ operator: "Exists" as const }] }
        : pod,
    );
  if (i === 1) {
    pods.push({
      namespace: "ingress",
      name: "router--canary",
      node: null,
      phase: "Pending",
      owner: { kind: "Deployment", name: "router" },
      ports: [],
      nodeSelector: { zone: "c" },
    });
  }
  for (const [k, name] of ["solo-a", "solo-b"].entries()) {
    pods.push({
      namespace: "bare",
      name,
      node: base.nodes[k]?.name ?? null,
      phase: "Running",
      ports: [{ container: "main", containerPort: 7000, hostPort: 7000 }],
      ...(k === 0 ? { nodeSelector: { zone: "a" } } : {}),
    });
  }
  const undeclared = 40 + 15 * i; // below the sample size, then above it
  for (let k = 0; k < undeclared; k++) {
    pods.push({
      namespace: k % 2 === 0 ? "agents" : "agents-x",
      name: ["probe-", "probe.", "probe"][k % 3] + String(k),
      node: base.nodes[k % base.nodes.length]?.name ?? null,
      phase: "Running",
      hostNetwork: true,
      owner: k % 4 === 0 ? null : { kind: "DaemonSet", name: "probe" },
      ports: [],
    });
  }
  return { ...base, pods };
}

let clock = NOW;
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ now: () => clock });
  const token = await h.register(CLUSTER);
  for (const [i, at] of PUSHES.entries()) {
    clock = new Date(at);
    expect((await h.push(token, snapshotAt(at, i))).status).toBe(200);
  }
  clock = NOW;
}, 60_000);
afterAll(() => h.close());

/** The map the old way: the whole view, every pod's rules, the undeclared pods sorted in JavaScript. */
async function mapOverWholeView(asOf: Date | undefined) {
  const cluster = await findCluster(h.database.db, CLUSTER, { asOf });
  const view = await loadClusterView(h.database.db, { cluster, asOf });
  const undeclared = view.pods
    .filter((p) => p.hostNetwork && p.ports.length === 0)
    .map((p) => ({ namespace: p.namespace, pod: p.name, node: p.node, owner: ownerOf(p) }))
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.pod.localeCompare(b.pod));
  return { cluster, view, undeclared };
}

describe("the narrow port map", () => {
  for (const asOf of INSTANTS) {
    it(`equals buildPortMap over the whole ClusterView ${label(asOf)}`, async () => {
      const { cluster, view } = await mapOverWholeView(asOf);
      const whole = buildPortMap(view);
      const ports = [...new Set(whole.rows.map((r) => r.hostPort))];
      const facts = await loadHeldPortFacts(h.database.db, { cluster, asOf }, ports, NODE_NAME_SAMPLE);
      expect(facts.pods.length).toBeLessThan(view.pods.length);
      // Every name: no sample cuts the lists the comparison reads.
      const all = Number.MAX_SAFE_INTEGER;
      const map = heldPortMapPage(facts, whole.rows, [], all);
      expect(map.ports.map(({ pageNodes: _, ...row }) => row)).toEqual(
        whole.rows.map((r) => boundedEntry(r, all)),
      );
      expect(map.schedulableNodes).toBe(whole.schedulableNodes.length);
      expect(whole.rows.some((r) => r.freeNodes.length > 0)).toBe(true);
    });

    it(`answers ports.map as the whole view does ${label(asOf)}`, async () => {
      const { view, undeclared } = await mapOverWholeView(asOf);
      expect(undeclared.length).toBeGreaterThan(0);
      const answer = await h.query("ports.map", {
        cluster: CLUSTER,
        ...(asOf ? { asOf: asOf.toISOString() } : {}),
      });
      if (!answer.ok) throw new Error(answer.error.message);
      expect(answer.data).toMatchObject({
        nodes: view.nodes.length,
        ...boundedPortMap(view),
        undeclaredHostNetworkPodCount: undeclared.length,
        undeclaredHostNetworkPods: undeclared.slice(0, NODE_NAME_SAMPLE),
      });
    });

    it(`pages ports.freeNodes as the whole view's map lists them ${label(asOf)}`, async () => {
      const { view } = await mapOverWholeView(asOf);
      for (const row of buildPortMap(view).rows) {
        const answer = await h.query("ports.freeNodes", {
          cluster: CLUSTER,
          hostPort: row.hostPort,
          // the map's rows carry stored protocols, which ingest validated
          protocol: row.protocol as Protocol,
          hostIP: row.hostIP,
          limit: 500,
          ...(asOf ? { asOf: asOf.toISOString() } : {}),
        });
        if (!answer.ok) throw new Error(answer.error.message);
        expect(answer.data.freeCount, `${row.hostPort}/${row.protocol}/${row.hostIP}`).toBe(
          row.freeNodes.length,
        );
        expect(answer.data.nodes).toEqual([...row.freeNodes].sort());
      }
    });
  }
});
