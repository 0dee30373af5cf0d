/**
 * Every read procedure the benchmark times, each beside the bare SQL that answers the same question
 * (the figures an answer is made of, without its presentation): the floor the API is compared with.
 */
import type { Sql } from "postgres";
import type { FleetSize } from "./build.js";
import { clusterSpec, fleetPorts } from "./generate.js";

export interface BenchCase {
  name: string;
  /** path and query of the API call: tRPC over plain JSON GET, or a REST route */
  path: string;
  /** runs the bare SQL; answers how many rows came back */
  sql: (db: Sql) => Promise<number>;
}

const trpc = (procedure: string, input: unknown) =>
  `/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`;

const DAY = 86_400_000;

/** valid_to IS NULL for "now", the interval test otherwise (the same predicate src/db/validity.ts builds). */
function validAt(db: Sql, asOf: Date | undefined) {
  return asOf
    ? db`a.valid_from <= ${asOf} AND (a.valid_to IS NULL OR a.valid_to > ${asOf})`
    : db`a.valid_to IS NULL`;
}

/** ports.who's own question: a page of holders, and the summary from the count projections. */
async function whoSql(db: Sql, hostPort: number, asOf: Date | undefined): Promise<number> {
  // The page in the order ports.who gives it: now by id; as of T, closed rows by when they ended, then
  // open rows by when they began.
  const columns = db`a.id, c.name AS cluster, a.node, a.namespace, a.pod, a.owner_kind, a.owner_name, a.container,
           a.container_port, a.protocol, a.host_ip, a.host_port, a.host_network, a.valid_from, a.valid_to`;
  const holders = db`port_allocations a JOIN clusters c ON c.id = a.cluster_id`;
  const page = asOf
    ? await db`
        (SELECT ${columns} FROM ${holders}
         WHERE a.host_port = ${hostPort} AND a.valid_to > ${asOf} AND a.valid_from <= ${asOf} AND c.removed_at IS NULL
         ORDER BY a.valid_to, a.id LIMIT 1001)
        UNION ALL
        (SELECT ${columns} FROM ${holders}
         WHERE a.host_port = ${hostPort} AND a.valid_to IS NULL AND a.valid_from <= ${asOf} AND c.removed_at IS NULL
         ORDER BY a.valid_from, a.id LIMIT 1001)`
    : await db`
        SELECT ${columns} FROM ${holders}
        WHERE a.host_port = ${hostPort} AND a.valid_to IS NULL AND c.removed_at IS NULL
        ORDER BY a.id LIMIT 1001`;
  const byCluster = await db`
    SELECT c.name, a.allocations, a.nodes
    FROM cluster_port_count_versions a JOIN clusters c ON c.id = a.cluster_id
    WHERE a.host_port = ${hostPort} AND a.protocol = '' AND ${validAt(db, asOf)} AND c.removed_at IS NULL
    ORDER BY c.name`;
  const byWorkload = await db`
    SELECT a.namespace, a.kind, a.name, sum(a.allocations) AS allocations, count(DISTINCT a.cluster_id) AS clusters
    FROM port_count_versions a WHERE a.host_port = ${hostPort} AND a.protocol = '' AND ${validAt(db, asOf)}
    GROUP BY 1, 2, 3 ORDER BY 1, 3`;
  return page.length + byCluster.length + byWorkload.length;
}

/** Per host port of one cluster (now or as of T): nodes holding it, its workloads, and schedulable nodes left. */
async function mapSql(db: Sql, cluster: string, asOf?: Date): Promise<number> {
  const nodesAt = asOf
    ? db`valid_from <= ${asOf} AND (valid_to IS NULL OR valid_to > ${asOf})`
    : db`valid_to IS NULL`;
  const rows = await db`
    WITH c AS (SELECT id FROM clusters WHERE name = ${cluster} AND removed_at IS NULL),
    n AS (SELECT count(*) FILTER (WHERE ready AND NOT unschedulable) AS schedulable
          FROM node_versions WHERE cluster_id = (SELECT id FROM c) AND ${nodesAt})
    SELECT a.protocol, a.host_ip, a.host_port, count(DISTINCT a.node) AS nodes,
           array_agg(DISTINCT coalesce(a.owner_kind || '/' || a.owner_name, 'Pod/' || a.pod)) AS workloads,
           n.schedulable - count(DISTINCT a.node) AS free
    FROM port_allocations a, n
    WHERE a.cluster_id = (SELECT id FROM c) AND ${validAt(db, asOf)}
    GROUP BY a.protocol, a.host_ip, a.host_port, n.schedulable ORDER BY 3, 1, 2`;
  return rows.length;
}

/**
 * Per cluster, for a pod without selector or tolerations: eligible nodes, those blocked by an
 * allocation on the ports, the first 20 blocked nodes with their blockers, and who blocks.
 */
async function checkFitSql(db: Sql, ports: number[], replicas: number): Promise<number> {
  const blocked = db`
    eligible AS (
      SELECT cluster_id, name FROM node_versions
      WHERE valid_to IS NULL AND ready AND NOT unschedulable
        AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(taints) t
                        WHERE t->>'effect' IN ('NoSchedule', 'NoExecute'))),
    blockers AS (
      SELECT a.cluster_id, a.node, a.namespace, a.pod, a.owner_kind, a.owner_name, a.host_port, a.valid_from
      FROM port_allocations a JOIN eligible e ON e.cluster_id = a.cluster_id AND e.name = a.node
      WHERE a.valid_to IS NULL AND a.protocol = 'TCP' AND a.host_port IN ${db(ports)})`;
  const verdicts = await db`
    WITH ${blocked}
    SELECT c.name, count(e.name) AS eligible,
           count(e.name) - (SELECT count(DISTINCT (b.cluster_id, b.node)) FROM blockers b WHERE b.cluster_id = c.id) AS fitting
    FROM clusters c LEFT JOIN eligible e ON e.cluster_id = c.id
    WHERE c.removed_at IS NULL GROUP BY c.id, c.name ORDER BY c.name`;
  const sample = await db`
    WITH ${blocked},
    ranked AS (SELECT cluster_id, node, row_number() OVER (PARTITION BY cluster_id ORDER BY node COLLATE "C") AS r
               FROM (SELECT DISTINCT cluster_id, node FROM blockers) d)
    SELECT b.* FROM blockers b JOIN ranked USING (cluster_id, node) WHERE r <= 20`;
  const who = await db`
    WITH ${blocked}
    SELECT cluster_id, namespace, owner_kind, owner_name, count(DISTINCT node) AS nodes
    FROM blockers GROUP BY 1, 2, 3, 4`;
  return verdicts.filter((v) => Number(v.fitting) >= replicas).length + sample.length + who.length;
}

/** Pending pods the scheduler blocked on ports (first page of 100), their eligible nodes and blockers. */
async function conflictsSql(db: Sql): Promise<number> {
  const rows = await db`
    WITH pending AS (
      SELECT p.id, p.cluster_id, p.namespace, p.name, p.ports, t.node_selector, p.scheduling_message, p.valid_from
      FROM pod_versions p JOIN pod_templates t ON t.cluster_id = p.cluster_id AND t.fp = p.template_fp
      WHERE p.valid_to IS NULL AND p.node IS NULL
        AND scheduling_message ~* 'free ports for the requested pod ports'
      ORDER BY cluster_id, namespace, name LIMIT 101),
    eligible AS (
      SELECT p.id, n.name AS node FROM pending p
      JOIN node_versions n ON n.cluster_id = p.cluster_id AND n.valid_to IS NULL
       AND n.ready AND NOT n.unschedulable AND n.labels @> p.node_selector)
    SELECT p.cluster_id, p.namespace, p.name, p.scheduling_message, p.valid_from,
      (SELECT count(*) FROM eligible e WHERE e.id = p.id) AS eligible_nodes,
      (SELECT json_agg(json_build_object('node', a.node, 'pod', a.pod, 'hostPort', a.host_port))
       FROM eligible e
       JOIN jsonb_array_elements(p.ports) w ON true
       JOIN port_allocations a ON a.valid_to IS NULL AND a.cluster_id = p.cluster_id AND a.node = e.node
        AND a.host_port = (w->>'hostPort')::int AND a.protocol = w->>'protocol'
       WHERE e.id = p.id) AS blockers
    FROM pending p`;
  return rows.length;
}

/** Nodes at each step point: a base count plus a running sum of boundary deltas. */
async function nodeSeriesSql(db: Sql, from: Date, to: Date, stepSeconds: number): Promise<number> {
  const table = "node_versions";
  const filter = db`true`;
  const rows = await db`
    WITH base AS (
      SELECT count(*) AS n FROM ${db(table)}
      WHERE ${filter} AND valid_from <= ${from} AND (valid_to IS NULL OR valid_to > ${from})),
    deltas AS (
      SELECT k, sum(d) AS d FROM (
        SELECT ceil(extract(epoch FROM valid_from - ${from}::timestamptz) / ${stepSeconds})::int AS k, 1 AS d
        FROM ${db(table)} WHERE ${filter} AND valid_from > ${from} AND valid_from <= ${to}
        UNION ALL
        SELECT ceil(extract(epoch FROM valid_to - ${from}::timestamptz) / ${stepSeconds})::int, -1
        FROM ${db(table)} WHERE ${filter} AND valid_to > ${from} AND valid_to <= ${to}) b
      GROUP BY k)
    SELECT s.k, (SELECT n FROM base) + coalesce(sum(deltas.d) OVER (ORDER BY s.k), 0) AS value
    FROM generate_series(0, floor(extract(epoch FROM ${to}::timestamptz - ${from}::timestamptz) / ${stepSeconds})::int) s(k)
    LEFT JOIN deltas ON deltas.k = s.k ORDER BY s.k`;
  return rows.length;
}

/** trends.allocations' own question: the port's count rows (any protocol) summed at each step. */
async function countSeriesSql(db: Sql, hostPort: number, from: Date, to: Date, stepSeconds: number) {
  const rows = await db`
    WITH r AS (
      SELECT valid_from AS f, valid_to AS t, allocations AS a, pods AS p FROM port_count_versions
      WHERE host_port = ${hostPort} AND protocol = '' AND valid_from <= ${to}
        AND (valid_to IS NULL OR valid_to > ${from}))
    SELECT k, sum(a) AS a, sum(p) AS p FROM (
      SELECT greatest(0, ceil(extract(epoch FROM f - ${from}::timestamptz) / ${stepSeconds}))::int AS k, a, p FROM r
      UNION ALL
      SELECT greatest(0, ceil(extract(epoch FROM t - ${from}::timestamptz) / ${stepSeconds}))::int, -a, -p
      FROM r WHERE t <= ${to}) b
    GROUP BY k`;
  return rows.length;
}

async function metricsSql(db: Sql): Promise<number> {
  const clusters = await db`
    SELECT id, name, last_seen_at, last_observed_at, snapshots_accepted, snapshots_changed, port_summary
    FROM clusters WHERE removed_at IS NULL ORDER BY name`;
  const headroom = await db`
    SELECT c.name, h.namespace, h.kind, h.name, h.replicas, h.eligible_nodes, h.free_nodes, h.headroom
    FROM headroom_versions h JOIN clusters c ON c.id = h.cluster_id
    WHERE h.valid_to IS NULL AND c.removed_at IS NULL ORDER BY c.name, h.namespace, h.name`;
  return clusters.length + headroom.length;
}

async function headroomSql(db: Sql, cluster: string | undefined): Promise<number> {
  const scope = cluster === undefined ? db`true` : db`c.name = ${cluster}`;
  const rows = await db`
    SELECT c.name, h.namespace, h.kind, h.name, h.ports, h.replicas, h.pending, h.eligible_nodes, h.free_nodes,
           h.headroom, h.status, h.max_replicas
    FROM headroom_versions h JOIN clusters c ON c.id = h.cluster_id
    WHERE h.valid_to IS NULL AND c.removed_at IS NULL AND ${scope}
    ORDER BY c.name COLLATE "C", h.namespace COLLATE "C", h.kind COLLATE "C", h.name COLLATE "C" LIMIT 1001`;
  return rows.length;
}

/** As-of instants spread over the history: −1 d, the middle, and a day before its start (−1/−15/−29 d at 30 days). */
export function asOfOffsetsDays(days: number): number[] {
  const offsets = [1, Math.floor(days / 2), days - 1].map((d) => Math.min(Math.max(d, 0.25), days - 0.25));
  return [...new Set(offsets)];
}

export function benchCases(size: FleetSize, now: Date): BenchCase[] {
  const names = Array.from({ length: size.clusters }, (_, i) => clusterSpec(i).name);
  const one = names[0] ?? "fleet-000";
  const node = `worker-${Math.min(size.nodes - 1, 10)}`;
  const from = new Date(now.getTime() - size.days * DAY);
  const hourly = { from: from.toISOString(), to: now.toISOString(), step: "1h" };
  const exporter = fleetPorts.exporter;
  const cases: BenchCase[] = [
    {
      name: "ports.who 9100 now",
      path: trpc("ports.who", { hostPort: exporter }),
      sql: (db) => whoSql(db, exporter, undefined),
    },
  ];
  for (const days of asOfOffsetsDays(size.days)) {
    const asOf = new Date(now.getTime() - days * DAY);
    cases.push({
      name: `ports.who 9100 as of -${days}d`,
      path: trpc("ports.who", { hostPort: exporter, asOf: asOf.toISOString() }),
      sql: (db) => whoSql(db, exporter, asOf),
    });
  }
  const rare = fleetPorts.rare;
  const fit = fleetPorts.fit;
  cases.push(
    {
      name: `ports.who ${rare} (rare)`,
      path: trpc("ports.who", { hostPort: rare }),
      sql: (db) => whoSql(db, rare, undefined),
    },
    {
      name: "ports.map one cluster",
      path: trpc("ports.map", { cluster: one }),
      sql: (db) => mapSql(db, one),
    },
    ...asOfOffsetsDays(size.days)
      .filter((days) => days > 1)
      .flatMap((days) => {
        const asOf = new Date(now.getTime() - days * DAY);
        return [
          {
            name: `ports.map one cluster as of -${days}d`,
            path: trpc("ports.map", { cluster: one, asOf: asOf.toISOString() }),
            sql: (db: Sql) => mapSql(db, one, asOf),
          },
          {
            name: `reports.portMap one cluster as of -${days}d`,
            path: trpc("reports.portMap", { cluster: one, format: "markdown", asOf: asOf.toISOString() }),
            sql: (db: Sql) => mapSql(db, one, asOf),
          },
        ];
      }),
    {
      name: "ports.node",
      path: trpc("ports.node", { cluster: one, node }),
      sql: async (db) =>
        (
          await db`
          SELECT a.* FROM port_allocations a JOIN clusters c ON c.id = a.cluster_id
          WHERE c.name = ${one} AND a.node = ${node} AND a.valid_to IS NULL
          ORDER BY a.host_port, a.protocol, a.host_ip`
        ).length,
    },
    {
      name: "capacity.headroom one cluster",
      path: trpc("capacity.headroom", { clusters: [one] }),
      sql: (db) => headroomSql(db, one),
    },
    {
      name: "capacity.headroom fleet",
      path: trpc("capacity.headroom", {}),
      sql: (db) => headroomSql(db, undefined),
    },
    {
      name: `capacity.checkFit ${fit.join("/")} x2 all clusters`,
      path: trpc("capacity.checkFit", {
        clusters: names,
        ports: fit.map((hostPort) => ({ hostPort, protocol: "TCP" })),
        replicas: 2,
      }),
      sql: (db) => checkFitSql(db, fit, 2),
    },
    {
      name: "capacity.freeRanges width 3",
      path: trpc("capacity.freeRanges", { width: 3, protocol: "TCP" }),
      sql: async (db) =>
        (
          await db`
          WITH used AS (SELECT DISTINCT host_port FROM port_allocations WHERE valid_to IS NULL AND protocol = 'TCP'
                        UNION SELECT 0 UNION SELECT 65536)
          SELECT p + 1 AS port_from, next - 1 AS port_to
          FROM (SELECT host_port AS p, lead(host_port) OVER (ORDER BY host_port) AS next FROM used) g
          WHERE next - p - 1 >= 3 ORDER BY p LIMIT 20`
        ).length,
    },
    { name: "conflicts.list fleet", path: trpc("conflicts.list", {}), sql: conflictsSql },
    {
      name: `trends.allocations 9100 ${size.days}d hourly`,
      path: trpc("trends.allocations", { ...hourly, hostPort: exporter }),
      sql: async (db) =>
        (await countSeriesSql(db, exporter, from, now, 3600)) + (await nodeSeriesSql(db, from, now, 3600)),
    },
    {
      name: `trends.headroom ${size.days}d hourly`,
      path: trpc("trends.headroom", {
        ...hourly,
        cluster: one,
        // headroom is kept for Deployments (a DaemonSet has no replicas to add)
        namespace: "openshift-ingress",
        kind: "Deployment",
        name: "router-default",
      }),
      sql: async (db) =>
        (
          await db`
          SELECT h.* FROM headroom_versions h JOIN clusters c ON c.id = h.cluster_id
          WHERE c.name = ${one} AND h.namespace = 'openshift-ingress' AND h.kind = 'Deployment'
            AND h.name = 'router-default' AND h.valid_from <= ${now} AND (h.valid_to IS NULL OR h.valid_to > ${from})`
        ).length,
    },
    {
      name: "reports.portMap one cluster",
      path: trpc("reports.portMap", { cluster: one, format: "markdown" }),
      sql: (db) => mapSql(db, one),
    },
    { name: "/metrics", path: "/metrics", sql: metricsSql },
  );
  return cases;
}
