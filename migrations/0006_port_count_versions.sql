CREATE TABLE "port_count_versions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "port_count_versions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"cluster_id" integer NOT NULL,
	"host_port" integer NOT NULL,
	"protocol" text NOT NULL,
	"namespace" text NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"allocations" integer NOT NULL,
	"pods" integer NOT NULL,
	"fp" text NOT NULL,
	"valid_from" timestamp with time zone NOT NULL,
	"valid_to" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "port_count_versions" ADD CONSTRAINT "port_count_versions_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "port_count_versions_open_key" ON "port_count_versions" USING btree ("cluster_id","namespace","kind","name","host_port","protocol") WHERE "port_count_versions"."valid_to" IS NULL;--> statement-breakpoint
CREATE INDEX "port_count_versions_level_idx" ON "port_count_versions" USING btree ("host_port","protocol","valid_to","valid_from");--> statement-breakpoint
CREATE INDEX "port_count_versions_cluster_asof_idx" ON "port_count_versions" USING btree ("cluster_id","valid_from","valid_to");