/**
 * Episodes of pods left Pending for host ports (the scheduler's NodePorts message, as conflicts.list
 * reads it), in SQL: consecutive versions of one pod that each carry the message are one episode (a
 * version ends where the next begins). Read by the period report (longest first) and the chart events
 * (starts and ends), through the unscheduled versions' partial index (pod_versions_unscheduled_idx).
 */
import { type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { podVersions } from "../db/schema/index.js";
import { HOST_PORT_FAILURE_PATTERN } from "../domain/conflicts.js";
import { removedAt } from "./trend-counts.js";

/**
 * The CTEs `pending`, `marked`, `numbered` and `episodes` (cluster_id, namespace, pod, since, until,
 * ports) for the episodes overlapping [from, to]; `until` is NULL for one still pending at `to`.
 * Used as `WITH ${episodesCte(...)} SELECT … FROM episodes`.
 */
export function episodesCte(inScope: (clusterId: PgColumn) => SQL, from: SQL, to: SQL): SQL {
  const p = podVersions;
  return sql`pending AS (
          SELECT ${p.clusterId} AS cluster_id, ${p.namespace} AS namespace, ${p.name} AS pod, ${p.ports} AS ports,
                 ${p.validFrom} AS f,
                 coalesce(${p.validTo}, ${removedAt(p.clusterId)}) AS t
          FROM ${p}
          WHERE ${inScope(p.clusterId)} AND ${p.node} IS NULL
            AND ${p.schedulingMessage} ~* ${HOST_PORT_FAILURE_PATTERN}
            AND ${p.validFrom} <= ${to} AND (${p.validTo} IS NULL OR ${p.validTo} > ${from})
        ), marked AS (
          SELECT pending.*, CASE WHEN lag(t) OVER w = f THEN 0 ELSE 1 END AS starts
          FROM pending WINDOW w AS (PARTITION BY cluster_id, namespace, pod ORDER BY f)
        ), numbered AS (
          SELECT marked.*, sum(starts) OVER (PARTITION BY cluster_id, namespace, pod ORDER BY f) AS episode
          FROM marked
        ), episodes AS (
          SELECT cluster_id, namespace, pod, min(f) AS since,
                 CASE WHEN bool_or(t IS NULL OR t > ${to}) THEN NULL ELSE max(t) END AS until,
                 (array_agg(ports ORDER BY f DESC))[1] AS ports
          FROM numbered GROUP BY cluster_id, namespace, pod, episode
        )`;
}

/** An episode's ports as text: "80/TCP, 443/TCP". */
export const portsText = (ports: readonly { hostPort: number; protocol: string }[]) =>
  ports.map((port) => `${port.hostPort}/${port.protocol}`).join(", ");
