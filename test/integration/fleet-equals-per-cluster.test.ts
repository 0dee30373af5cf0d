/**
 * Fleet-wide answers (read from projections and narrow SQL) equal the answers computed the old way:
 * per cluster, loadClusterView + the domain functions, on a generated fleet, now and as of several
 * instants. Also: the projections stored at ingest equal the domain functions over the same view.
 */
import { asc, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusters, headroomVersions } from "../../src/db/schema/index.js";
import { validAt } from "../../src/db/validity.js";
import { hostPortConflicts } from "../../src/domain/conflicts.js";
import { checkFit, type Proposal } from "../../src/domain/fit.js";
import { workloadHeadroom } from "../../src/domain/headroom.js";
import { headroomFacts } from "../../src/domain/history.js";
import { buildPortMap, summarisePortMap } from "../../src/domain/port-map.js";
import { nextRollout } from "../../src/domain/rollout.js";
import {
  findingsOf,
  perNodeHolders,
  sharedPortSetAdvice,
  sharedPortSets,
  withoutScaleDown,
} from "../../src/domain/shared-port-sets.js";
import { workloadKey, workloadOf } from "../../src/domain/workload.js";
import { blocker } from "../../src/services/capacity/blockers.js";
import { type ClusterRow, clusterRowColumns, selectClusters } from "../../src/services/cluster-selection.js";
import { loadClusterView } from "../../src/services/cluster-view.js";
import { generatedSnapshot } from "../fixtures/generated-fleet.js";
import { createHarness, type Harness, type TrpcAnswer } from "../helpers/app.js";
import { aggregatedWhoSummary, type WhoQuestion } from "../helpers/who-aggregation.js";

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** JSON with keys sorted at every level: the same value gives the same text whatever its key order. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => byteOrder(a, b)))
      : v,
  );
const byJson = <T>(list: readonly T[]) => [...list].sort((a, b) => byteOrder(canonical(a), canonical(b)));

const PUSHES = ["08:00", "09:00", "10:00", "11:00"].map((t) => `2026-11-27T${t}:00Z`);
/** eq-c misses two pushes; eq-gone is removed at 11:30 */
const FLEET: { name: string; pushes: number[] }[] = [
  { name: "eq-a", pushes: [0, 1, 2, 3] },
  { name: "eq-b", pushes: [0, 1, 2, 3] },
  { name: "eq-c", pushes: [0, 2] },
  { name: "eq-gone", pushes: [0, 1, 3] },
];
const REMOVED_AT = new Date("2026-11-27T11:30:00Z");
const NOW = new Date("2026-11-27T12:00:00Z");
/** before any push, between pushes, just before and after the removal, and now */
const INSTANTS: (Date | undefined)[] = ["07:00", "08:00", "08:30", "09:45", "10:30", "11:15", "11:45"].map(
  (t) => new Date(`2026-11-27T${t}:00Z`),
);
INSTANTS.push(undefined);
const label = (asOf: Date | undefined) => (asOf ? `as of ${asOf.toISOString().slice(11, 16)}` : "now");

let clock = NOW;
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ now: () => clock });
  const tokens = new Map<string, string>();
  for (const c of FLEET) tokens.set(c.name, await h.register(c.name));
  for (const [i, at] of PUSHES.entries()) {
    for (const [k, c] of FLEET.entries()) {
      if (!c.pushes.includes(i)) continue;
      const res = await h.push(tokens.get(c.name) ?? null, generatedSnapshot(c.name, at, 1000 * k + i));
      expect(res.status).toBe(200);
    }
  }
  clock = REMOVED_AT;
  expect((await h.mutate("clusters.remove", { name: "eq-gone" })).ok).toBe(true);
  clock = NOW;
}, 120_000);
afterAll(() => h.close());

const db = () => h.database.db;

async function everyCluster(): Promise<ClusterRow[]> {
  return db().select(clusterRowColumns).from(clusters).orderBy(asc(clusters.name));
}

async function views(asOf: Date | undefined) {
  const selected = await selectClusters(db(), { asOf });
  return Promise.all(selected.map((cluster) => loadClusterView(db(), { cluster, asOf })));
}

/** Every page of a paged answer, walking nextCursor. */
async function allPages<T>(path: string, input: Record<string, unknown>, key: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    type Page = Record<string, unknown> & { nextCursor: string | null };
    // Generic over the paged procedures: their answers share only the page's shape.
    const page = (await h.rawQuery(path, { ...input, ...(cursor ? { cursor } : {}) })) as TrpcAnswer<Page>;
    if (!page.ok) throw new Error(`${path}: ${page.error.message}`);
    items.push(...(page.data[key] as T[]));
    cursor = page.data.nextCursor;
  } while (cursor);
  return items;
}

describe("capacity.headroom", () => {
  for (const asOf of INSTANTS) {
    it(`equals workloadHeadroom per cluster view, ${label(asOf)}, in byte order, over pages of 3`, async () => {
      const expected = (await views(asOf))
        .flatMap((view) => {
          const rows = workloadHeadroom(view);
          const { findings } = sharedPortSets(rows, [], perNodeHolders(view.allocations));
          return rows.map((w) => {
            const sets = findingsOf(findings, w).map((set) => ({
              ...set,
              ...sharedPortSetAdvice(set, view.cluster.name),
            }));
            return {
              cluster: view.cluster.name,
              namespace: w.namespace,
              kind: w.kind,
              name: w.name,
              ports: w.ports,
              replicas: w.replicas,
              pending: w.pending,
              eligibleNodes: w.eligibleNodes.length,
              freeNodes: w.freeNodes.length,
              headroom: w.headroom,
              status: w.status,
              maxReplicasKeepingOneSpare: w.maxReplicasKeepingOneSpare,
              listenerBlockedNodes: w.listenerBlockedNodes.length,
              listenerExample: w.listenerExample,
              // this fleet has no IngressControllers: no router folded into one
              partOf: null,
              sharedPortSets: sets,
              // only IngressControllers short of a spare node carry an `oc patch`; this fleet has none
              patch: null,
              rollout: withoutScaleDown(
                { patch: null, rollout: nextRollout({ ...w, freeNodes: w.freeNodes.length }) },
                sets,
              ).rollout,
            };
          });
        })
        .sort((a, b) => byteOrder(`${a.cluster}\0${workloadKey(a)}`, `${b.cluster}\0${workloadKey(b)}`));
      const answer = await allPages<Record<string, unknown>>(
        "capacity.headroom",
        { ...(asOf ? { asOf: asOf.toISOString() } : {}), limit: 3 },
        "workloads",
      );
      expect(answer.map(({ stale: _, ...w }) => w)).toEqual(expected);
      if (asOf && asOf < new Date(PUSHES[0] as string)) expect(answer).toEqual([]);
      else expect(answer.length).toBeGreaterThan(3);
    });
  }
});

describe("stored projections", () => {
  for (const asOf of INSTANTS) {
    it(`headroom_versions valid ${label(asOf)} are headroomFacts(workloadHeadroom(view)) with its shared port sets`, async () => {
      for (const cluster of await everyCluster()) {
        const view = await loadClusterView(db(), { cluster, asOf });
        const stored = await db()
          .select({
            fp: headroomVersions.fp,
            namespace: headroomVersions.namespace,
            kind: headroomVersions.kind,
            name: headroomVersions.name,
            ports: headroomVersions.ports,
            replicas: headroomVersions.replicas,
            pending: headroomVersions.pending,
            eligibleNodes: headroomVersions.eligibleNodes,
            freeNodes: headroomVersions.freeNodes,
            headroom: headroomVersions.headroom,
            status: headroomVersions.status,
            maxReplicas: headroomVersions.maxReplicas,
            sharedPortSets: headroomVersions.sharedPortSets,
            partOf: headroomVersions.partOf,
          })
          .from(headroomVersions)
          .where(sql`${headroomVersions.clusterId} = ${cluster.id} AND ${validAt(headroomVersions, asOf)}`);
        const byFp = (a: { fp: string }, b: { fp: string }) => byteOrder(a.fp, b.fp);
        // A fact outside any set has no such keys; its row stores null.
        const asFact = ({ sharedPortSets: sets, partOf, ...row }: (typeof stored)[number]) => ({
          ...row,
          ...(sets ? { sharedPortSets: sets } : {}),
          ...(partOf ? { partOf } : {}),
        });
        // The generated fleet has no IngressControllers: the sets are among its pods' workloads.
        const rows = workloadHeadroom(view);
        expect(stored.map(asFact).sort(byFp), cluster.name).toEqual(
          headroomFacts(rows, sharedPortSets(rows, [], perNodeHolders(view.allocations))).sort(byFp),
        );
      }
    });
  }

  it("clusters.port_summary is summarisePortMap(buildPortMap(view)) of the latest state", async () => {
    const stored = await db()
      .select({ name: clusters.name, portSummary: clusters.portSummary })
      .from(clusters);
    for (const cluster of await everyCluster()) {
      const view = await loadClusterView(db(), { cluster });
      const summary = stored.find((s) => s.name === cluster.name)?.portSummary;
      expect(summary, cluster.name).toEqual(summarisePortMap(buildPortMap(view)));
      expect(summary?.length).toBeGreaterThan(0);
    }
  });
});

type BlockerAnswer = ReturnType<typeof blocker>;
type SampleAnswer = { node: string; blockers: BlockerAnswer[] }[];
const sortedSample = (sample: SampleAnswer) =>
  sample.map((b) => ({ node: b.node, blockers: byJson(b.blockers) }));

/** The first `size` blocked nodes in byte order, each with its blockers as the API shows them. */
function expectedSample(
  blocked: { node: string; blockers: Parameters<typeof blocker>[0][] }[],
  size: number,
) {
  return [...blocked]
    .sort((a, b) => byteOrder(a.node, b.node))
    .slice(0, size)
    .map((b) => ({ node: b.node, blockers: byJson(b.blockers.map(blocker)) }));
}

interface FitAnswer {
  cluster: string;
  fits: boolean;
  verdict: string;
  replicas: number;
  eligibleNodes: number;
  fittingNodes: number;
  blockedNodes: number;
  ineligibleNodes: number;
  blockedSample: SampleAnswer;
  blockingWorkloads: { namespace: string; kind: string; name: string; nodes: number }[];
  moreBlockingWorkloads: number;
  ineligibleReasons: { reason: string; nodes: number }[];
  moreIneligibleReasons: number;
  headroomAfter: number;
  statusAfter: string;
}

const PROPOSALS: { name: string; proposal: Proposal; sampleSize: number }[] = [
  {
    name: "80 on workers ×2",
    proposal: { ports: [{ hostPort: 80 }], replicas: 2, nodeSelector: { role: "worker" } },
    sampleSize: 200,
  },
  {
    name: "80 on 10.0.0.1 (specific vs wildcard and other IPs)",
    proposal: { ports: [{ hostPort: 80, hostIP: "10.0.0.1" }], replicas: 1 },
    sampleSize: 200,
  },
  {
    name: "8443 on :: (an address, not a wildcard)",
    proposal: { ports: [{ hostPort: 8443, hostIP: "::" }], replicas: 3 },
    sampleSize: 200,
  },
  { name: "8443 on 0.0.0.0", proposal: { ports: [{ hostPort: 8443 }], replicas: 3 }, sampleSize: 200 },
  {
    name: "8080 on 10.0.0.2",
    proposal: { ports: [{ hostPort: 8080, hostIP: "10.0.0.2" }], replicas: 1 },
    sampleSize: 200,
  },
  {
    name: "53/UDP tolerating everything, affinity with matchFields",
    proposal: {
      ports: [{ hostPort: 53, protocol: "UDP" }],
      replicas: 4,
      tolerations: [{ operator: "Exists" }],
      requiredNodeAffinity: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: "zone", operator: "NotIn", values: ["c"] }] },
          { matchFields: [{ key: "metadata.name", operator: "In", values: ["worker-3"] }] },
        ],
      },
    },
    sampleSize: 200,
  },
  {
    name: "9100 and 443, rank > 2, samples of 2",
    proposal: {
      ports: [{ hostPort: 9100 }, { hostPort: 443 }],
      replicas: 1,
      requiredNodeAffinity: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: "rank", operator: "Gt", values: ["2"] }] }],
      },
    },
    sampleSize: 2,
  },
];

describe("capacity.checkFit", () => {
  for (const { name, proposal, sampleSize } of PROPOSALS) {
    it(`equals checkFit per cluster view: ${name}`, async () => {
      const fleet = await views(undefined);
      // The domain's Proposal (readonly lists) is what the procedure takes, spelled for the domain.
      const answer = (await h.rawQuery("capacity.checkFit", {
        clusters: fleet.map((v) => v.cluster.name),
        ...proposal,
        sampleSize,
      })) as TrpcAnswer<{ fits: boolean; clusters: FitAnswer[] }>;
      if (!answer.ok) throw new Error(answer.error.message);
      let blockedSomewhere = false;
      for (const [i, view] of fleet.entries()) {
        const old = checkFit(proposal, view);
        const got = answer.data.clusters[i] as FitAnswer;
        expect(got).toMatchObject({
          cluster: view.cluster.name,
          fits: old.fits,
          verdict: old.verdict,
          replicas: old.replicas,
          eligibleNodes: old.eligibleNodes.length,
          fittingNodes: old.fittingNodes.length,
          blockedNodes: old.blockedNodes.length,
          ineligibleNodes: old.ineligibleNodes.length,
          headroomAfter: old.headroomAfter,
          statusAfter: old.statusAfter,
        });
        expect(sortedSample(got.blockedSample)).toEqual(expectedSample(old.blockedNodes, sampleSize));
        const reasons = new Map<string, number>();
        for (const n of old.ineligibleNodes)
          for (const r of n.reasons) reasons.set(r, (reasons.get(r) ?? 0) + 1);
        const allReasons = [...reasons]
          .map(([reason, nodes]) => ({ reason, nodes }))
          .sort((a, b) => b.nodes - a.nodes || byteOrder(a.reason, b.reason));
        expect(got.ineligibleReasons).toEqual(allReasons.slice(0, sampleSize));
        expect(got.moreIneligibleReasons).toBe(Math.max(0, allReasons.length - sampleSize));
        const workloads = new Map<string, { namespace: string; kind: string; name: string; nodes: number }>();
        for (const b of old.blockedNodes) {
          for (const key of new Set(b.blockers.map((x) => JSON.stringify(workloadOf(x))))) {
            const w = workloads.get(key) ?? { ...JSON.parse(key), nodes: 0 };
            w.nodes++;
            workloads.set(key, w);
          }
        }
        const expectedWorkloads = [...workloads.values()];
        expect(got.blockingWorkloads.length + got.moreBlockingWorkloads).toBe(expectedWorkloads.length);
        expect(got.blockingWorkloads.length).toBe(Math.min(sampleSize, expectedWorkloads.length));
        // The listed workloads are the ones in the way on most nodes (ties in either order).
        for (const w of got.blockingWorkloads) expect(expectedWorkloads).toContainEqual(w);
        expect(got.blockingWorkloads.map((w) => w.nodes)).toEqual(
          expectedWorkloads
            .map((w) => w.nodes)
            .sort((a, b) => b - a)
            .slice(0, sampleSize),
        );
        blockedSomewhere ||= old.blockedNodes.length > 0;
      }
      expect(answer.data.fits).toBe(answer.data.clusters.every((c) => c.fits));
      if (sampleSize < 200) expect(blockedSomewhere).toBe(true);
    });
  }
});

describe("conflicts.list", () => {
  it("equals hostPortConflicts per cluster view, in pages of 2 with samples of 3", async () => {
    const size = 3;
    const expected = (await views(undefined))
      .flatMap((view) =>
        hostPortConflicts(view).map((c) => ({
          cluster: view.cluster.name,
          namespace: c.pod.namespace,
          pod: c.pod.name,
          eligibleNodes: c.eligibleNodes,
          blockedNodes: c.blockedNodes.length,
          blockedSample: expectedSample(c.blockedNodes, size),
          freeNodes: c.freeNodes.length,
          freeSample: [...c.freeNodes].sort(byteOrder).slice(0, size),
        })),
      )
      .sort((a, b) =>
        byteOrder(`${a.cluster}\0${a.namespace}\0${a.pod}`, `${b.cluster}\0${b.namespace}\0${b.pod}`),
      );
    const answer = await allPages<{
      cluster: string;
      namespace: string;
      pod: string;
      eligibleNodes: number;
      blockedNodes: number;
      blockedSample: SampleAnswer;
      freeNodes: number;
      freeSample: string[];
    }>("conflicts.list", { limit: 2, sampleSize: size }, "items");
    expect(
      answer.map((i) => ({
        cluster: i.cluster,
        namespace: i.namespace,
        pod: i.pod,
        eligibleNodes: i.eligibleNodes,
        blockedNodes: i.blockedNodes,
        blockedSample: sortedSample(i.blockedSample),
        freeNodes: i.freeNodes,
        freeSample: i.freeSample,
      })),
    ).toEqual(expected);
    expect(expected.length).toBeGreaterThan(2);
    expect(expected.some((c) => c.blockedNodes > size)).toBe(true);
  });
});

describe("ports.who summaries", () => {
  for (const asOf of INSTANTS) {
    it(`count the per-cluster views' allocations, ${label(asOf)}`, async () => {
      for (const hostPort of [80, 8443, 9100, 53]) {
        const byCluster: { cluster: string; allocations: number; nodes: number }[] = [];
        const byWorkload = new Map<
          string,
          { namespace: string; owner: unknown; allocations: number; clusters: Set<string> }
        >();
        for (const view of await views(asOf)) {
          const held = view.allocations.filter((a) => a.hostPort === hostPort);
          if (held.length === 0) continue;
          byCluster.push({
            cluster: view.cluster.name,
            allocations: held.length,
            nodes: new Set(held.map((a) => a.node)).size,
          });
          for (const a of held) {
            const owner = a.ownerKind && a.ownerName ? { kind: a.ownerKind, name: a.ownerName } : null;
            const key = JSON.stringify([a.namespace, a.ownerKind, a.ownerName]);
            const w = byWorkload.get(key) ?? {
              namespace: a.namespace,
              owner,
              allocations: 0,
              clusters: new Set(),
            };
            w.allocations++;
            w.clusters.add(view.cluster.name);
            byWorkload.set(key, w);
          }
        }
        const answer = await h.query("ports.who", {
          hostPort,
          ...(asOf ? { asOf: asOf.toISOString() } : {}),
        });
        if (!answer.ok) throw new Error(answer.error.message);
        const { summary } = answer.data;
        if (!summary) throw new Error("a first page carries the summary");
        expect(
          byJson(
            summary.byCluster.map(({ cluster, allocations, nodes }) => ({ cluster, allocations, nodes })),
          ),
        ).toEqual(byJson(byCluster));
        expect(byJson(summary.byWorkload)).toEqual(
          byJson([...byWorkload.values()].map((w) => ({ ...w, clusters: w.clusters.size }))),
        );
        expect(summary.total).toBe(byCluster.reduce((sum, c) => sum + c.allocations, 0));
      }
    });

    it(`equal the holder rows aggregated, in the same order, ${label(asOf)}, by protocol and cluster`, async () => {
      const when = asOf ? { asOf: asOf.toISOString() } : {};
      const registered = asOf !== undefined && asOf < REMOVED_AT;
      const questions: WhoQuestion[] = [
        { hostPort: 9100, ...when },
        { hostPort: 53, protocol: "UDP", ...when },
        { hostPort: 53, protocol: "TCP", ...when },
        { hostPort: 80, clusters: ["eq-b", ...(registered ? ["eq-gone"] : [])], ...when },
        { hostPort: 8443, ...when },
      ];
      for (const question of questions) {
        const answer = await h.query("ports.who", { ...question, limit: 1 });
        if (!answer.ok) throw new Error(answer.error.message);
        if (!answer.data.summary) throw new Error("a first page carries the summary");
        const { byCluster, ...summary } = answer.data.summary;
        expect(
          { ...summary, byCluster: byCluster.map(({ stale: _, ...c }) => c) },
          JSON.stringify(question),
        ).toEqual(await aggregatedWhoSummary(db(), question));
      }
    });
  }
});

describe("trends.allocations", () => {
  for (const hostPort of [80, 9100, undefined]) {
    it(`counts per step equal the views at each step (${hostPort ?? "every port"}, every cluster registered at the step)`, async () => {
      const from = new Date("2026-11-27T07:30:00Z");
      const answer = await h.query("trends.allocations", {
        from: from.toISOString(),
        to: NOW.toISOString(),
        step: "30m",
        ...(hostPort ? { hostPort } : {}),
      });
      if (!answer.ok) throw new Error(answer.error.message);
      const expected = [];
      // Before the fleet's first observation (a node seen) the counts are unknown: null, not 0.
      let observed = false;
      for (let t = from.getTime(); t <= NOW.getTime(); t += 30 * 60_000) {
        const at = new Date(t);
        let allocations = 0;
        let nodes = 0;
        const pods = new Set<string>();
        // A removed cluster counts until its removal (its open rows stay open in storage).
        for (const cluster of await selectClusters(db(), { asOf: at })) {
          const view = await loadClusterView(db(), { cluster, asOf: at });
          const held = view.allocations.filter((a) => hostPort === undefined || a.hostPort === hostPort);
          allocations += held.length;
          nodes += view.nodes.length;
          for (const a of held) pods.add(`${cluster.name}/${a.namespace}/${a.pod}`);
        }
        observed ||= nodes > 0;
        expected.push(
          observed
            ? { t: at.toISOString(), allocations, pods: pods.size, nodes }
            : { t: at.toISOString(), allocations: null, pods: null, nodes: null },
        );
      }
      expect(answer.data.points).toEqual(expected);
    });
  }
});
