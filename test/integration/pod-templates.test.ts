/**
 * Pod templates (pod_templates): a pod version names its placement rules instead of carrying them.
 * Migration 0019 moves the rules of existing history into templates without changing any version's
 * meaning or fingerprint; readers see the rules as before; the retention prune deletes the templates
 * no version refers to any more, and only those. On the normal harness (PGlite, or PostgreSQL).
 */
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { canonicalState } from "../../src/contract/canonical.js";
import { parseSnapshot, type SnapshotInput } from "../../src/contract/snapshot.js";
import { insertStatements } from "../../src/db/bulk-insert.js";
import { applyMigrations } from "../../src/db/migrate.js";
import { rawRows } from "../../src/db/raw.js";
import { clusters } from "../../src/db/schema/index.js";
import { factsFromState } from "../../src/domain/history.js";
import { loadFactState } from "../../src/services/base-states.js";
import { loadClusterView } from "../../src/services/cluster-view.js";
import type { ServiceContext } from "../../src/services/context.js";
import { pruneHistory } from "../../src/services/history-prune.js";
import { podTemplateInsert } from "../../src/services/ingest-sql.js";
import { hostNetworkPod, node, snapshot } from "../fixtures/snapshots.js";
import { createHarness, dataOf, type Harness } from "../helpers/app.js";
import { onRealPostgres } from "../helpers/database.js";

const DAY = 86_400_000;
const START = Date.parse("2026-01-01T00:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();
type PodInput = SnapshotInput["pods"][number];

let clock = START;
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ now: () => new Date(clock), historyRetentionDays: 10 });
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.reset();
  clock = START;
});

const infra = {
  tolerations: [
    { key: "dedicated", operator: "Equal" as const, value: "infra", effect: "NoSchedule" as const },
  ],
  requiredNodeAffinity: {
    nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "In" as const, values: ["a", "b"] }] }],
  },
};

/** Day `day`'s pods: one whose rules never change, and a router whose nodeSelector changes daily. */
const podsOf = (day: number): PodInput[] => [
  hostNetworkPod(
    "monitoring",
    "exporter",
    "worker-1",
    [9100],
    { kind: "DaemonSet", name: "exporter" },
    infra,
  ),
  hostNetworkPod(
    "ingress",
    "router",
    "worker-2",
    [10_000],
    { kind: "ReplicaSet", name: "router-1" },
    {
      nodeSelector: { pool: `edge-${day % 5}` },
    },
  ),
  hostNetworkPod("batch", `job-${day}`, day % 2 ? null : "worker-1", [9200], null, {
    tolerations: [{ operator: "Exists" }],
  }),
];

async function pushDays(cluster: string, days: number) {
  const token = await h.register(cluster);
  for (let day = 0; day < days; day++) {
    clock = START + day * DAY;
    const res = await h.push(
      token,
      snapshot(cluster, iso(clock), [node("worker-1"), node("worker-2")], podsOf(day)),
    );
    expect(res.status, await res.clone().text()).toBe(200);
  }
  return token;
}

/** Every pod version with its rules as readers join them, in id order. */
const podVersionsWithRules = () =>
  rawRows<Record<string, unknown>>(
    h.database.db,
    sql`SELECT p.id::float8 AS id, p.cluster_id, p.namespace, p.name, p.node, p.phase, p.host_network, p.ports,
               p.fp, p.valid_from::text AS valid_from, p.valid_to::text AS valid_to,
               t.node_selector, t.tolerations, t.required_node_affinity
        FROM pod_versions p JOIN pod_templates t ON t.cluster_id = p.cluster_id AND t.fp = p.template_fp
        ORDER BY p.id`,
  );

const context = (): ServiceContext => ({
  db: h.database.db,
  config: { staleAfterSeconds: 600, maxClockSkewSeconds: 300, historyRetentionDays: 10 },
  now: () => new Date(clock),
});

const count = async (query: ReturnType<typeof sql>) =>
  (await rawRows<{ n: number }>(h.database.db, query))[0]?.n ?? -1;

/** The schema as it was before migration 0019, with the rules back in every row, and 0019 not applied. */
async function downgradeToBeforeTemplates() {
  const db = h.database.db;
  await db.execute(sql`ALTER TABLE pod_versions ADD COLUMN node_selector jsonb, ADD COLUMN tolerations jsonb,
    ADD COLUMN required_node_affinity jsonb`);
  await db.execute(sql`UPDATE pod_versions p SET node_selector = t.node_selector, tolerations = t.tolerations,
    required_node_affinity = t.required_node_affinity
    FROM pod_templates t WHERE t.cluster_id = p.cluster_id AND t.fp = p.template_fp`);
  await db.execute(sql`ALTER TABLE pod_versions ALTER COLUMN node_selector SET NOT NULL,
    ALTER COLUMN tolerations SET NOT NULL, DROP COLUMN template_fp`);
  await db.execute(sql`DROP TABLE pod_templates`);
  await db.execute(
    sql`DELETE FROM drizzle.__drizzle_migrations WHERE id = (SELECT max(id) FROM drizzle.__drizzle_migrations)`,
  );
}

describe("pod templates", () => {
  it("are stored once per distinct rules per cluster, and readers see each pod's own rules", async () => {
    await pushDays("prod-a", 6);
    // exporter: 1; router: 5 nodeSelectors; jobs: 1.
    expect(await count(sql`SELECT count(*)::int AS n FROM pod_templates`)).toBe(7);
    const versions = await count(sql`SELECT count(*)::int AS n FROM pod_versions`);
    expect(versions).toBeGreaterThan(7);
    const cluster = (await rawRows<{ id: number }>(h.database.db, sql`SELECT id FROM clusters`))[0]?.id ?? 0;
    const state = await loadFactState(h.database.db, cluster);
    // The facts read back (rules from the templates) are those of the last state, fingerprints and all.
    const parsed = parseSnapshot(
      snapshot("prod-a", iso(clock), [node("worker-1"), node("worker-2")], podsOf(5)),
    );
    if (!parsed.ok) throw new Error(parsed.message);
    const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : 1);
    expect([...state.pods.values()].sort(byName)).toEqual(
      factsFromState(canonicalState(parsed.snapshot)).pods.sort(byName),
    );
    // A past instant reads the rules that applied then: in the view, and in the map (no node is in
    // pool edge-2, so the router may go nowhere; the job, with no rules, anywhere).
    const [row] = await h.database.db.select().from(clusters);
    if (!row) throw new Error("no cluster");
    const view = await loadClusterView(h.database.db, { cluster: row, asOf: new Date(START + 2 * DAY) });
    expect(view.pods.find((p) => p.name === "router")?.nodeSelector).toEqual({ pool: "edge-2" });
    expect(view.pods.find((p) => p.name === "exporter")).toMatchObject(infra);
    const map = dataOf(await h.query("ports.map", { cluster: "prod-a", asOf: iso(START + 2 * DAY) })) as {
      ports: { hostPort: number; eligibleNodes: number }[];
    };
    expect(map.ports.map((p) => [p.hostPort, p.eligibleNodes])).toEqual([
      [9100, 0],
      [9200, 2],
      [10_000, 0],
    ]);
  }, 120_000);

  it("migration 0019 keeps every version's interval, rules and fingerprint, and the next push re-versions nothing", async () => {
    const token = await pushDays("prod-a", 4);
    await pushDays("prod-b", 2);
    const before = await podVersionsWithRules();
    await downgradeToBeforeTemplates();

    await applyMigrations(h.database);

    expect(await podVersionsWithRules()).toEqual(before);
    // Distinct rules per cluster: prod-a 1 + 4 + 1, prod-b 1 + 2 + 1.
    expect(await count(sql`SELECT count(*)::int AS n FROM pod_templates`)).toBe(10);
    // The same state again, diffed against the migrated rows (not taken for a heartbeat by its hash).
    await h.database.db.execute(sql`UPDATE clusters SET last_snapshot_hash = NULL`);
    clock = START + 4 * DAY;
    const last = snapshot("prod-a", iso(clock), [node("worker-1"), node("worker-2")], podsOf(3));
    const res = await h.push(token, last);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ opened: 0, closed: 0 });
    // A changed push afterwards stores its rules and reads back whole.
    clock = START + 5 * DAY;
    const next = await h.push(
      token,
      snapshot("prod-a", iso(clock), [node("worker-1"), node("worker-2")], podsOf(4)),
    );
    expect(await next.json()).toMatchObject({ changed: true });
    const after = await podVersionsWithRules();
    expect(after.slice(0, before.length).map((r) => r.fp)).toEqual(before.map((r) => r.fp));
    expect(await count(sql`SELECT count(*)::int AS n FROM pod_versions`)).toBe(after.length);
  }, 120_000);

  it("are pruned once no version refers to them, open or closed, and never before", async () => {
    await pushDays("prod-a", 20);
    clock = START + 20 * DAY;
    const ctx = context();
    const templatesBefore = await count(sql`SELECT count(*)::int AS n FROM pod_templates`);
    const report = await pruneHistory(ctx, { retentionDays: 10, batchSize: 2, pauseMs: 0 });
    expect(report.pruned.pods).toBeGreaterThan(0);
    // Every template a version refers to is still stored: the readers' inner join loses no version.
    expect(
      await count(sql`SELECT count(*)::int AS n FROM pod_versions p
        WHERE NOT EXISTS (SELECT 1 FROM pod_templates t WHERE t.cluster_id = p.cluster_id AND t.fp = p.template_fp)`),
    ).toBe(0);
    // And none is stored that no version refers to.
    expect(
      await count(sql`SELECT count(*)::int AS n FROM pod_templates t
        WHERE NOT EXISTS (SELECT 1 FROM pod_versions p WHERE p.cluster_id = t.cluster_id AND p.template_fp = t.fp)`),
    ).toBe(0);
    const templatesAfter = await count(sql`SELECT count(*)::int AS n FROM pod_templates`);
    expect(report.podTemplates).toBe(templatesBefore - templatesAfter);
    // The router's five nodeSelectors recur every five days: all are still in use after day 10.
    // The jobs' one template is shared by kept versions; nothing of the kept history was lost.
    expect(report.podTemplates).toBe(0);

    // A cluster whose rules stopped recurring: its old templates go.
    const token = await h.register("prod-b");
    for (const day of [0, 1, 12]) {
      clock = START + day * DAY;
      const pods = [
        hostNetworkPod("ingress", "router", "worker-2", [10_000], null, {
          nodeSelector: { day: String(day) },
        }),
      ];
      expect((await h.push(token, snapshot("prod-b", iso(clock), [node("worker-2")], pods))).status).toBe(
        200,
      );
    }
    clock = START + 20 * DAY;
    const second = await pruneHistory(ctx, { retentionDays: 10, batchSize: 2, pauseMs: 0 });
    // Day 0's version ended on day 1 (pruned), day 1's on day 12 (kept: closed, still referenced).
    expect(second.podTemplates).toBe(1);
    const kept = await rawRows<{ node_selector: unknown }>(
      h.database.db,
      sql`SELECT t.node_selector FROM pod_templates t JOIN clusters c ON c.id = t.cluster_id
          WHERE c.name = 'prod-b' ORDER BY t.node_selector->>'day'`,
    );
    expect(kept.map((r) => r.node_selector)).toEqual([{ day: "1" }, { day: "12" }]);
  }, 180_000);

  // PostgreSQL only: it needs two connections at once (a push holding its lock while the prune runs);
  // the embedded database serves one statement at a time.
  it.skipIf(!onRealPostgres())(
    "are not deleted while a push that names one again is in flight: the push's lock keeps it",
    async () => {
      const token = await h.register("prod-c");
      for (const day of [0, 1]) {
        clock = START + day * DAY;
        const pods = [
          hostNetworkPod("ingress", "router", "worker-2", [10_000], null, {
            nodeSelector: { day: `${day}` },
          }),
        ];
        expect((await h.push(token, snapshot("prod-c", iso(clock), [node("worker-2")], pods))).status).toBe(
          200,
        );
      }
      clock = START + 20 * DAY;
      const [day0] = await rawRows<{ cluster_id: number; fp: string }>(
        h.database.db,
        sql`SELECT cluster_id, fp::text AS fp FROM pod_templates WHERE node_selector = '{"day": "0"}'`,
      );
      if (!day0) throw new Error("no template for day 0");
      const url = (h.database as { url?: string }).url;
      if (!url) throw new Error("no database url on PostgreSQL");
      const other = postgres(url, { max: 1, onnotice: () => {} });
      try {
        // Another push, in flight: it names day 0's rules again (its template insert only locks the
        // stored row) and inserts a version naming it, not yet committed.
        await drizzle(other).transaction(async (push) => {
          const template = {
            fp: day0.fp,
            nodeSelector: { day: "0" },
            tolerations: [],
            requiredNodeAffinity: null,
          };
          for (const statement of insertStatements([podTemplateInsert(day0.cluster_id, [template])]))
            await push.execute(statement);
          await push.execute(sql`INSERT INTO pod_versions (cluster_id, namespace, name, node, phase, host_network,
              ports, template_fp, unschedulable, fp, valid_from)
            VALUES (${day0.cluster_id}, 'ingress', 'router-again', 'worker-2', 'Running', true, '[]', ${day0.fp}::bigint,
              false, 'x', ${iso(clock)}::timestamptz)`);
          // Meanwhile the prune deletes day 0's version (closed on day 1), and would its template.
          const report = await pruneHistory(context(), { retentionDays: 10, batchSize: 100, pauseMs: 0 });
          expect(report.pruned.pods).toBe(1);
          expect(report.podTemplates).toBe(0);
        });
        // Committed: the version the push inserted names a stored template, and the next prune keeps it.
        expect((await pruneHistory(context(), { retentionDays: 10, pauseMs: 0 })).podTemplates).toBe(0);
        expect(
          await count(sql`SELECT count(*)::int AS n FROM pod_templates WHERE fp = ${day0.fp}::bigint`),
        ).toBe(1);
      } finally {
        await other.end();
      }
    },
    120_000,
  );
});
