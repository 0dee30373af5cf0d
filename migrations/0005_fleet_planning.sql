ALTER TABLE "headroom_versions" ADD COLUMN "ports" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
CREATE INDEX "pod_versions_open_unscheduled_idx" ON "pod_versions" USING btree ("cluster_id") WHERE "pod_versions"."valid_to" IS NULL AND "pod_versions"."node" IS NULL;--> statement-breakpoint
-- Open headroom rows lack their ports until recomputed: forget every state hash so each cluster's next push rebuilds its projections (an unchanged push would otherwise skip them).
UPDATE "clusters" SET "last_snapshot_hash" = NULL;