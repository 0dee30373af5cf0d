CREATE TABLE "cluster_port_count_versions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "cluster_port_count_versions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"cluster_id" integer NOT NULL,
	"host_port" integer NOT NULL,
	"protocol" text NOT NULL,
	"allocations" integer NOT NULL,
	"nodes" integer NOT NULL,
	"fp" text NOT NULL,
	"valid_from" timestamp with time zone NOT NULL,
	"valid_to" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "cluster_port_count_versions" ADD CONSTRAINT "cluster_port_count_versions_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- The backfill's sorts, in memory where they fit (this transaction only).
SET LOCAL work_mem = '256MB';--> statement-breakpoint
-- Backfill (hand-added): the rows ingest would have written, from the port_allocations history, so
-- ports.who as of an instant before the upgrade answers its byCluster summary. Per cluster and level
-- ((port, protocol), (port, any: '')): allocation events at valid_from/valid_to, node events at the
-- ends of each node's islands (its overlapping or touching rows of that level merged), summed per
-- instant; instants that change no count are dropped, as ingest keeps an unchanged row; one version
-- per interval between consecutive instants while allocations > 0. fp is computed as
-- src/domain/cluster-port-counts.ts does (SHA-256 of the same JSON text, base64url, 24 characters):
-- the first push after the upgrade finds its open rows unchanged. One cluster at a time, as
-- migration 0006 does, so each cluster's sorts fit in work_mem.
DO $backfill$
DECLARE
  cluster integer;
BEGIN
  FOR cluster IN SELECT id FROM "clusters" ORDER BY id LOOP
    INSERT INTO "cluster_port_count_versions" ("cluster_id", "host_port", "protocol", "allocations", "nodes", "fp", "valid_from", "valid_to")
    WITH spans AS (
      SELECT a.cluster_id, a.host_port, l.protocol, a.node, a.valid_from AS f, coalesce(a.valid_to, 'infinity') AS t
      FROM "port_allocations" a
      CROSS JOIN LATERAL (VALUES (a.protocol), ('')) AS l(protocol)
      WHERE a.cluster_id = cluster
    ),
    -- Byte order (COLLATE "C") for the partitions: any order groups them, and it sorts faster.
    marked AS (
      SELECT *, CASE WHEN f <= max(t) OVER (holder ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) THEN 0 ELSE 1 END AS starts
      FROM spans
      WINDOW holder AS (PARTITION BY cluster_id, host_port, protocol COLLATE "C", node COLLATE "C" ORDER BY f, t)
    ),
    numbered AS (
      SELECT *, sum(starts) OVER (holder ROWS UNBOUNDED PRECEDING) AS island
      FROM marked
      WINDOW holder AS (PARTITION BY cluster_id, host_port, protocol COLLATE "C", node COLLATE "C" ORDER BY f, t)
    ),
    islands AS (
      SELECT cluster_id, host_port, protocol, min(f) AS f, max(t) AS t
      FROM numbered GROUP BY cluster_id, host_port, protocol, node, island
    ),
    events AS (
      SELECT cluster_id, host_port, protocol, at, sum(da) AS da, sum(dn) AS dn
      FROM (
        SELECT cluster_id, host_port, protocol, f AS at, 1 AS da, 0 AS dn FROM spans
        UNION ALL
        SELECT cluster_id, host_port, protocol, t, -1, 0 FROM spans WHERE t < 'infinity'
        UNION ALL
        SELECT cluster_id, host_port, protocol, f, 0, 1 FROM islands
        UNION ALL
        SELECT cluster_id, host_port, protocol, t, 0, -1 FROM islands WHERE t < 'infinity'
      ) e
      GROUP BY cluster_id, host_port, protocol, at
      HAVING sum(da) <> 0 OR sum(dn) <> 0
    ),
    versions AS (
      SELECT cluster_id, host_port, protocol, at AS valid_from, lead(at) OVER w AS valid_to,
             (sum(da) OVER w)::int AS allocations, (sum(dn) OVER w)::int AS nodes
      FROM events
      WINDOW w AS (PARTITION BY cluster_id, host_port, protocol ORDER BY at)
    )
    SELECT cluster_id, host_port, protocol, allocations, nodes,
           substr(translate(encode(sha256(convert_to(
             '{"hostPort":' || host_port || ',"protocol":' || to_json(protocol)::text ||
             ',"allocations":' || allocations || ',"nodes":' || nodes || '}',
             'UTF8')), 'base64'), '+/', '-_'), 1, 24),
           valid_from, valid_to
    FROM versions
    WHERE allocations > 0
    -- In time order within the cluster, as its pushes would have numbered them.
    ORDER BY valid_from;
  END LOOP;
END
$backfill$;--> statement-breakpoint
CREATE UNIQUE INDEX "cluster_port_count_versions_open_key" ON "cluster_port_count_versions" USING btree ("cluster_id","host_port","protocol") WHERE "cluster_port_count_versions"."valid_to" IS NULL;--> statement-breakpoint
CREATE INDEX "cluster_port_count_versions_level_idx" ON "cluster_port_count_versions" USING btree ("host_port","protocol","valid_to","valid_from");--> statement-breakpoint
CREATE INDEX "cluster_port_count_versions_cluster_asof_idx" ON "cluster_port_count_versions" USING btree ("cluster_id","valid_from","valid_to");