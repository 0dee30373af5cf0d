CREATE TABLE "headroom_versions" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "headroom_versions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"cluster_id" integer NOT NULL,
	"namespace" text NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"replicas" integer NOT NULL,
	"pending" integer NOT NULL,
	"eligible_nodes" integer NOT NULL,
	"free_nodes" integer NOT NULL,
	"headroom" integer NOT NULL,
	"status" text NOT NULL,
	"max_replicas" integer NOT NULL,
	"fp" text NOT NULL,
	"valid_from" timestamp with time zone NOT NULL,
	"valid_to" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "reservations" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "reservations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"protocol" text NOT NULL,
	"port_from" integer NOT NULL,
	"port_to" integer NOT NULL,
	"cluster_names" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"label_selector" jsonb,
	"owner" text NOT NULL,
	"purpose" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "headroom_versions" ADD CONSTRAINT "headroom_versions_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "headroom_versions_open_key" ON "headroom_versions" USING btree ("cluster_id","namespace","kind","name") WHERE "headroom_versions"."valid_to" IS NULL;--> statement-breakpoint
CREATE INDEX "headroom_versions_workload_idx" ON "headroom_versions" USING btree ("cluster_id","namespace","kind","name","valid_from","valid_to");--> statement-breakpoint
CREATE INDEX "headroom_versions_cluster_asof_idx" ON "headroom_versions" USING btree ("cluster_id","valid_from","valid_to");--> statement-breakpoint
CREATE INDEX "reservations_protocol_ports_idx" ON "reservations" USING btree ("protocol","port_from","port_to");