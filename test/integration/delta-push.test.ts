/**
 * Delta pushes through the real app: a delta against the cluster's last accepted state is applied
 * like the whole snapshot it stands for; one against any other base is refused (409 BASE_MISMATCH)
 * and writes nothing. Property: random sequences of states pushed whole into one database and as
 * deltas into another (applied from memory or read back from the database) leave identical history.
 */

import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import type { SnapshotInput } from "../../src/contract/snapshot.js";
import { rawRows } from "../../src/db/raw.js";
import { historyTables, openKeyColumns, tableName } from "../../src/services/history-tables.js";
import { ADMIN_TOKEN, createHarness, type Harness } from "../helpers/app.js";
import { deltaBody } from "../helpers/delta-body.js";
import { type StateInput, snapshotOf, stateArb } from "../property/states.js";

const CLUSTER = "prod-eu-1";
const T0 = Date.parse("2026-01-01T00:00:00Z");
const at = (step: number) => new Date(T0 + step * 60_000).toISOString();

/** Everything a push writes, without ids and server times: history, the log, the cluster row. */
async function written(harness: Harness) {
  const db = harness.database.db;
  const rows = (table: string, without: string) =>
    rawRows<{ row: string }>(
      db,
      sql.raw(`SELECT (to_jsonb(t) - ARRAY['id', ${without}])::text AS row FROM ${table} t ORDER BY 1`),
    ).then((r) => r.map((x) => x.row));
  const history: Record<string, string[]> = {};
  for (const table of historyTables) history[table.name] = await rows(tableName(table), "'cluster_id'");
  return {
    ...history,
    log: await rows("snapshots", "'cluster_id', 'received_at', 'agent_version', 'agent_mode'"),
    cluster: await rawRows(
      db,
      sql`SELECT name, last_observed_at::text, last_snapshot_hash, snapshots_accepted::int, snapshots_changed::int,
            port_summary::text FROM clusters ORDER BY name`,
    ),
  };
}

const node = (name: string) => ({ name, ready: true });
const exporter = (name: string, nodeName: string) => ({
  namespace: "monitoring",
  name,
  node: nodeName,
  phase: "Running" as const,
  owner: { kind: "DaemonSet", name: "node-exporter" },
  ports: [{ container: "exporter", containerPort: 9100, hostPort: 9100 }],
});
const stateA: StateInput = {
  nodes: [node("n0"), node("n1")],
  pods: [exporter("e0", "n0"), exporter("e1", "n1")],
};

describe("delta pushes", () => {
  let whole: Harness;
  let deltas: Harness;
  beforeAll(async () => {
    [whole, deltas] = await Promise.all([createHarness(), createHarness()]);
  });
  afterAll(async () => {
    await Promise.all([whole.close(), deltas.close()]);
  });

  it("refuses a delta with a wrong base (409 BASE_MISMATCH) and changes nothing", async () => {
    await deltas.reset();
    const token = await deltas.register(CLUSTER);
    const first = snapshotOf(CLUSTER, at(0), stateA);
    expect((await deltas.push(token, first)).status).toBe(200);
    const before = await written(deltas);
    const next = snapshotOf(CLUSTER, at(1), { ...stateA, pods: [exporter("e0", "n0")] });
    const res = await deltas.push(token, deltaBody(first, next, "0".repeat(64)));
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("BASE_MISMATCH");
    expect(await written(deltas)).toEqual(before);
    // The whole snapshot still goes through: the agent's fallback.
    expect((await deltas.push(token, next)).status).toBe(200);
  });

  it("refuses a delta whose result has a pod on a node it removed (400 UNKNOWN_NODE), changing nothing", async () => {
    await deltas.reset();
    const token = await deltas.register(CLUSTER);
    const first = snapshotOf(CLUSTER, at(0), stateA);
    expect((await deltas.push(token, first)).status).toBe(200);
    const before = await written(deltas);
    // From A to A without e0, then also removing n1, where e1 still runs.
    const body = deltaBody(first, snapshotOf(CLUSTER, at(1), { ...stateA, pods: [exporter("e1", "n1")] }));
    body.delta.nodes.remove.push("n1");
    const res = await deltas.push(token, body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("UNKNOWN_NODE");
    expect(await written(deltas)).toEqual(before);
  });

  it("refuses a delta after a clock reset, even from the base this process kept; after a whole push deltas land again", async () => {
    await deltas.reset();
    const token = await deltas.register(CLUSTER);
    const first = snapshotOf(CLUSTER, at(0), stateA);
    expect((await deltas.push(token, first)).status).toBe(200);
    const reset = await deltas.mutate("clusters.resetClock", { name: CLUSTER });
    expect(reset.ok).toBe(true);
    const next = snapshotOf(CLUSTER, at(1), { ...stateA, pods: [exporter("e0", "n0")] });
    const refused = await deltas.push(token, deltaBody(first, next));
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("BASE_MISMATCH");
    expect((await deltas.push(token, next)).status).toBe(200);
    // A delta that moves the projections (the exporter back on n1), from the whole push's base.
    const third = snapshotOf(CLUSTER, at(2), stateA);
    expect((await deltas.push(token, deltaBody(next, third))).status).toBe(200);
    const doubleOpen = await rawRows<{ n: number }>(
      deltas.database.db,
      sql.raw(
        historyTables
          .map(
            (h) =>
              `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${tableName(h)} WHERE valid_to IS NULL GROUP BY ${openKeyColumns(h).join(", ")} HAVING count(*) > 1) d`,
          )
          .join(" UNION ALL "),
      ),
    );
    expect(doubleOpen.reduce((sum, r) => sum + r.n, 0)).toBe(0);
  });

  it("gives the same history whether states are pushed whole or as deltas", async () => {
    const step = fc.record({
      // a new state; the same again (a heartbeat); the same with every pod renamed (a rolling restart);
      // or a small change that moves the projections: a pod moved to another node, a replica added
      state: fc.oneof(
        { weight: 3, arbitrary: stateArb },
        { weight: 1, arbitrary: fc.constant("same" as const) },
        { weight: 2, arbitrary: fc.constant("renamed" as const) },
        { weight: 2, arbitrary: fc.nat().map((pick) => ({ moved: pick })) },
        { weight: 2, arbitrary: fc.nat().map((pick) => ({ replica: pick })) },
      ),
      /** deltas only: apply it in an app that never saw the base (read back from the database) */
      freshApp: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(stateArb, fc.array(step, { minLength: 1, maxLength: 5 }), async (initial, steps) => {
        await Promise.all([whole.reset(), deltas.reset()]);
        const [wholeToken, deltaToken] = await Promise.all([
          whole.register(CLUSTER),
          deltas.register(CLUSTER),
        ]);
        let previous = snapshotOf(CLUSTER, at(0), initial);
        const first = await Promise.all([
          whole.push(wholeToken, previous),
          deltas.push(deltaToken, previous),
        ]);
        expect(first.map((r) => r.status)).toEqual([200, 200]);
        for (const [i, { state, freshApp }] of steps.entries()) {
          const next = snapshotOf(CLUSTER, at(i + 1), nextState(previous, state));
          const body = deltaBody(previous, next);
          const app = freshApp ? freshAppOn(deltas) : deltas.app;
          const [a, b] = await Promise.all([whole.push(wholeToken, next), pushTo(app, deltaToken, body)]);
          const [wholeAnswer, deltaAnswer] = await Promise.all([a.json(), b.json()]);
          expect(b.status, JSON.stringify(deltaAnswer)).toBe(200);
          const { snapshotId: _w, ...wholeResult } = wholeAnswer as Record<string, unknown>;
          const { snapshotId: _d, ...deltaResult } = deltaAnswer as Record<string, unknown>;
          expect(deltaResult).toEqual(wholeResult);
          previous = next;
        }
        expect(await written(deltas)).toEqual(await written(whole));
      }),
      { numRuns: 25 },
    );
  }, 180_000);
});

type Step = StateInput | "same" | "renamed" | { moved: number } | { replica: number };

function nextState(previous: SnapshotInput, step: Step): StateInput {
  const { nodes, pods } = previous;
  if (step === "same") return { nodes, pods };
  if (step === "renamed") {
    return { nodes, pods: pods.map((pod) => ({ ...pod, name: `${pod.name}-r` })) };
  }
  if ("moved" in step) {
    // One pod to the next node (or onto one, if it was not bound): its holds, headroom and counts move.
    const index = pods.length > 0 ? step.moved % pods.length : -1;
    return {
      nodes,
      pods: pods.map((pod, i) => {
        if (i !== index) return pod;
        const at = nodes.findIndex((n) => n.name === pod.node);
        const node = nodes[(at + 1) % nodes.length]?.name ?? null;
        return { ...pod, node, phase: node === null ? ("Pending" as const) : ("Running" as const) };
      }),
    };
  }
  if ("replica" in step) {
    // A copy of one pod under a new name (the same owner, rules and ports), maybe on another node.
    const pod = pods[step.replica % Math.max(pods.length, 1)];
    if (!pod) return { nodes, pods };
    const node = nodes[step.replica % nodes.length]?.name ?? null;
    const replica = {
      ...pod,
      name: `${pod.name}-x${pods.length}`,
      node,
      phase: node === null ? ("Pending" as const) : ("Running" as const),
    };
    return { nodes, pods: [...pods, replica] };
  }
  return step;
}

function freshAppOn(harness: Harness) {
  return createApp({
    database: harness.database,
    auth: { adminToken: ADMIN_TOKEN, openAccess: false },
    staleAfterSeconds: 600,
    maxSnapshotBytes: 8 * 1024 * 1024,
  });
}

function pushTo(app: Harness["app"], token: string, body: unknown) {
  return app.request("/v1/snapshots", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
}
