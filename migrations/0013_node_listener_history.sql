CREATE TABLE "node_listener_versions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "node_listener_versions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"cluster_id" integer NOT NULL,
	"node" text NOT NULL,
	"protocol" text NOT NULL,
	"family" integer NOT NULL,
	"address" text NOT NULL,
	"port" integer NOT NULL,
	"interface" text NOT NULL,
	"scope" text NOT NULL,
	"dual_stack" boolean,
	"processes" jsonb NOT NULL,
	"pod_namespace" text,
	"pod_name" text,
	"pod_container" text,
	"attribution" text NOT NULL,
	"fp" text NOT NULL,
	"valid_from" timestamp with time zone NOT NULL,
	"valid_to" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "node_port_range_versions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "node_port_range_versions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"cluster_id" integer NOT NULL,
	"node" text NOT NULL,
	"attribution" text NOT NULL,
	"port_from" integer,
	"port_to" integer,
	"fp" text NOT NULL,
	"valid_from" timestamp with time zone NOT NULL,
	"valid_to" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "node_listener_versions" ADD CONSTRAINT "node_listener_versions_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_port_range_versions" ADD CONSTRAINT "node_port_range_versions_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "node_listener_versions_open_key" ON "node_listener_versions" USING btree ("cluster_id","node","protocol","family","address","port","interface") WHERE "node_listener_versions"."valid_to" IS NULL;--> statement-breakpoint
CREATE INDEX "node_listener_versions_cluster_asof_idx" ON "node_listener_versions" USING btree ("cluster_id","valid_from","valid_to");--> statement-breakpoint
CREATE UNIQUE INDEX "node_port_range_versions_open_key" ON "node_port_range_versions" USING btree ("cluster_id","node") WHERE "node_port_range_versions"."valid_to" IS NULL;--> statement-breakpoint
CREATE INDEX "node_port_range_versions_cluster_asof_idx" ON "node_port_range_versions" USING btree ("cluster_id","valid_from","valid_to");