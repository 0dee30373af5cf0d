/**
 * After the run, against the database itself: every acknowledged push is in the snapshot log, each
 * cluster's open allocations are those of its last acknowledged snapshot (or of a later push whose
 * answer was lost), no natural key is open twice in any history table, and every pod version's
 * template (pod_templates) is stored.
 */
import type postgres from "postgres";
import { historyTables, openKeyColumns, tableName } from "../../src/services/history-tables.js";

export interface AckedPush {
  clusterId: number;
  snapshotId: number;
  observedAt: string;
}

export interface ClusterOutcome {
  clusterId: number;
  name: string;
  /** allocation keys of the last acknowledged snapshot, or null when none was acknowledged */
  acked: string[] | null;
  /** snapshots sent after it whose answer never came (they may or may not have been applied) */
  unknown: string[][];
}

/** Every history table's open key (its declaration in src/services/history-tables.ts). */
const openKeys = historyTables.map((h) => [tableName(h), openKeyColumns(h).join(", ")] as const);

const sameSet = (a: readonly string[], b: ReadonlySet<string>) =>
  a.length === b.size && a.every((key) => b.has(key));

export async function verify(
  sql: postgres.Sql,
  acked: readonly AckedPush[],
  clusters: readonly ClusterOutcome[],
): Promise<string[]> {
  const failures: string[] = [];
  const logged = new Map<number, { clusterId: number; observedAt: number }>();
  const rows = await sql<{ id: string; cluster_id: number; observed_at: Date }[]>`
    SELECT id, cluster_id, observed_at FROM snapshots`;
  for (const row of rows) {
    logged.set(Number(row.id), { clusterId: row.cluster_id, observedAt: row.observed_at.getTime() });
  }
  let missing = 0;
  for (const push of acked) {
    const row = logged.get(push.snapshotId);
    if (!row || row.clusterId !== push.clusterId || row.observedAt !== Date.parse(push.observedAt)) {
      if (missing++ < 5) failures.push(`acknowledged push ${JSON.stringify(push)} is not in the log`);
    }
  }
  if (missing > 5) failures.push(`… ${missing} acknowledged pushes missing in all`);

  const open = new Map<number, Set<string>>();
  const allocations = await sql<{ cluster_id: number; key: string }[]>`
    SELECT cluster_id, concat_ws('|', node, namespace, pod, container, protocol, host_ip, host_port) AS key
    FROM port_allocations WHERE valid_to IS NULL`;
  for (const row of allocations) {
    let keys = open.get(row.cluster_id);
    if (!keys) {
      keys = new Set();
      open.set(row.cluster_id, keys);
    }
    keys.add(row.key);
  }
  for (const cluster of clusters) {
    const keys = open.get(cluster.clusterId) ?? new Set<string>();
    const candidates = [cluster.acked ?? [], ...cluster.unknown];
    if (!candidates.some((candidate) => sameSet(candidate, keys))) {
      failures.push(
        `cluster ${cluster.name}: ${keys.size} open allocations match neither its last acknowledged snapshot (${cluster.acked?.length ?? 0}) nor a later unanswered one`,
      );
    }
  }

  for (const [table, key] of openKeys) {
    const [row] = await sql<{ n: string }[]>`
      SELECT count(*) AS n FROM (
        SELECT 1 FROM ${sql(table)} WHERE valid_to IS NULL GROUP BY ${sql.unsafe(key)} HAVING count(*) > 1
      ) AS doubled`;
    if (Number(row?.n ?? 0) > 0) failures.push(`${table}: ${row?.n} natural keys open twice`);
  }
  const [orphans] = await sql<{ n: string }[]>`
    SELECT count(*) AS n FROM pod_versions p
    WHERE NOT EXISTS (SELECT 1 FROM pod_templates t WHERE t.cluster_id = p.cluster_id AND t.fp = p.template_fp)`;
  if (Number(orphans?.n ?? 0) > 0)
    failures.push(`pod_versions: ${orphans?.n} versions whose template is missing`);
  return failures;
}
