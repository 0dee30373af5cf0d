/**
 * OpenShift IngressControllers over validity intervals, and the host ports their HostNetwork
 * placement declares on each node it selects (a projection written at ingest, like headroom): a
 * router whose pods are Pending or scaled to zero still holds its ports on those nodes.
 */
import { sql } from "drizzle-orm";
import { index, integer, jsonb, text } from "drizzle-orm/pg-core";
import type { Toleration } from "../../contract/snapshot.js";
import { versionedTable } from "./versioned.js";

export const ingressControllerVersions = versionedTable(
  "ingress_controller_versions",
  {
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
  },
  { naturalKey: ["namespace", "name"] },
);

/** A host port an IngressController declares on a node where none of its router pods holds it. */
export const declaredPortVersions = versionedTable(
  "declared_port_versions",
  {
    node: text("node").notNull(),
    /** the IngressController */
    namespace: text("namespace").notNull(),
    name: text("name").notNull(),
    protocol: text("protocol").notNull(),
    hostIp: text("host_ip").notNull(),
    hostPort: integer("host_port").notNull(),
  },
  {
    naturalKey: ["node", "namespace", "name", "protocol", "hostIp", "hostPort"],
    extraIndexes: (t) => [
      index("declared_port_versions_open_port_idx")
        .on(t.hostPort, t.protocol, t.clusterId)
        .where(sql`${t.validTo} IS NULL`),
      index("declared_port_versions_port_asof_idx").on(t.hostPort, t.protocol, t.validFrom, t.validTo),
    ],
  },
);
