ALTER TABLE "headroom_versions" ALTER COLUMN "id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "headroom_versions" ALTER COLUMN "id" SET MAXVALUE 9223372036854775807;