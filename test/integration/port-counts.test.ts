/**
 * The count projection behind trends.allocations (port_count_versions): a pod holding one port on
 * TCP and UDP counts once where protocols are merged, and the migration's backfill, run over the
 * allocation history, writes exactly the rows ingest wrote (so trends before the upgrade read the same).
 * Likewise the per-cluster projection behind ports.who's byCluster (cluster_port_count_versions) and
 * migration 0007's backfill.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { clusterCountBackfill, countBackfill } from "../../bench/fleet/deepen.js";
import type { SnapshotInput } from "../../src/contract/snapshot.js";
import { rawRows } from "../../src/db/raw.js";
import { hostNetworkPod, node, snapshot } from "../fixtures/snapshots.js";
import { createHarness, type Harness } from "../helpers/app.js";
import type { InputOf } from "../helpers/trpc-types.js";

type Pod = SnapshotInput["pods"][number];
type Port = NonNullable<Pod["ports"]>[number];

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());
beforeEach(() => h.reset());

const at = (hour: number, minute = 0) => new Date(Date.UTC(2026, 10, 20, hour, minute)).toISOString();
const port = (hostPort: number, protocol: Port["protocol"], extra: Partial<Port> = {}): Port => ({
  container: "main",
  containerPort: hostPort,
  hostPort,
  protocol,
  ...extra,
});
const pod = (name: string, nodeName: string, ports: Port[], owner: Pod["owner"] = null): Pod => ({
  ...hostNetworkPod("infra", name, nodeName, [], owner),
  ports,
});
const dns = (name: string, nodeName: string, ports: Port[]) =>
  pod(name, nodeName, ports, { kind: "DaemonSet", name: "dns" });
const web = (name: string, nodeName: string, ports: Port[]) =>
  pod(name, nodeName, ports, { kind: "Deployment", name: "web" });

const nodes = [node("n1"), node("n2")];
const both53 = [port(53, "TCP"), port(53, "UDP")];

/**
 * One cluster's pushes: a pod restarts under a new name (counts unchanged), gains and drops UDP,
 * changes a container port (its allocation re-versioned, counts unchanged), a bare pod holding one
 * port on two host IPs leaves and comes back, and a heartbeat changes nothing.
 */
function history(cluster: string, shift: number): SnapshotInput[] {
  const debug = pod("debug", "n2", [
    port(9100, "TCP", { hostIP: "10.0.0.1" }),
    port(9100, "TCP", { hostIP: "10.0.0.2" }),
  ]);
  const states: Pod[][] = [
    [
      dns("dns-1", "n1", both53),
      dns("dns-2", "n2", [port(53, "TCP")]),
      web("web-x", "n1", [port(8080, "TCP")]),
      debug,
    ],
    [dns("dns-1", "n1", both53), dns("dns-2", "n2", both53), web("web-y", "n1", [port(8080, "TCP")]), debug],
    [
      dns("dns-1", "n1", [port(53, "TCP", { containerPort: 5353 }), port(53, "UDP")]),
      dns("dns-2", "n2", both53),
      web("web-z", "n2", [port(8080, "TCP"), port(8080, "UDP")]),
    ],
    [
      dns("dns-1", "n1", [port(53, "TCP")]),
      dns("dns-2", "n2", both53),
      web("web-z", "n2", [port(8080, "TCP")]),
      debug,
    ],
    [
      dns("dns-1", "n1", [port(53, "TCP")]),
      dns("dns-2", "n2", both53),
      web("web-z", "n2", [port(8080, "TCP")]),
      debug,
    ],
  ];
  return states.map((pods, k) => snapshot(cluster, at(10 + k, shift), nodes, pods));
}

async function pushHistories() {
  const tokens = { a: await h.register("a"), b: await h.register("b") };
  const a = history("a", 0);
  const b = history("b", 20);
  for (let k = 0; k < a.length; k++) {
    expect((await h.push(tokens.a, a[k] as SnapshotInput)).status).toBe(200);
    expect((await h.push(tokens.b, b[k] as SnapshotInput)).status).toBe(200);
  }
}

type TrendInput = InputOf<"trends.allocations">;
const range = { from: at(9), to: at(15), step: "10m" };

async function trend(filter: Partial<TrendInput>) {
  const answer = await h.query("trends.allocations", { ...range, ...filter });
  if (!answer.ok) throw new Error(JSON.stringify(answer));
  return answer.data.points.map(({ t, allocations, pods }) => ({ t, allocations, pods }));
}

const filters: Partial<TrendInput>[] = [
  {},
  { hostPort: 53 },
  { hostPort: 53, protocol: "UDP" },
  { protocol: "TCP" },
  { cluster: "b", hostPort: 8080 },
  { workload: { namespace: "infra", kind: "Pod", name: "debug" } },
  { workload: { namespace: "infra", kind: "Deployment", name: "web" }, protocol: "UDP" },
];

const rowsOf = (table: "port_count_versions" | "cluster_port_count_versions") =>
  rawRows<{ row: string }>(
    h.database.db,
    sql`SELECT (to_jsonb(c) - 'id')::text AS row FROM ${sql.identifier(table)} c ORDER BY 1`,
  ).then((rows) => rows.map((r) => r.row));
const countRows = () => rowsOf("port_count_versions");

describe("port_count_versions", () => {
  it("counts a pod holding one port on TCP and UDP once where protocols are merged, twice as allocations", async () => {
    const token = await h.register("a");
    const pods = [dns("dns-1", "n1", both53), dns("dns-2", "n2", [port(53, "TCP")])];
    expect((await h.push(token, snapshot("a", at(10), nodes, pods))).status).toBe(200);
    const one = { from: at(10), to: at(10), step: "1h" };
    const point = async (filter: Partial<TrendInput>) => {
      const answer = await h.query("trends.allocations", { ...one, ...filter });
      return answer.ok && answer.data.points.map(({ allocations, pods }) => ({ allocations, pods }));
    };
    expect(await point({ hostPort: 53 })).toEqual([{ allocations: 3, pods: 2 }]);
    expect(await point({ hostPort: 53, protocol: "UDP" })).toEqual([{ allocations: 1, pods: 1 }]);
    expect(await point({ hostPort: 53, protocol: "TCP" })).toEqual([{ allocations: 2, pods: 2 }]);
    expect(await point({})).toEqual([{ allocations: 3, pods: 2 }]);
    expect(await point({ protocol: "UDP" })).toEqual([{ allocations: 1, pods: 1 }]);
  });

  it("is written again, row for row, by the migration's backfill from the allocation history", async () => {
    await pushHistories();
    const written = await countRows();
    const answers = await Promise.all(filters.map(trend));
    expect(written.length).toBeGreaterThan(0);
    await h.database.db.execute(sql`DELETE FROM port_count_versions`);
    // Counts gone: 0 where the fleet was observed (its nodes stay), unknown (null) before.
    const zero = (v: number | null) => (v === null ? null : 0);
    expect(await trend({})).toEqual(
      (answers[0] ?? []).map((p) => ({ ...p, allocations: zero(p.allocations), pods: zero(p.pods) })),
    );
    await h.database.db.execute(sql.raw(countBackfill()));
    expect(await countRows()).toEqual(written);
    expect(await Promise.all(filters.map(trend))).toEqual(answers);
  });
});

describe("cluster_port_count_versions", () => {
  const instants = [at(9), at(10), at(11, 30), at(12, 20), at(13), at(14, 10), undefined];
  const questions = [
    { hostPort: 53 },
    { hostPort: 53, protocol: "UDP" as const },
    { hostPort: 8080 },
    { hostPort: 9100 },
  ];
  const summaries = () =>
    Promise.all(
      instants.flatMap((asOf) =>
        questions.map(async (question) => {
          const answer = await h.query("ports.who", { ...question, ...(asOf ? { asOf } : {}) });
          if (!answer.ok) throw new Error(answer.error.message);
          return answer.data.summary;
        }),
      ),
    );

  it("counts a node once per port however many allocations it holds there", async () => {
    const token = await h.register("a");
    const pods = [
      dns("dns-1", "n1", both53),
      web("web-1", "n1", [port(53, "TCP", { hostIP: "10.0.0.1" })]),
      dns("dns-2", "n2", [port(53, "TCP")]),
    ];
    expect((await h.push(token, snapshot("a", at(10), nodes, pods))).status).toBe(200);
    const byCluster = async (protocol?: "TCP" | "UDP") => {
      const answer = await h.query("ports.who", { hostPort: 53, ...(protocol ? { protocol } : {}) });
      return (
        answer.ok && answer.data.summary?.byCluster.map(({ allocations, nodes }) => ({ allocations, nodes }))
      );
    };
    expect(await byCluster()).toEqual([{ allocations: 4, nodes: 2 }]);
    expect(await byCluster("TCP")).toEqual([{ allocations: 3, nodes: 2 }]);
    expect(await byCluster("UDP")).toEqual([{ allocations: 1, nodes: 1 }]);
  });

  it("is written again, row for row, by migration 0007's backfill from the allocation history", async () => {
    await pushHistories();
    const written = await rowsOf("cluster_port_count_versions");
    const answers = await summaries();
    expect(written.length).toBeGreaterThan(0);
    await h.database.db.execute(sql`DELETE FROM cluster_port_count_versions`);
    expect((await summaries()).some((s) => s && s.byCluster.length > 0)).toBe(false);
    await h.database.db.execute(sql.raw(clusterCountBackfill()));
    expect(await rowsOf("cluster_port_count_versions")).toEqual(written);
    expect(await summaries()).toEqual(answers);
  });
});
