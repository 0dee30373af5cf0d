/**
 * ports.who and trends.allocations read history through indexes whose cost does not grow with its
 * depth; these tests hold their answers to a brute-force computation over every stored row, on a
 * generated history of pod restarts (renamed pods), pods holding one port on TCP and UDP or on two
 * host IPs, bare pods and pending pods, one cluster pushing deltas. ports.who's summary comes from
 * the count projections; it is also held to the holder rows aggregated (the way it used to be read).
 */

import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SnapshotInput } from "../../src/contract/snapshot.js";
import { clusters, portAllocations } from "../../src/db/schema/index.js";
import { allocationColumns } from "../../src/services/allocation-rows.js";
import { node, snapshot } from "../fixtures/snapshots.js";
import { createHarness, type Harness, type TrpcAnswer } from "../helpers/app.js";
import { deltaBody } from "../helpers/delta-body.js";
import { aggregatedWhoSummary } from "../helpers/who-aggregation.js";

type Pod = SnapshotInput["pods"][number];
type Port = NonNullable<Pod["ports"]>[number];

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const T0 = Date.parse("2026-11-01T00:00:00Z");
const MINUTE = 60_000;
const PUSH_EVERY = 37 * MINUTE;
const PUSHES = 9;
const at = (ms: number) => new Date(ms).toISOString();

/** A deterministic generator, so a failure replays. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

const tcp = (hostPort: number, extra: Partial<Port> = {}): Port => ({
  container: "main",
  containerPort: hostPort,
  hostPort,
  protocol: "TCP",
  ...extra,
});

/** One cluster's state at push k: every pod restarts (a new name) now and then. */
function clusterState(cluster: number, k: number, rnd: () => number, generations: Map<string, number>) {
  const nodes = ["n0", "n1", "n2", "n3"].slice(0, 3 + ((k + cluster) % 2));
  const generation = (key: string) => {
    const g = (generations.get(key) ?? 0) + (rnd() < 0.3 ? 1 : 0);
    generations.set(key, g);
    return g;
  };
  const pods: Pod[] = nodes.map((n) => ({
    namespace: "monitoring",
    name: `exporter-${n}-${generation(`exp/${n}`)}`,
    node: n,
    phase: "Running",
    hostNetwork: true,
    owner: { kind: "DaemonSet", name: "node-exporter" },
    ports: [tcp(9100)],
  }));
  if (rnd() < 0.8) {
    // one pod, one port, two protocols: it must count once as a pod
    pods.push({
      namespace: "kube-system",
      name: `dns-${generation("dns")}`,
      node: nodes[k % nodes.length] ?? null,
      phase: "Running",
      hostNetwork: false,
      owner: { kind: "Deployment", name: "dns" },
      ports: [tcp(9100), tcp(9100, { protocol: "UDP" }), tcp(53, { protocol: "UDP" })],
    });
  }
  if (rnd() < 0.6) {
    // a bare pod on two host IPs
    pods.push({
      namespace: "edge",
      name: `probe-${generation("probe")}`,
      node: nodes[(k + 1) % nodes.length] ?? null,
      phase: "Running",
      hostNetwork: false,
      owner: null,
      ports: [tcp(9100, { hostIP: "10.0.0.1" }), tcp(9100, { hostIP: "10.0.0.2", container: "side" })],
    });
  }
  if (rnd() < 0.5) {
    // declares the port, holds nothing
    pods.push({
      namespace: "monitoring",
      name: `pending-${k}`,
      node: null,
      phase: "Pending",
      hostNetwork: true,
      owner: { kind: "DaemonSet", name: "node-exporter" },
      ports: [tcp(9100)],
    });
  }
  return { nodes: nodes.map((n) => node(n)), pods };
}

/** west-1 pushes deltas after its first whole snapshot, as an agent in watch mode does. */
async function pushHistory() {
  const rnd = random(20261101);
  const names = ["east-1", "west-1", "north-1"];
  const tokens = await Promise.all(names.map((name) => h.register(name)));
  const generations = names.map(() => new Map<string, number>());
  const previous = new Map<string, SnapshotInput>();
  for (let k = 0; k < PUSHES; k++) {
    for (const [c, name] of names.entries()) {
      // north-1 starts late: a cluster with a shorter history
      if (name === "north-1" && k < 3) continue;
      const state = clusterState(c, k, rnd, generations[c] ?? new Map());
      const whole = snapshot(name, at(T0 + k * PUSH_EVERY), state.nodes, state.pods);
      const before = previous.get(name);
      const body = name === "west-1" && before ? deltaBody(before, whole) : whole;
      const res = await h.push(tokens[c] ?? null, body);
      expect(res.status, await res.clone().text()).toBe(200);
      previous.set(name, whole);
    }
  }
}

/** Every stored allocation row, the input of the brute-force answers. */
async function allRows() {
  return h.database.db
    .select(allocationColumns)
    .from(portAllocations)
    .innerJoin(clusters, eq(clusters.id, portAllocations.clusterId));
}
type Row = Awaited<ReturnType<typeof allRows>>[number];

const validAt = (row: Row, t: number | undefined) =>
  t === undefined
    ? row.validTo === null
    : row.validFrom.getTime() <= t && (row.validTo === null || row.validTo.getTime() > t);

const owner = (r: { ownerKind: string | null; ownerName: string | null }) =>
  r.ownerKind && r.ownerName ? { kind: r.ownerKind, name: r.ownerName } : null;

/**
 * The page order as of T: closed rows by when they ended, then the rows still open by when they
 * began; ties by id (src/services/who-page.ts). Now: by id.
 */
function asOfOrder(a: Row, b: Row): number {
  if ((a.validTo === null) !== (b.validTo === null)) return a.validTo === null ? 1 : -1;
  const key = (r: Row) => (r.validTo ?? r.validFrom).getTime();
  return key(a) - key(b) || a.id - b.id;
}

/** ports.who as the old query answered it: every matching row in page order, summaries by grouping. */
function expectedWho(rows: Row[], filter: WhoFilter) {
  const t = filter.asOf === undefined ? undefined : Date.parse(filter.asOf);
  const matching = rows
    .filter(
      (r) =>
        r.hostPort === filter.hostPort &&
        validAt(r, t) &&
        (!filter.protocol || r.protocol === filter.protocol) &&
        (!filter.clusters || filter.clusters.includes(r.cluster)),
    )
    .sort(t === undefined ? (a, b) => a.id - b.id : asOfOrder);
  const groups = <K extends string>(key: (r: Row) => K) => {
    const map = new Map<K, Row[]>();
    for (const r of matching) map.set(key(r), [...(map.get(key(r)) ?? []), r]);
    return map;
  };
  const byCluster = [...groups((r) => r.cluster)]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([cluster, rs]) => ({
      cluster,
      allocations: rs.length,
      nodes: new Set(rs.map((r) => r.node)).size,
    }));
  const byWorkload = [...groups((r) => `${r.namespace}|${r.ownerName ?? "\uffff"}|${r.ownerKind ?? ""}`)]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([, rs]) => ({
      namespace: rs[0]?.namespace,
      allocations: rs.length,
      clusters: new Set(rs.map((r) => r.cluster)).size,
      owner: rs[0] ? owner(rs[0]) : null,
    }));
  return {
    allocations: matching.map((r) => ({
      cluster: r.cluster,
      node: r.node,
      namespace: r.namespace,
      pod: r.pod,
      container: r.container,
      containerPort: r.containerPort,
      protocol: r.protocol,
      hostIP: r.hostIP,
      hostPort: r.hostPort,
      hostNetwork: r.hostNetwork,
      owner: owner(r),
      since: r.validFrom.toISOString(),
      until: r.validTo?.toISOString() ?? null,
    })),
    summary: { total: matching.length, byCluster, byWorkload },
  };
}

interface WhoFilter {
  hostPort: number;
  protocol?: "TCP" | "UDP";
  clusters?: string[];
  asOf?: string;
}
interface WhoPage {
  allocations: Record<string, unknown>[];
  nextCursor: string | null;
  summary: {
    total: number;
    byCluster: { cluster: string; allocations: number; nodes: number; stale: boolean }[];
    byWorkload: unknown[];
  } | null;
}

/** Every page of ports.who, `limit` rows at a time. */
async function whoPages(filter: WhoFilter, limit: number) {
  const pages: WhoPage[] = [];
  let cursor: string | null = null;
  do {
    const answer: TrpcAnswer<WhoPage> = await h.query("ports.who", {
      ...filter,
      limit,
      ...(cursor ? { cursor } : {}),
    });
    if (!answer.ok) throw new Error(answer.error.message);
    pages.push(answer.data);
    cursor = answer.data.nextCursor;
  } while (cursor && pages.length < 100);
  return pages;
}

const END = T0 + (PUSHES - 1) * PUSH_EVERY;
/** before the first push, on a push instant, between pushes, and the far past of a late cluster */
const INSTANTS = [T0 - MINUTE, T0, T0 + PUSH_EVERY + 11 * MINUTE, T0 + 4 * PUSH_EVERY, END - MINUTE, END];

describe("on a generated history", () => {
  let rows: Row[];
  beforeAll(async () => {
    await h.reset();
    await pushHistory();
    rows = await allRows();
    // the history really has depth: closed rows outnumber open ones
    expect(rows.filter((r) => r.validTo !== null).length).toBeGreaterThan(rows.length / 2);
  });

  it("ports.who pages equal the brute-force answer, and the first page's summary (from the projections) the holder rows aggregated, now and as of every instant", async () => {
    const filters: WhoFilter[] = [
      { hostPort: 9100 },
      { hostPort: 9100, protocol: "UDP" as const },
      { hostPort: 9100, clusters: ["west-1", "north-1"] },
      { hostPort: 53 },
      ...INSTANTS.map((t) => ({ hostPort: 9100, asOf: at(t) })),
      ...INSTANTS.map((t) => ({
        hostPort: 9100,
        protocol: "TCP" as const,
        clusters: ["east-1"],
        asOf: at(t),
      })),
    ];
    for (const filter of filters) {
      const expected = expectedWho(rows, filter);
      const pages = await whoPages(filter, 4);
      expect(
        pages.flatMap((p) => p.allocations),
        JSON.stringify(filter),
      ).toEqual(expected.allocations);
      for (const page of pages) expect(page.allocations.length).toBeLessThanOrEqual(4);
      const [first, ...later] = pages;
      if (!first?.summary) throw new Error("the first page carries the summary");
      const { byCluster, ...summary } = first.summary;
      const fromProjections = { ...summary, byCluster: byCluster.map(({ stale: _, ...c }) => c) };
      expect(fromProjections, JSON.stringify(filter)).toEqual(expected.summary);
      expect(fromProjections).toEqual(await aggregatedWhoSummary(h.database.db, filter));
      for (const page of later) expect(page.summary).toBeNull();
      expect(pages.at(-1)?.nextCursor).toBeNull();
    }
  });

  it("trends.allocations counts rows and distinct pods at every step point like a brute-force count", async () => {
    const filters = [
      { hostPort: 9100 },
      { hostPort: 9100, protocol: "UDP" as const },
      { hostPort: 9100, cluster: "north-1" },
      { workload: { namespace: "kube-system", kind: "Deployment", name: "dns" } },
      { workload: { namespace: "edge", kind: "Pod", name: "probe-0" } },
      {},
    ];
    // step points fall before the history, on push instants and between them, and after it
    const ranges = [
      { from: at(T0 - 2 * PUSH_EVERY), to: at(END + PUSH_EVERY), step: "37m" },
      { from: at(T0 + 5 * MINUTE), to: at(END), step: "13m" },
    ];
    for (const range of ranges) {
      for (const filter of filters) {
        const answer = await h.query("trends.allocations", { ...range, ...filter });
        if (!answer.ok) throw new Error(answer.error.message);
        const matching = rows.filter(
          (r) =>
            (filter.hostPort === undefined || r.hostPort === filter.hostPort) &&
            (filter.protocol === undefined || r.protocol === filter.protocol) &&
            (filter.cluster === undefined || r.cluster === filter.cluster) &&
            (filter.workload === undefined ||
              (r.namespace === filter.workload.namespace &&
                (filter.workload.kind === "Pod"
                  ? r.ownerKind === null && r.pod === filter.workload.name
                  : r.ownerKind === filter.workload.kind && r.ownerName === filter.workload.name))),
        );
        const expected = answer.data.points.map(({ t }) => {
          // Before the scope's first push (T0; north-1 alone: its fourth) nothing was observed: null, not 0.
          const firstPush = filter.cluster === "north-1" ? T0 + 3 * PUSH_EVERY : T0;
          if (Date.parse(t) < firstPush) return { t, allocations: null, pods: null };
          const valid = matching.filter((r) => validAt(r, Date.parse(t)));
          return {
            t,
            allocations: valid.length,
            pods: new Set(valid.map((r) => `${r.cluster}/${r.namespace}/${r.pod}`)).size,
          };
        });
        expect(
          answer.data.points.map(({ t, allocations, pods }) => ({ t, allocations, pods })),
          JSON.stringify({ range, filter }),
        ).toEqual(expected);
      }
    }
  });
});

describe("a pod holding one port on two protocols", () => {
  beforeEach(() => h.reset());

  it("counts as two allocations and one pod, and its restart leaves no gap", async () => {
    const token = await h.register("solo");
    const dns = (name: string): Pod => ({
      namespace: "kube-system",
      name,
      node: "n0",
      phase: "Running",
      hostNetwork: false,
      owner: { kind: "Deployment", name: "dns" },
      ports: [tcp(53), tcp(53, { protocol: "UDP" })],
    });
    const base = Date.parse("2026-11-27T10:00:00Z");
    const pushes = [[dns("dns-a")], [dns("dns-a")], [dns("dns-b")], []];
    for (const [k, pods] of pushes.entries()) {
      const res = await h.push(token, snapshot("solo", at(base + k * 3_600_000), [node("n0")], pods));
      expect(res.status).toBe(200);
    }
    const answer = await h.query("trends.allocations", {
      from: at(base - 1_800_000),
      to: at(base + 4 * 3_600_000),
      step: "30m",
      hostPort: 53,
    });
    expect(answer.ok && answer.data.points.map((p) => [p.allocations, p.pods])).toEqual([
      [null, null], // 09:30: before the first push, unknown
      [2, 1], // 10:00 dns-a
      [2, 1],
      [2, 1],
      [2, 1],
      [2, 1], // 12:00 dns-b replaces dns-a in the same push
      [2, 1],
      [0, 0], // 13:00 gone
      [0, 0],
      [0, 0],
    ]);
  });
});
