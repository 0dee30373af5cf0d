/**
 * Property: no IngressController shape a cluster can hold makes a push answer 5xx. Random
 * IngressControllers (ports set, 0 or unset, coinciding with each other and with pods' ports;
 * protocols; strategies; placements with selectors and tolerations; replicas; names and router
 * Deployments shared or colliding with pods' owners) are pushed in histories through the real HTTP
 * app, as whole snapshots to one cluster and as deltas to its twin. Every push answers below 500,
 * the twins' open history is the same (no key open twice, nothing lost), and a plain push after the
 * history still records.
 */

import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SnapshotInput } from "../../src/contract/snapshot.js";
import { rawRows } from "../../src/db/raw.js";
import { historyTables, tableName } from "../../src/services/history-tables.js";
import { createHarness, type Harness } from "../helpers/app.js";
import { canonical, deltaBody } from "../helpers/delta-body.js";

type NodeInput = SnapshotInput["nodes"][number];
type PodInput = SnapshotInput["pods"][number];
type IcInput = NonNullable<SnapshotInput["ingressControllers"]>[number];

const NODES = ["n0", "n1", "n2"];
/** The CRD's defaults, 0 (= default), the extremes, and a few the pods hold too. */
const PORTS = [0, 1, 80, 443, 1936, 8080, 65535];
const IC_NAMES = ["default", "shard-a", "a.b"];
const IC_NAMESPACES = ["openshift-ingress-operator", "openshift-ingress"];
const T0 = Date.parse("2026-03-01T00:00:00Z");

const labelsArb = fc.dictionary(
  fc.constantFrom("kubernetes.io/os", "node-role.kubernetes.io/worker", "node-role.kubernetes.io/infra"),
  fc.constantFrom("", "linux"),
  { maxKeys: 3 },
);

const nodeArb = (name: string) =>
  fc.record({
    name: fc.constant(name),
    ready: fc.boolean(),
    unschedulable: fc.boolean(),
    labels: labelsArb,
    taints: fc.constantFrom(
      [],
      [{ key: "node-role.kubernetes.io/infra", effect: "NoSchedule" as const }],
      [{ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" as const }],
    ),
  }) satisfies fc.Arbitrary<NodeInput>;

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const hostNetworkArb = fc.record(
  {
    httpPort: fc.constantFrom(...PORTS),
    httpsPort: fc.constantFrom(...PORTS),
    statsPort: fc.constantFrom(...PORTS),
    protocol: fc.constantFrom("", "TCP", "PROXY"),
  },
  { requiredKeys: [] },
);

const tolerationArb = fc.record(
  {
    key: fc.constantFrom("", "node-role.kubernetes.io/infra", "node.kubernetes.io/unschedulable"),
    operator: fc.constantFrom("Exists" as const, "Equal" as const),
    value: fc.constantFrom("", "reserved"),
    effect: fc.constantFrom("" as const, "NoSchedule" as const, "NoExecute" as const),
  },
  { requiredKeys: [] },
);

const icArb = fc.record({
  namespace: fc.constantFrom(...IC_NAMESPACES),
  name: fc.constantFrom(...IC_NAMES),
  replicas: optional(fc.option(fc.integer({ min: 0, max: 4 }), { nil: null })),
  availableReplicas: optional(fc.option(fc.integer({ min: 0, max: 4 }), { nil: null })),
  endpointPublishingStrategy: optional(
    fc.constantFrom(null, "HostNetwork", "LoadBalancerService", "NodePortService", "Private"),
  ),
  hostNetwork: optional(fc.option(hostNetworkArb, { nil: null })),
  nodeSelector: optional(fc.option(labelsArb, { nil: null })),
  tolerations: optional(fc.array(tolerationArb, { maxLength: 2 })),
  deployment: optional(
    fc.option(
      fc.record({
        namespace: fc.constantFrom("openshift-ingress", "openshift-ingress-operator"),
        name: fc.constantFrom("router-default", "router-shard-a", "default"),
      }),
      { nil: null },
    ),
  ),
});

/** Pods that may be an IngressController's router, or claim to be owned by one (kind IngressController). */
const podArb = fc.record({
  namespace: fc.constantFrom(...IC_NAMESPACES),
  name: fc.constantFrom("router-default-1", "router-default-2", "default"),
  node: fc.nat(),
  owner: fc.constantFrom(
    { kind: "Deployment", name: "router-default" },
    { kind: "Deployment", name: "router-shard-a" },
    { kind: "IngressController", name: "default" },
    null,
  ),
  ports: fc.uniqueArray(fc.constantFrom(1, 80, 443, 1936, 8080, 65535), { maxLength: 3 }),
});

const stateArb = fc.record({
  nodes: fc.subarray(NODES, { minLength: 1 }).chain((names) => fc.tuple(...names.map(nodeArb))),
  pods: fc.uniqueArray(podArb, { maxLength: 3, selector: (p) => `${p.namespace}/${p.name}` }),
  ingressControllers: fc.uniqueArray(icArb, { maxLength: 3, selector: (ic) => `${ic.namespace}/${ic.name}` }),
});

type State = typeof stateArb extends fc.Arbitrary<infer T> ? T : never;

function snapshotOf(cluster: string, at: number, state: State): SnapshotInput {
  const nodes = state.nodes as NodeInput[];
  return {
    schemaVersion: 1,
    cluster,
    observedAt: new Date(at).toISOString(),
    nodes,
    pods: state.pods.map(
      (p): PodInput => ({
        namespace: p.namespace,
        name: p.name,
        node: nodes[p.node % nodes.length]?.name ?? null,
        phase: "Running",
        hostNetwork: true,
        owner: p.owner,
        ports: p.ports.map((hostPort) => ({ container: "router", containerPort: hostPort, hostPort })),
      }),
    ),
    ingressControllers: state.ingressControllers as IcInput[],
  };
}

/** A delta from `before` to `after`, with the IngressController list when it changed (as the agent sends it). */
function deltaOf(before: SnapshotInput, after: SnapshotInput) {
  const body = deltaBody(before, after);
  const changed =
    JSON.stringify(canonical(before).state.ingressControllers) !==
    JSON.stringify(canonical(after).state.ingressControllers);
  return changed ? { ...body, delta: { ...body.delta, ingressControllers: after.ingressControllers } } : body;
}

/** A cluster's open rows in every history table, as comparable text. */
async function openHistory(h: Harness, cluster: string): Promise<string[]> {
  const tables = historyTables.map(tableName);
  const rows: string[] = [];
  for (const table of tables) {
    const found = await rawRows<{ fp: string }>(
      h.database.db,
      sql`SELECT t.fp FROM ${sql.raw(table)} t JOIN clusters c ON c.id = t.cluster_id
          WHERE c.name = ${cluster} AND t.valid_to IS NULL ORDER BY t.fp`,
    );
    rows.push(...found.map((r) => `${table} ${r.fp}`));
  }
  return rows;
}

describe("IngressController shapes", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  it("never answer a push 5xx, and whole and delta twins keep the same history", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(stateArb, { minLength: 1, maxLength: 3 }), async (states) => {
        // Fresh clusters per run instead of a database reset: cheaper, and runs cannot meet.
        run += 1;
        const [wholeName, twinName] = [`whole-${run}`, `twin-${run}`];
        const whole = await h.register(wholeName);
        const twin = await h.register(twinName);
        let previous: SnapshotInput | null = null;
        for (const [i, state] of states.entries()) {
          const at = T0 + i * 60_000;
          const snapshot = snapshotOf(wholeName, at, state);
          const res = await h.push(whole, snapshot);
          expect(res.status, await res.clone().text()).toBeLessThan(500);
          const accepted = res.status === 200;
          const mine = snapshotOf(twinName, at, state);
          const twinRes = await h.push(twin, previous && accepted ? deltaOf(previous, mine) : mine);
          expect(twinRes.status, await twinRes.clone().text()).toBeLessThan(500);
          expect(twinRes.status).toBe(res.status);
          if (accepted) previous = mine;
        }
        const [a, b] = [await openHistory(h, wholeName), await openHistory(h, twinName)];
        expect(b).toEqual(a);
        // The history goes on: a plain push after whatever came before records.
        const plain: SnapshotInput = {
          schemaVersion: 1,
          cluster: wholeName,
          observedAt: new Date(T0 + 3_600_000).toISOString(),
          nodes: [{ name: "n0", ready: true }],
          pods: [],
        };
        const last = await h.push(whole, plain);
        expect(last.status, await last.clone().text()).toBe(200);
      }),
      { numRuns: Number(process.env.IC_SHAPE_RUNS ?? 15) },
    );
  }, 180_000);
});
