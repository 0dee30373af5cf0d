ALTER TABLE "clusters" ADD COLUMN "observed_nodes" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "undeclared_listeners" integer DEFAULT 0 NOT NULL;