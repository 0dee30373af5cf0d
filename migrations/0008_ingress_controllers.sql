CREATE TABLE "declared_port_versions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "declared_port_versions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"cluster_id" integer NOT NULL,
	"node" text NOT NULL,
	"namespace" text NOT NULL,
	"name" text NOT NULL,
	"protocol" text NOT NULL,
	"host_ip" text NOT NULL,
	"host_port" integer NOT NULL,
	"fp" text NOT NULL,
	"valid_from" timestamp with time zone NOT NULL,
	"valid_to" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "ingress_controller_versions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ingress_controller_versions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"cluster_id" integer NOT NULL,
	"namespace" text NOT NULL,
	"name" text NOT NULL,
	"replicas" integer,
	"available_replicas" integer,
	"endpoint_publishing_strategy" text,
	"host_network" jsonb,
	"node_selector" jsonb,
	"tolerations" jsonb NOT NULL,
	"deployment" jsonb,
	"fp" text NOT NULL,
	"valid_from" timestamp with time zone NOT NULL,
	"valid_to" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "declared_port_versions" ADD CONSTRAINT "declared_port_versions_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ingress_controller_versions" ADD CONSTRAINT "ingress_controller_versions_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "declared_port_versions_open_key" ON "declared_port_versions" USING btree ("cluster_id","node","namespace","name","protocol","host_ip","host_port") WHERE "declared_port_versions"."valid_to" IS NULL;--> statement-breakpoint
CREATE INDEX "declared_port_versions_open_port_idx" ON "declared_port_versions" USING btree ("host_port","protocol","cluster_id") WHERE "declared_port_versions"."valid_to" IS NULL;--> statement-breakpoint
CREATE INDEX "declared_port_versions_port_asof_idx" ON "declared_port_versions" USING btree ("host_port","protocol","valid_from","valid_to");--> statement-breakpoint
CREATE INDEX "declared_port_versions_cluster_asof_idx" ON "declared_port_versions" USING btree ("cluster_id","valid_from","valid_to");--> statement-breakpoint
CREATE UNIQUE INDEX "ingress_controller_versions_open_key" ON "ingress_controller_versions" USING btree ("cluster_id","namespace","name") WHERE "ingress_controller_versions"."valid_to" IS NULL;--> statement-breakpoint
CREATE INDEX "ingress_controller_versions_cluster_asof_idx" ON "ingress_controller_versions" USING btree ("cluster_id","valid_from","valid_to");--> statement-breakpoint
-- IngressControllers were accepted but not stored: clearing the hashes makes every cluster's next push diff in full and write them.
UPDATE "clusters" SET "last_snapshot_hash" = NULL;
