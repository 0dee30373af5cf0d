ALTER TABLE "headroom_versions" ADD COLUMN "listener_blocked_nodes" integer;--> statement-breakpoint
ALTER TABLE "headroom_versions" ADD COLUMN "listener_example" jsonb;