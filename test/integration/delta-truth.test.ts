/**
 * A delta is held to what a whole snapshot is held to: its resulting state within the contract's
 * bounds (refused with the whole snapshot's code, nothing stored), and its claimed `hash` never taken
 * as proof of the state, so a wrong hash cannot make a later whole snapshot look unchanged.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MAX_DISTINCT_HOST_PORTS,
  MAX_NODES,
  MAX_PORTS_PER_POD,
  type SnapshotInput,
} from "../../src/contract/snapshot.js";
import { rawRows } from "../../src/db/raw.js";
import { createHarness, type Harness } from "../helpers/app.js";
import { canonical, deltaBody } from "../helpers/delta-body.js";
import { type StateInput, snapshotOf } from "../property/states.js";

const CLUSTER = "prod-eu-1";
const T0 = Date.parse("2026-01-01T00:00:00Z");
const at = (step: number) => new Date(T0 + step * 60_000).toISOString();

const node = (name: string) => ({ name, ready: true });
const pod = (name: string, nodeName: string, hostPort: number) => ({
  namespace: "monitoring",
  name,
  node: nodeName,
  phase: "Running" as const,
  owner: { kind: "DaemonSet", name },
  ports: [{ container: "main", containerPort: hostPort, hostPort }],
});

/** F1, and F2 = F1 plus a pod holding 8443 on n0. */
const f1: StateInput = {
  nodes: [node("n0"), node("n1")],
  pods: [pod("e0", "n0", 9100), pod("e1", "n1", 9100)],
};
const f2: StateInput = { ...f1, pods: [...f1.pods, pod("web", "n0", 8443)] };

interface PushAnswer {
  changed: boolean;
  opened: number;
  closed: number;
}

async function answer(res: Response) {
  return {
    status: res.status,
    body: (await res.json()) as PushAnswer & { error?: { code: string; message: string } },
  };
}

/** The history tables, without ids: what a refused push must leave as it was. */
async function history(harness: Harness) {
  const rows = (table: string) =>
    rawRows<{ row: string }>(
      harness.database.db,
      sql.raw(`SELECT (to_jsonb(t) - 'id')::text AS row FROM ${table} t ORDER BY 1`),
    ).then((r) => r.map((x) => x.row));
  return {
    nodes: await rows("node_versions"),
    pods: await rows("pod_versions"),
    podTemplates: await rows("pod_templates"),
    allocations: await rows("port_allocations"),
    log: await rows("snapshots"),
    cluster: await rawRows(
      harness.database.db,
      sql`SELECT last_observed_at::text, last_snapshot_hash, snapshots_accepted::int FROM clusters`,
    ),
  };
}

async function holders(harness: Harness, hostPort: number) {
  const who = await harness.query("ports.who", { hostPort });
  if (!who.ok) throw new Error(who.error.message);
  return who.data.allocations.map((a) => `${a.node}/${a.pod}`).sort();
}

describe("a delta's claimed hash", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await createHarness();
  });
  afterAll(() => harness.close());

  it("does not make a whole push of the state it named look unchanged: that push is changed and sets history right", async () => {
    await harness.reset();
    const token = await harness.register(CLUSTER);
    const first = snapshotOf(CLUSTER, at(0), f1);
    expect((await harness.push(token, first)).status).toBe(200);
    // Claims F2's hash but carries other changes: e1 removed, no web pod.
    const other = snapshotOf(CLUSTER, at(1), { ...f1, pods: [pod("e0", "n0", 9100)] });
    const forged = deltaBody(first, other);
    forged.delta.hash = canonical(snapshotOf(CLUSTER, at(1), f2)).hash;
    expect((await answer(await harness.push(token, forged))).status).toBe(200);
    expect(await holders(harness, 9100)).toEqual(["n0/e0"]);

    const whole = await answer(await harness.push(token, snapshotOf(CLUSTER, at(2), f2)));
    expect(whole.status).toBe(200);
    // web and its allocation, e1 and its allocation
    expect(whole.body).toMatchObject({ changed: true, opened: 4, closed: 0 });
    expect(await holders(harness, 8443)).toEqual(["n0/web"]);
    expect(await holders(harness, 9100)).toEqual(["n0/e0", "n1/e1"]);
    // Now the stored hash is the server's own again: the same state once more is unchanged.
    const again = await answer(await harness.push(token, snapshotOf(CLUSTER, at(3), f2)));
    expect(again.body).toMatchObject({ changed: false, opened: 0, closed: 0 });
    // The log says the same as the answers (on PostgreSQL as on PGlite).
    const log = await rawRows<{ changed: boolean }>(
      harness.database.db,
      sql`SELECT changed FROM snapshots ORDER BY observed_at`,
    );
    expect(log.map((r) => r.changed)).toEqual([true, true, true, false]);
  });

  it("applies the changes of a delta that claims its base's hash, instead of taking it for a heartbeat", async () => {
    await harness.reset();
    const token = await harness.register(CLUSTER);
    const first = snapshotOf(CLUSTER, at(0), f1);
    expect((await harness.push(token, first)).status).toBe(200);
    const body = deltaBody(first, snapshotOf(CLUSTER, at(1), f2));
    body.delta.hash = body.delta.base;
    const res = await answer(await harness.push(token, body));
    expect(res.body).toMatchObject({ changed: true, opened: 2, closed: 0 });
    expect(await holders(harness, 8443)).toEqual(["n0/web"]);
    // F1 whole: its hash is the one the delta claimed, but it is not the stored state.
    const whole = await answer(await harness.push(token, snapshotOf(CLUSTER, at(2), f1)));
    expect(whole.body).toMatchObject({ changed: true, opened: 0, closed: 2 });
    expect(await holders(harness, 8443)).toEqual([]);
  });

  it("answers a whole push of the true state after a delta with a wrong hash as unchanged", async () => {
    await harness.reset();
    const token = await harness.register(CLUSTER);
    const first = snapshotOf(CLUSTER, at(0), f1);
    expect((await harness.push(token, first)).status).toBe(200);
    const body = deltaBody(first, snapshotOf(CLUSTER, at(1), f2));
    body.delta.hash = "ab".repeat(32);
    expect((await harness.push(token, body)).status).toBe(200);
    const whole = await answer(await harness.push(token, snapshotOf(CLUSTER, at(2), f2)));
    expect(whole.body).toMatchObject({ changed: false, opened: 0, closed: 0 });
  });
  it("takes a whole snapshot at a delta's instant for its retransmission only if it is the state the delta left", async () => {
    await harness.reset();
    const token = await harness.register(CLUSTER);
    const first = snapshotOf(CLUSTER, at(0), f1);
    expect((await harness.push(token, first)).status).toBe(200);
    // An honest delta, then its whole snapshot (an agent that lost the answer and restarted).
    const honest = await answer(await harness.push(token, deltaBody(first, snapshotOf(CLUSTER, at(1), f2))));
    const whole = await answer(await harness.push(token, snapshotOf(CLUSTER, at(1), f2)));
    expect(whole.status).toBe(200);
    expect(whole.body).toEqual({ ...honest.body, changed: false, opened: 0, closed: 0 });
    // A delta claiming F1's hash with other changes: F1 whole at its instant is not its retransmission.
    const forged = deltaBody(snapshotOf(CLUSTER, at(1), f2), snapshotOf(CLUSTER, at(2), { ...f1, pods: [] }));
    forged.delta.hash = canonical(first).hash;
    expect((await harness.push(token, forged)).status).toBe(200);
    const before = await history(harness);
    const stale = await answer(await harness.push(token, snapshotOf(CLUSTER, at(2), f1)));
    expect(stale.status).toBe(409);
    expect(stale.body.error?.code).toBe("STALE_SNAPSHOT");
    expect(await history(harness)).toEqual(before);
  });
});

describe("a delta's resulting state", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await createHarness();
  });
  afterAll(() => harness.close());

  const nodes = (prefix: string, count: number) =>
    Array.from({ length: count }, (_, i) => node(`${prefix}-${String(i).padStart(5, "0")}`));
  const empty = (step: number): SnapshotInput => snapshotOf(CLUSTER, at(step), { nodes: [], pods: [] });

  it("is held to the snapshot bounds: four deltas of 10,000 nodes are refused from the one that would exceed MAX_NODES, storing nothing", async () => {
    await harness.reset();
    const token = await harness.register(CLUSTER);
    expect((await harness.push(token, empty(0))).status).toBe(200);
    // The first fills the cluster to the bound exactly; each later one would take it over.
    const full = snapshotOf(CLUSTER, at(1), { nodes: nodes("a", 10_000), pods: [] });
    const first = await answer(await harness.push(token, deltaBody(empty(0), full)));
    expect(first.status).toBe(200);
    expect(first.body.opened).toBe(MAX_NODES);
    const before = await history(harness);
    for (const k of [2, 3, 4]) {
      // Built by hand: the state it leads to is one no snapshot may hold.
      const over = {
        ...deltaBody(full, snapshotOf(CLUSTER, at(k), { nodes: [], pods: [] })),
        delta: {
          base: canonical(full).hash,
          hash: String(k).repeat(64),
          nodes: { upsert: nodes(`b${k}`, 10_000), remove: [] },
          pods: { upsert: [], remove: [] },
        },
      };
      const res = await answer(await harness.push(token, over));
      expect(res.status).toBe(400);
      expect(res.body.error?.code).toBe("TOO_MANY_NODES");
      expect(res.body.error?.message).toContain("the state this delta would produce has 20000 nodes");
      expect(await history(harness)).toEqual(before);
    }
    // Whole pushes still go through, and a delta that replaces as many nodes as it adds is within the bound.
    const whole = snapshotOf(CLUSTER, at(5), { nodes: nodes("c", 10_000), pods: [] });
    expect((await harness.push(token, whole)).status).toBe(200);
    const swapped = snapshotOf(CLUSTER, at(6), {
      nodes: [...nodes("c", 5_000), ...nodes("d", 5_000)],
      pods: [],
    });
    const swap = await answer(await harness.push(token, deltaBody(whole, swapped)));
    expect(swap.status).toBe(200);
    expect(swap.body).toMatchObject({ changed: true, opened: 5_000, closed: 5_000 });
    expect(
      (await harness.push(token, snapshotOf(CLUSTER, at(7), { nodes: nodes("c", 1), pods: [] }))).status,
    ).toBe(200);
  }, 120_000);

  it("is held to the bound on distinct host ports: a delta adding one port no pod declares past it is refused with TOO_MANY_DISTINCT_PORTS, storing nothing", async () => {
    await harness.reset();
    const token = await harness.register(CLUSTER);
    const server = (name: string, nodeName: string, first: number, count: number) => ({
      ...pod(name, nodeName, first),
      ports: Array.from({ length: count }, (_, j) => ({
        container: "main",
        containerPort: first + j,
        hostPort: first + j,
      })),
    });
    // Exactly at the bound: MAX_DISTINCT_HOST_PORTS distinct ports, on one pod.
    const full = snapshotOf(CLUSTER, at(0), {
      nodes: [node("n0"), node("n1")],
      pods: [server("s0", "n0", 1, MAX_DISTINCT_HOST_PORTS)],
    });
    expect((await harness.push(token, full)).status).toBe(200);
    const before = await history(harness);
    // The same ports on another node add nothing distinct; one shifted by one port adds one.
    const same = { nodes: full.nodes, pods: [...full.pods, server("s1", "n1", 1, MAX_PORTS_PER_POD)] };
    // Built by hand: the state it leads to is one no snapshot may hold.
    const over = await answer(
      await harness.push(token, {
        ...deltaBody(full, snapshotOf(CLUSTER, at(1), { nodes: [], pods: [] })),
        delta: {
          base: canonical(full).hash,
          hash: "5".repeat(64),
          nodes: { upsert: [], remove: [] },
          pods: { upsert: [server("s1", "n1", 2, MAX_PORTS_PER_POD)], remove: [] },
        },
      }),
    );
    expect(over.status).toBe(400);
    expect(over.body.error?.code).toBe("TOO_MANY_DISTINCT_PORTS");
    expect(over.body.error?.message).toContain(
      `the state this delta would produce has ${MAX_DISTINCT_HOST_PORTS + 1} distinct host ports`,
    );
    expect(await history(harness)).toEqual(before);
    const within = await answer(
      await harness.push(token, deltaBody(full, snapshotOf(CLUSTER, at(1), same as StateInput))),
    );
    expect(within.status).toBe(200);
  }, 120_000);
});
