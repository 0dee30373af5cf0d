CREATE TABLE "pod_templates" (
	"cluster_id" integer NOT NULL,
	"fp" bigint NOT NULL,
	"node_selector" jsonb NOT NULL,
	"tolerations" jsonb NOT NULL,
	"required_node_affinity" jsonb,
	CONSTRAINT "pod_templates_cluster_id_fp_pk" PRIMARY KEY("cluster_id","fp")
);
--> statement-breakpoint
ALTER TABLE "pod_templates" ADD CONSTRAINT "pod_templates_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- Backfill (hand-written after drizzle-kit generate): every distinct template of the stored pod
-- versions, named in SQL by the first 64 bits of the SHA-256 of its jsonb text. Ingest names new
-- templates from their JSON text (src/domain/pod-templates.ts), so rules stored before this migration
-- may be stored again under a second name; a name never stands for two rules. Pod fingerprints do
-- not change: they are the pods' own.
INSERT INTO "pod_templates" ("cluster_id", "fp", "node_selector", "tolerations", "required_node_affinity")
SELECT DISTINCT ON (cluster_id, fp) cluster_id, fp, node_selector, tolerations, required_node_affinity
FROM (SELECT cluster_id, node_selector, tolerations, required_node_affinity,
             ('x' || substr(encode(sha256(convert_to(jsonb_build_array(node_selector, tolerations, required_node_affinity)::text, 'UTF8')), 'hex'), 1, 16))::bit(64)::bigint AS fp
      FROM "pod_versions") AS v
ORDER BY cluster_id, fp;--> statement-breakpoint
ALTER TABLE "pod_versions" ADD COLUMN "template_fp" bigint;--> statement-breakpoint
-- One ALTER: the type change with USING rewrites the table once, naming each row's template, and the
-- rewrite leaves out the dropped columns' bytes (a DROP COLUMN alone would keep them in every row).
ALTER TABLE "pod_versions"
	ALTER COLUMN "template_fp" SET DATA TYPE bigint USING ('x' || substr(encode(sha256(convert_to(jsonb_build_array(node_selector, tolerations, required_node_affinity)::text, 'UTF8')), 'hex'), 1, 16))::bit(64)::bigint,
	ALTER COLUMN "template_fp" SET NOT NULL,
	DROP COLUMN "node_selector",
	DROP COLUMN "tolerations",
	DROP COLUMN "required_node_affinity";
