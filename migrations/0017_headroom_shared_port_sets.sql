ALTER TABLE "headroom_versions" ADD COLUMN "shared_port_sets" jsonb;--> statement-breakpoint
ALTER TABLE "headroom_versions" ADD COLUMN "part_of" jsonb;