ALTER TABLE "clusters" ADD COLUMN "last_hash_claimed" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- Hashes stored before this column may be a delta's unverified claim: each cluster's next whole snapshot compares facts once.
UPDATE "clusters" SET "last_hash_claimed" = true WHERE "last_snapshot_hash" IS NOT NULL;
