/**
 * OpenShift IngressControllers over validity intervals, and the host ports their HostNetwork
 * placement declares on each node it selects (a projection written at ingest, like headroom): a
 * router whose pods are Pending or scaled to zero still holds its ports on those nodes.
 */
import { sql } from "drizzle-orm";
import { bigint, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import type { Toleration } from "../../contract/snapshot.js";
import { clusters } from "./clusters.js";

const interval = {
  validFrom: timestamp("valid_from", { withTimezone: true }).notNull(),
  validTo: timestamp("valid_to", { withTimezone: true }),
};

export const ingressControllerVersions = pgTable(
  "ingress_controller_versions",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    clusterId: integer("cluster_id")
      .notNull()
      .references(() => clusters.id),
    namespace: text("namespace").notNull(),
    name: text("name").notNull(),
    /** spec.replicas; null = unset */
    replicas: integer("replicas"),
    availableReplicas: integer("available_replicas"),
    endpointPublishingStrategy: text("endpoint_publishing_strategy"),
    hostNetwork: jsonb("host_network").$type<{
      httpPort: number;
      httpsPort: number;
      statsPort: number;
      protocol: string;
    }>(),
    /** null = the CRD's default placement (workers) */
    nodeSelector: jsonb("node_selector").$type<Record<string, string>>(),
    tolerations: jsonb("tolerations").$type<Toleration[]>().notNull(),
    deployment: jsonb("deployment").$type<{ namespace: string; name: string }>(),
    fp: text("fp").notNull(),
    ...interval,
  },
  (t) => [
    uniqueIndex("ingress_controller_versions_open_key")
      .on(t.clusterId, t.namespace, t.name)
      .where(sql`${t.validTo} IS NULL`),
    index("ingress_controller_versions_cluster_asof_idx").on(t.clusterId, t.validFrom, t.validTo),
  ],
);

/** A host port an IngressController declares on a node where none of its router pods holds it. */
export const declaredPortVersions = pgTable(
  "declared_port_versions",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    clusterId: integer("cluster_id")
      .notNull()
      .references(() => clusters.id),
    node: text("node").notNull(),
    /** the IngressController */
    namespace: text("namespace").notNull(),
    name: text("name").notNull(),
    protocol: text("protocol").notNull(),
    hostIp: text("host_ip").notNull(),
    hostPort: integer("host_port").notNull(),
    fp: text("fp").notNull(),
    ...interval,
  },
  (t) => [
    uniqueIndex("declared_port_versions_open_key")
      .on(t.clusterId, t.node, t.namespace, t.name, t.protocol, t.hostIp, t.hostPort)
      .where(sql`${t.validTo} IS NULL`),
    index("declared_port_versions_open_port_idx")
      .on(t.hostPort, t.protocol, t.clusterId)
      .where(sql`${t.validTo} IS NULL`),
    index("declared_port_versions_port_asof_idx").on(t.hostPort, t.protocol, t.validFrom, t.validTo),
    index("declared_port_versions_cluster_asof_idx").on(t.clusterId, t.validFrom, t.validTo),
  ],
);
