ALTER TABLE "clusters" ADD COLUMN "snapshots_accepted" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "snapshots_changed" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "port_summary" jsonb DEFAULT '[]'::jsonb NOT NULL;