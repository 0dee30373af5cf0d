/**
 * Property: node listener reports keep the same history whether states reach the server whole or as
 * deltas as the agent builds them (a report upserted per node whose report changed, removed per node
 * no longer observed, gone with its node). Random sequences of states — nodes coming and going, reports appearing, changing and
 * disappearing, listeners with and without processes, interfaces and dual-stack flags — are pushed
 * whole to one cluster and as a mix of whole pushes and deltas to its twin; every history table then
 * holds the same rows for both (ids and cluster aside), headroom_versions included, which two Pending
 * workloads' listener-blocked nodes decide.
 */
import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeListeners, ObservedListener } from "../../src/contract/listeners.js";
import type { SnapshotInput } from "../../src/contract/snapshot.js";
import { rawRows } from "../../src/db/raw.js";
import { historyTables, tableName } from "../../src/services/history-tables.js";
import { createHarness, type Harness } from "../helpers/app.js";
import { deltaBody } from "../helpers/delta-body.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const at = (step: number) => new Date(T0 + step * 60_000).toISOString();
const NODES = ["n0", "n1", "n2"];

const listener: fc.Arbitrary<ObservedListener> = fc.record({
  protocol: fc.constantFrom("TCP" as const, "UDP" as const),
  address: fc.constantFrom("0.0.0.0", "127.0.0.1", "::", "10.0.0.5"),
  family: fc.constant(4 as const),
  port: fc.constantFrom(22, 53, 10250),
  scope: fc.constant("address" as const),
  processes: fc.uniqueArray(
    fc.record(
      { name: fc.constantFrom("sshd", "kubelet"), pid: fc.constantFrom(1, 2) },
      { requiredKeys: ["name"] },
    ),
    { maxLength: 2, selector: (p) => `${p.name}|${p.pid}` },
  ),
  interface: fc.constantFrom(undefined, "eth0"),
  dualStack: fc.constantFrom(undefined, true, false),
});

/** A listener with its family taken from the address, as the contract derives it. */
const normalised = (l: ObservedListener): ObservedListener => {
  const v6 = l.address.includes(":");
  const out: ObservedListener = { ...l, family: v6 ? 6 : 4 };
  if (!v6 || l.address !== "::") delete out.dualStack;
  if (out.interface === undefined) delete out.interface;
  if (out.dualStack === undefined) delete out.dualStack;
  return out;
};
const key = (l: ObservedListener) => `${l.protocol}|${l.address}|${l.port}|${l.interface ?? ""}`;

const report = (node: string): fc.Arbitrary<NodeListeners> =>
  fc.record({
    node: fc.constant(node),
    attribution: fc.constantFrom("none" as const, "process" as const),
    localPortRange: fc.constantFrom(undefined, { from: 32768, to: 60999 }),
    listeners: fc.uniqueArray(listener.map(normalised), { maxLength: 4, selector: key }),
  });

/** Which nodes exist and, of those, which carry a report. */
const stateArb = fc
  .record({
    nodes: fc.subarray(NODES, { minLength: 1 }),
    reports: fc.tuple(...NODES.map((n) => fc.option(report(n), { nil: undefined }))),
  })
  .map(({ nodes, reports }) => ({
    nodes,
    reports: reports.filter((r): r is NodeListeners => r !== undefined && nodes.includes(r.node)),
  }));
type State = typeof stateArb extends fc.Arbitrary<infer T> ? T : never;

/**
 * Two Pending workloads whose headroom the listeners decide (headroom_versions is compared too): a
 * hostNetwork one on 22 (the Linux bind rule) and an ordinary hostPort on 10250 (plan fit's rule).
 */
const PENDING: SnapshotInput["pods"] = [
  {
    namespace: "a",
    name: "ssh-proxy-0",
    node: null,
    phase: "Pending",
    hostNetwork: true,
    owner: { kind: "Deployment", name: "ssh-proxy" },
    ports: [{ container: "c", containerPort: 22, hostPort: 22 }],
  },
  {
    namespace: "a",
    name: "agent-0",
    node: null,
    phase: "Pending",
    owner: { kind: "Deployment", name: "agent" },
    ports: [{ container: "c", containerPort: 8080, hostPort: 10250 }],
  },
];

const snapshot = (cluster: string, step: number, state: State): SnapshotInput => ({
  schemaVersion: 1,
  cluster,
  observedAt: at(step),
  nodes: state.nodes.map((name) => ({ name, ready: true })),
  pods: PENDING,
  ...(state.reports.length > 0 ? { nodeListeners: state.reports.map(clean) } : {}),
});

function clean(r: NodeListeners): NodeListeners {
  const out: NodeListeners = { node: r.node, attribution: r.attribution, listeners: r.listeners };
  if (r.localPortRange) out.localPortRange = r.localPortRange;
  return out;
}

describe("node listener history", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  async function history(cluster: string) {
    const out: Record<string, string[]> = {};
    for (const table of historyTables.map(tableName)) {
      const rows = await rawRows<{ row: string }>(
        h.database.db,
        sql`SELECT (to_jsonb(t) - ARRAY['id', 'cluster_id'])::text AS row FROM ${sql.raw(table)} t
            JOIN clusters c ON c.id = t.cluster_id WHERE c.name = ${cluster} ORDER BY 1`,
      );
      out[table] = rows.map((r) => r.row);
    }
    return out;
  }

  it("is the same whether states are pushed whole or as deltas", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ state: stateArb, asDelta: fc.boolean() }), { minLength: 2, maxLength: 6 }),
        async (steps) => {
          await h.reset();
          const [whole, mixed] = await Promise.all([h.register("whole"), h.register("mixed")]);
          let previous: SnapshotInput | undefined;
          for (const [i, { state, asDelta }] of steps.entries()) {
            const wholeRes = await h.push(whole, snapshot("whole", i, state));
            expect(wholeRes.status, await wholeRes.clone().text()).toBe(200);
            const next = snapshot("mixed", i, state);
            // The agent's own delta builder (agents/src/push/delta.ts), reports included.
            const body = previous && asDelta ? deltaBody(previous, next) : next;
            const mixedRes = await h.push(mixed, body);
            expect(mixedRes.status, await mixedRes.clone().text()).toBe(200);
            previous = next;
          }
          expect(await history("mixed")).toEqual(await history("whole"));
        },
      ),
      { numRuns: 20 },
    );
  }, 300_000);
});
