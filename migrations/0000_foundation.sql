CREATE TABLE "clusters" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "clusters_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"token_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"removed_at" timestamp with time zone,
	"last_seen_at" timestamp with time zone,
	"last_observed_at" timestamp with time zone,
	"last_snapshot_hash" text,
	"last_snapshot_id" bigint
);
--> statement-breakpoint
CREATE TABLE "read_tokens" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "read_tokens_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "node_versions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "node_versions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"cluster_id" integer NOT NULL,
	"name" text NOT NULL,
	"labels" jsonb NOT NULL,
	"unschedulable" boolean NOT NULL,
	"ready" boolean NOT NULL,
	"taints" jsonb NOT NULL,
	"addresses" jsonb NOT NULL,
	"fp" text NOT NULL,
	"valid_from" timestamp with time zone NOT NULL,
	"valid_to" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "pod_versions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "pod_versions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"cluster_id" integer NOT NULL,
	"namespace" text NOT NULL,
	"name" text NOT NULL,
	"node" text,
	"phase" text NOT NULL,
	"host_network" boolean NOT NULL,
	"owner_kind" text,
	"owner_name" text,
	"ports" jsonb NOT NULL,
	"node_selector" jsonb NOT NULL,
	"tolerations" jsonb NOT NULL,
	"required_node_affinity" jsonb,
	"unschedulable" boolean NOT NULL,
	"scheduling_message" text,
	"fp" text NOT NULL,
	"valid_from" timestamp with time zone NOT NULL,
	"valid_to" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "port_allocations" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "port_allocations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"cluster_id" integer NOT NULL,
	"node" text NOT NULL,
	"namespace" text NOT NULL,
	"pod" text NOT NULL,
	"owner_kind" text,
	"owner_name" text,
	"container" text NOT NULL,
	"container_port" integer NOT NULL,
	"protocol" text NOT NULL,
	"host_ip" text NOT NULL,
	"host_port" integer NOT NULL,
	"host_network" boolean NOT NULL,
	"fp" text NOT NULL,
	"valid_from" timestamp with time zone NOT NULL,
	"valid_to" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "snapshots" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "snapshots_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"cluster_id" integer NOT NULL,
	"observed_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"hash" text NOT NULL,
	"changed" boolean NOT NULL,
	"agent_version" text,
	"agent_mode" text,
	"node_count" integer NOT NULL,
	"pod_count" integer NOT NULL,
	"allocation_count" integer NOT NULL,
	"opened" integer NOT NULL,
	"closed" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "node_versions" ADD CONSTRAINT "node_versions_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pod_versions" ADD CONSTRAINT "pod_versions_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "port_allocations" ADD CONSTRAINT "port_allocations_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "snapshots" ADD CONSTRAINT "snapshots_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "clusters_name_key" ON "clusters" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "clusters_token_hash_key" ON "clusters" USING btree ("token_hash") WHERE "clusters"."token_hash" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "clusters_active_idx" ON "clusters" USING btree ("name") WHERE "clusters"."removed_at" IS NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "read_tokens_token_hash_key" ON "read_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "read_tokens_name_key" ON "read_tokens" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "node_versions_open_key" ON "node_versions" USING btree ("cluster_id","name") WHERE "node_versions"."valid_to" IS NULL;--> statement-breakpoint
CREATE INDEX "node_versions_cluster_asof_idx" ON "node_versions" USING btree ("cluster_id","valid_from","valid_to");--> statement-breakpoint
CREATE UNIQUE INDEX "pod_versions_open_key" ON "pod_versions" USING btree ("cluster_id","namespace","name") WHERE "pod_versions"."valid_to" IS NULL;--> statement-breakpoint
CREATE INDEX "pod_versions_cluster_asof_idx" ON "pod_versions" USING btree ("cluster_id","valid_from","valid_to");--> statement-breakpoint
CREATE UNIQUE INDEX "port_allocations_open_key" ON "port_allocations" USING btree ("cluster_id","namespace","pod","container","protocol","host_ip","host_port") WHERE "port_allocations"."valid_to" IS NULL;--> statement-breakpoint
CREATE INDEX "port_allocations_open_port_idx" ON "port_allocations" USING btree ("host_port","protocol") WHERE "port_allocations"."valid_to" IS NULL;--> statement-breakpoint
CREATE INDEX "port_allocations_port_asof_idx" ON "port_allocations" USING btree ("host_port","protocol","valid_from","valid_to");--> statement-breakpoint
CREATE INDEX "port_allocations_cluster_asof_idx" ON "port_allocations" USING btree ("cluster_id","valid_from","valid_to");--> statement-breakpoint
CREATE INDEX "snapshots_cluster_observed_idx" ON "snapshots" USING btree ("cluster_id","observed_at");