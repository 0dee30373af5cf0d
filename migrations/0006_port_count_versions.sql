CREATE TABLE "port_count_versions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "port_count_versions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"cluster_id" integer NOT NULL,
	"host_port" integer NOT NULL,
	"protocol" text NOT NULL,
	"namespace" text NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"allocations" integer NOT NULL,
	"pods" integer NOT NULL,
	"fp" text NOT NULL,
	"valid_from" timestamp with time zone NOT NULL,
	"valid_to" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "port_count_versions" ADD CONSTRAINT "port_count_versions_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- The backfill's sorts, in memory where they fit (this transaction only).
SET LOCAL work_mem = '256MB';--> statement-breakpoint
-- Backfill (hand-added): the count rows ingest would have written, from the port_allocations history,
-- so trends before the upgrade do not read zero. Per workload (kind "Pod" named after the pod for bare
-- pods) and level ((port, protocol), (port, any: ''), (any: 0, protocol), (any, any)): allocation
-- events at valid_from/valid_to, pod events at the ends of each pod's islands (its overlapping or
-- touching rows merged), summed per instant; instants that change no count are dropped, as ingest
-- keeps an unchanged row; one version per interval between consecutive instants while counts > 0.
-- fp is computed as src/domain/port-counts.ts does (SHA-256 of the same JSON text, base64url, 24
-- characters): the first push after the upgrade finds its open rows unchanged.
-- One cluster at a time: each cluster's sorts fit in work_mem (the whole fleet at once spilled ~32 GB
-- of temporary files and took 22 min at 200 clusters × 14.5 M allocation rows).
DO $backfill$
DECLARE
  cluster integer;
BEGIN
  FOR cluster IN SELECT id FROM "clusters" ORDER BY id LOOP
    INSERT INTO "port_count_versions" ("cluster_id", "host_port", "protocol", "namespace", "kind", "name", "allocations", "pods", "fp", "valid_from", "valid_to")
    WITH spans AS (
      SELECT a.cluster_id, a.namespace, coalesce(a.owner_kind, 'Pod') AS kind, coalesce(a.owner_name, a.pod) AS name,
             l.host_port, l.protocol, a.pod, a.valid_from AS f, coalesce(a.valid_to, 'infinity') AS t
      FROM "port_allocations" a
      CROSS JOIN LATERAL (VALUES (a.host_port, a.protocol), (a.host_port, ''), (0, a.protocol), (0, '')) AS l(host_port, protocol)
      WHERE a.cluster_id = cluster
    ),
    -- Byte order (COLLATE "C") for the partitions: any order groups them, and it sorts several times faster.
    marked AS (
      SELECT *, CASE WHEN f <= max(t) OVER (pod ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) THEN 0 ELSE 1 END AS starts
      FROM spans
      WINDOW pod AS (PARTITION BY cluster_id, namespace COLLATE "C", kind COLLATE "C", name COLLATE "C", host_port,
                                  protocol COLLATE "C", pod COLLATE "C" ORDER BY f, t)
    ),
    numbered AS (
      SELECT *, sum(starts) OVER (pod ROWS UNBOUNDED PRECEDING) AS island
      FROM marked
      WINDOW pod AS (PARTITION BY cluster_id, namespace COLLATE "C", kind COLLATE "C", name COLLATE "C", host_port,
                                  protocol COLLATE "C", pod COLLATE "C" ORDER BY f, t)
    ),
    islands AS (
      SELECT cluster_id, namespace, kind, name, host_port, protocol, min(f) AS f, max(t) AS t
      FROM numbered GROUP BY cluster_id, namespace, kind, name, host_port, protocol, pod, island
    ),
    events AS (
      SELECT cluster_id, namespace, kind, name, host_port, protocol, at, sum(da) AS da, sum(dp) AS dp
      FROM (
        SELECT cluster_id, namespace, kind, name, host_port, protocol, f AS at, 1 AS da, 0 AS dp FROM spans
        UNION ALL
        SELECT cluster_id, namespace, kind, name, host_port, protocol, t, -1, 0 FROM spans WHERE t < 'infinity'
        UNION ALL
        SELECT cluster_id, namespace, kind, name, host_port, protocol, f, 0, 1 FROM islands
        UNION ALL
        SELECT cluster_id, namespace, kind, name, host_port, protocol, t, 0, -1 FROM islands WHERE t < 'infinity'
      ) e
      GROUP BY cluster_id, namespace, kind, name, host_port, protocol, at
      HAVING sum(da) <> 0 OR sum(dp) <> 0
    ),
    versions AS (
      SELECT cluster_id, namespace, kind, name, host_port, protocol, at AS valid_from, lead(at) OVER w AS valid_to,
             (sum(da) OVER w)::int AS allocations, (sum(dp) OVER w)::int AS pods
      FROM events
      WINDOW w AS (PARTITION BY cluster_id, namespace, kind, name, host_port, protocol ORDER BY at)
    )
    SELECT cluster_id, host_port, protocol, namespace, kind, name, allocations, pods,
           substr(translate(encode(sha256(convert_to(
             '{"hostPort":' || host_port || ',"protocol":' || to_json(protocol)::text ||
             ',"namespace":' || to_json(namespace)::text || ',"kind":' || to_json(kind)::text ||
             ',"name":' || to_json(name)::text || ',"allocations":' || allocations || ',"pods":' || pods || '}',
             'UTF8')), 'base64'), '+/', '-_'), 1, 24),
           valid_from, valid_to
    FROM versions
    WHERE allocations > 0
        -- In time order within the cluster, as its pushes would have numbered them.
    ORDER BY valid_from;
  END LOOP;
END
$backfill$;--> statement-breakpoint
CREATE UNIQUE INDEX "port_count_versions_open_key" ON "port_count_versions" USING btree ("cluster_id","namespace","kind","name","host_port","protocol") WHERE "port_count_versions"."valid_to" IS NULL;--> statement-breakpoint
CREATE INDEX "port_count_versions_level_idx" ON "port_count_versions" USING btree ("host_port","protocol","valid_to","valid_from");--> statement-breakpoint
CREATE INDEX "port_count_versions_cluster_asof_idx" ON "port_count_versions" USING btree ("cluster_id","valid_from","valid_to");