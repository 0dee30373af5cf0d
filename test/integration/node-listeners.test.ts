/**
 * Node listener reports stored with history (docs/snapshot-contract.md, "Node listeners"): whole
 * snapshots replace every report, deltas upsert and remove reports by node, an observed node listening
 * on nothing differs from an unobserved one, and a clock reset rolls listeners back like any fact.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { canonicalState } from "../../src/contract/canonical.js";
import type { NodeListeners } from "../../src/contract/listeners.js";
import { parseSnapshot, type SnapshotInput } from "../../src/contract/snapshot.js";
import { rawRows } from "../../src/db/raw.js";
import { factStateOf } from "../../src/domain/fact-state.js";
import { factsFromState } from "../../src/domain/history.js";
import { loadFactState } from "../../src/services/base-states.js";
import { tcpListener } from "../fixtures/listeners.js";
import { createHarness, type Harness } from "../helpers/app.js";
import { canonical, deltaBody } from "../helpers/delta-body.js";

const CLUSTER = "prod-eu-1";
const at = (minute: number) => new Date(Date.parse("2026-12-01T10:00:00Z") + minute * 60_000).toISOString();

const sshd = tcpListener(22, "0.0.0.0", { processes: [{ name: "sshd", pid: 812 }] });
const kubelet = tcpListener(10250, "::", { dualStack: true, processes: [{ name: "kubelet", pid: 1500 }] });
const geneve: NodeListeners["listeners"][number] = {
  protocol: "UDP",
  address: "0.0.0.0",
  family: 4,
  port: 6081,
  scope: "wildcard",
  processes: [],
};
const dhcp = tcpListener(67, "0.0.0.0", { interface: "enp1s0", processes: [{ name: "dnsmasq" }] });

const report = (
  node: string,
  listeners: NodeListeners["listeners"],
  localPortRange?: { from: number; to: number },
): NodeListeners => ({
  node,
  attribution: "process",
  ...(localPortRange ? { localPortRange } : {}),
  listeners,
});

const snapshot = (minute: number, nodeListeners?: NodeListeners[], nodes = ["n0", "n1"]): SnapshotInput => ({
  schemaVersion: 1,
  cluster: CLUSTER,
  observedAt: at(minute),
  nodes: nodes.map((name) => ({ name, ready: true })),
  pods: [],
  ...(nodeListeners ? { nodeListeners } : {}),
});

describe("node listeners on the server", () => {
  let h: Harness;
  let token: string;
  beforeAll(async () => {
    h = await createHarness({ now: () => new Date("2026-12-02T00:00:00Z") });
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await h.reset();
    token = await h.register(CLUSTER);
  });

  /** Open listeners as "node protocol address:port%interface processes", or as of an instant. */
  async function listeners(asOf?: string): Promise<string[]> {
    const valid = asOf
      ? sql`valid_from <= ${asOf}::timestamptz AND (valid_to IS NULL OR valid_to > ${asOf}::timestamptz)`
      : sql`valid_to IS NULL`;
    const rows = await rawRows<{ row: string }>(
      h.database.db,
      sql`SELECT node || ' ' || protocol || ' ' || address || ':' || port || '%' || interface || ' '
            || (SELECT coalesce(string_agg(p->>'name', ','), '') FROM jsonb_array_elements(processes) p) AS row
          FROM node_listener_versions WHERE ${valid} ORDER BY 1`,
    );
    return rows.map((r) => r.row);
  }

  /** Observed nodes (open report rows) as "node from-to". */
  async function observed(): Promise<string[]> {
    const rows = await rawRows<{ row: string }>(
      h.database.db,
      sql`SELECT node || ' ' || coalesce(port_from || '-' || port_to, 'none') AS row
          FROM node_port_range_versions WHERE valid_to IS NULL ORDER BY 1`,
    );
    return rows.map((r) => r.row);
  }

  async function push(body: unknown) {
    const res = await h.push(token, body);
    const answer = (await res.json()) as { changed?: boolean; error?: { code: string } };
    return { status: res.status, ...answer };
  }

  it("opens a report's listeners, re-versions a changed one, closes those gone, and ends every report on a push without them", async () => {
    expect(
      (await push(snapshot(0, [report("n0", [sshd, kubelet], { from: 32768, to: 60999 })]))).status,
    ).toBe(200);
    expect(await listeners()).toEqual(["n0 TCP 0.0.0.0:22% sshd", "n0 TCP :::10250% kubelet"]);
    expect(await observed()).toEqual(["n0 32768-60999"]);

    const restarted = { ...kubelet, processes: [{ name: "kubelet", pid: 1777 }] };
    expect(
      (await push(snapshot(5, [report("n0", [restarted, geneve, dhcp], { from: 32768, to: 60999 })])))
        .changed,
    ).toBe(true);
    expect(await listeners()).toEqual([
      "n0 TCP 0.0.0.0:67%enp1s0 dnsmasq",
      "n0 TCP :::10250% kubelet",
      "n0 UDP 0.0.0.0:6081% ",
    ]);
    // As of the first push: the listeners then, sshd included.
    expect(await listeners(at(2))).toEqual(["n0 TCP 0.0.0.0:22% sshd", "n0 TCP :::10250% kubelet"]);
    const [versions] = await rawRows<{ n: number }>(
      h.database.db,
      sql`SELECT count(*)::int AS n FROM node_listener_versions WHERE port = 10250`,
    );
    expect(versions?.n).toBe(2);

    // A snapshot without nodeListeners (an old agent): no node is observed any more.
    expect((await push(snapshot(10))).changed).toBe(true);
    expect(await listeners()).toEqual([]);
    expect(await observed()).toEqual([]);
    expect(await listeners(at(7))).toHaveLength(3);
  });

  /** A gauge of this cluster on /metrics. */
  async function gauge(name: string): Promise<number | undefined> {
    const text = await (await h.app.request("/metrics", { headers: h.admin })).text();
    const line = text.split("\n").find((l) => l.startsWith(`${name}{cluster="${CLUSTER}"}`));
    return line === undefined ? undefined : Number(line.split(" ").at(-1));
  }

  it("counts observed nodes and the listeners no pod declares on /metrics, whole pushes and deltas alike", async () => {
    // node-exporter declares 9100 on n0 (hostNetwork): its socket is declared; sshd and kubelet are not.
    const exporter = tcpListener(9100, "0.0.0.0", { processes: [{ name: "node_exporter" }] });
    const withExporter = (minute: number, reports: NodeListeners[]): SnapshotInput => ({
      ...snapshot(minute, reports),
      pods: [
        {
          namespace: "monitoring",
          name: "node-exporter-n0",
          node: "n0",
          phase: "Running",
          hostNetwork: true,
          owner: { kind: "DaemonSet", name: "node-exporter" },
          ports: [{ container: "exporter", containerPort: 9100, hostPort: 9100 }],
        },
      ],
    });
    expect(await gauge("portolan_cluster_undeclared_listeners")).toBe(0);
    const first = withExporter(0, [report("n0", [sshd, kubelet, exporter]), report("n1", [])]);
    expect((await push(first)).status).toBe(200);
    expect(await gauge("portolan_cluster_observed_nodes")).toBe(2);
    expect(await gauge("portolan_cluster_undeclared_listeners")).toBe(2);

    // A delta that gives n1 a report with sshd: one more undeclared listener, still two nodes.
    const second = withExporter(5, [report("n0", [sshd, kubelet, exporter]), report("n1", [sshd])]);
    expect((await push(deltaBody(first, second))).status).toBe(200);
    expect(await gauge("portolan_cluster_observed_nodes")).toBe(2);
    expect(await gauge("portolan_cluster_undeclared_listeners")).toBe(3);

    // An unchanged heartbeat keeps the figures; a push without reports observes nothing.
    expect((await push({ ...second, observedAt: at(6) })).changed).toBe(false);
    expect(await gauge("portolan_cluster_undeclared_listeners")).toBe(3);
    expect((await push(withExporter(10, []))).status).toBe(200);
    expect(await gauge("portolan_cluster_observed_nodes")).toBe(0);
    expect(await gauge("portolan_cluster_undeclared_listeners")).toBe(0);
  });

  it("keeps an observed node listening on nothing apart from an unobserved one", async () => {
    expect((await push(snapshot(0, [report("n0", [])]))).status).toBe(200);
    expect(await observed()).toEqual(["n0 none"]);
    expect(await listeners()).toEqual([]);
    // The same push without the empty report is another state: n0 is no longer observed.
    expect((await push(snapshot(5))).changed).toBe(true);
    expect(await observed()).toEqual([]);
  });

  it("applies deltas: an upserted report replaces the node's set, a removed one ends it, a removed node ends its report", async () => {
    const s0 = snapshot(0, [report("n0", [sshd, kubelet]), report("n1", [geneve])]);
    expect((await push(s0)).status).toBe(200);
    // n0's set replaced; n1 absent from the delta's reports: unchanged.
    const s1 = snapshot(5, [report("n0", [kubelet, dhcp]), report("n1", [geneve])]);
    const d1 = deltaBody(s0, s1);
    expect(d1.delta.nodeListeners?.upsert.map((r) => r.node)).toEqual(["n0"]);
    expect(await push(d1)).toMatchObject({ status: 200, changed: true });
    expect(await listeners()).toEqual([
      "n0 TCP 0.0.0.0:67%enp1s0 dnsmasq",
      "n0 TCP :::10250% kubelet",
      "n1 UDP 0.0.0.0:6081% ",
    ]);
    // A delta that only removes n1's report: n1 is no longer observed.
    const s2 = snapshot(10, [report("n0", [kubelet, dhcp])]);
    expect(await push(deltaBody(s1, s2))).toMatchObject({ status: 200, changed: true });
    expect(await observed()).toEqual(["n0 none"]);
    // n0 removed from the nodes: its report goes with it.
    const s3 = snapshot(15, [], ["n1"]);
    expect(await push(deltaBody(s2, s3))).toMatchObject({ status: 200, changed: true });
    expect(await listeners()).toEqual([]);
    expect(await observed()).toEqual([]);

    // The same states pushed whole to a twin cluster leave the same open listener facts.
    const twin = await h.register("twin");
    for (const s of [s0, s1, s2]) expect((await h.push(twin, { ...s, cluster: "twin" })).status).toBe(200);
    const open = (cluster: string, table: string) =>
      rawRows<{ fp: string }>(
        h.database.db,
        sql`SELECT t.fp FROM ${sql.raw(table)} t JOIN clusters c ON c.id = t.cluster_id
            WHERE c.name = ${cluster} AND t.valid_from <= ${at(12)}::timestamptz
              AND (t.valid_to IS NULL OR t.valid_to > ${at(12)}::timestamptz) ORDER BY 1`,
      );
    for (const table of ["node_listener_versions", "node_port_range_versions"])
      expect(await open(CLUSTER, table), table).toEqual(await open("twin", table));
  });

  it("reads a cluster's reports back as the facts a delta is applied to when memory misses", async () => {
    const s0 = snapshot(0, [
      report("n0", [sshd, kubelet, dhcp], { from: 1024, to: 65535 }),
      report("n1", []),
    ]);
    expect((await push(s0)).status).toBe(200);
    const [cluster] = await rawRows<{ id: number }>(
      h.database.db,
      sql`SELECT id FROM clusters WHERE name = ${CLUSTER}`,
    );
    const parsed = parseSnapshot(s0);
    if (!parsed.ok) throw new Error(parsed.message);
    const built = factStateOf(factsFromState(canonicalState(parsed.snapshot))).reports;
    const readBack = (await loadFactState(h.database.db, cluster?.id ?? 0)).reports;
    const sorted = (reports: typeof built) =>
      [...reports.entries()].map(([node, r]) => ({
        node,
        report: r.report,
        listeners: [...r.listeners].sort((a, b) => a.fp.localeCompare(b.fp)),
      }));
    expect(sorted(readBack)).toEqual(sorted(built));
  });

  it("refuses a delta reporting a node the resulting state does not hold (400 UNKNOWN_NODE), storing nothing", async () => {
    const s0 = snapshot(0, [report("n0", [sshd])]);
    expect((await push(s0)).status).toBe(200);
    const body = deltaBody(s0, s0);
    const refused = await push({
      ...body,
      observedAt: at(5),
      delta: { ...body.delta, nodeListeners: { upsert: [report("n9", [kubelet])], remove: [] } },
    });
    expect(refused).toMatchObject({ status: 400, error: { code: "UNKNOWN_NODE" } });
    expect(await listeners()).toEqual(["n0 TCP 0.0.0.0:22% sshd"]);
    expect(canonical(s0).hash).toBe(body.delta.base);
  });

  it("rolls listeners back with a clock reset", async () => {
    expect((await push(snapshot(0, [report("n0", [sshd])]))).status).toBe(200);
    expect((await push(snapshot(5, [report("n0", [kubelet]), report("n1", [geneve])]))).status).toBe(200);
    const reset = await h.mutate("clusters.resetClock", { name: CLUSTER, to: at(2) });
    if (!reset.ok) throw new Error(reset.error.message);
    expect(reset.data.deleted.nodeListeners).toBe(2);
    expect(reset.data.reopened.nodeListeners).toBe(1);
    expect(reset.data.deleted.nodePortRanges).toBe(1);
    expect(await listeners()).toEqual(["n0 TCP 0.0.0.0:22% sshd"]);
    expect(await observed()).toEqual(["n0 none"]);
  });
});
