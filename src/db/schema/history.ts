/**
 * The snapshot's own facts over validity intervals (src/db/schema/versioned.ts gives every versioned
 * table its frame: id, cluster, fp, interval, open-key and as-of indexes).
 */
import { sql } from "drizzle-orm";
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import type { NodeAffinity, Taint, Toleration } from "../../contract/snapshot.js";
import type { DeclaredPort } from "../../domain/history.js";
import { clusters } from "./clusters.js";
import { versionedTable } from "./versioned.js";

export const nodeVersions = versionedTable(
  "node_versions",
  {
    name: text("name").notNull(),
    labels: jsonb("labels").$type<Record<string, string>>().notNull(),
    unschedulable: boolean("unschedulable").notNull(),
    ready: boolean("ready").notNull(),
    taints: jsonb("taints").$type<Taint[]>().notNull(),
    addresses: jsonb("addresses").$type<{ type: string; address: string }[]>().notNull(),
  },
  { naturalKey: ["name"] },
);

export const podVersions = versionedTable(
  "pod_versions",
  {
    namespace: text("namespace").notNull(),
    name: text("name").notNull(),
    node: text("node"),
    phase: text("phase").notNull(),
    hostNetwork: boolean("host_network").notNull(),
    ownerKind: text("owner_kind"),
    ownerName: text("owner_name"),
    ports: jsonb("ports").$type<DeclaredPort[]>().notNull(),
    /** the pod's placement rules: its row in pod_templates (cluster_id, fp) */
    templateFp: bigint("template_fp", { mode: "bigint" }).notNull(),
    unschedulable: boolean("unschedulable").notNull(),
    schedulingMessage: text("scheduling_message"),
  },
  {
    naturalKey: ["namespace", "name"],
    extraIndexes: (t) => [
      // conflicts.list starts from the few open unscheduled pods, not from every cluster's pods.
      index("pod_versions_open_unscheduled_idx")
        .on(t.clusterId)
        .where(sql`${t.validTo} IS NULL AND ${t.node} IS NULL`),
      // reports.trends' conflict episodes: every unscheduled version (few: only host-port pods are kept),
      // so a period's pending pods are found without scanning the pods' whole history.
      index("pod_versions_unscheduled_idx").on(t.clusterId, t.validFrom).where(sql`${t.node} IS NULL`),
    ],
  },
);

/**
 * A pod's placement rules (nodeSelector, tolerations, required node affinity), stored once per
 * distinct value per cluster instead of once per pod version: the pods of one workload share them,
 * and they were a fifth of every pod_versions row. Content-addressed (fp: the first 64 bits of the
 * rules' SHA-256, src/domain/pod-templates.ts), immutable, written with the pod versions that use
 * them (ON CONFLICT: an existing row is only locked) and deleted by the retention prune once no pod
 * version, open or closed, refers to it (src/services/history-prune.ts). Not a history table: it
 * has no interval; a pod version's interval says when its template applied.
 */
export const podTemplates = pgTable(
  "pod_templates",
  {
    clusterId: integer("cluster_id")
      .notNull()
      .references(() => clusters.id),
    fp: bigint("fp", { mode: "bigint" }).notNull(),
    nodeSelector: jsonb("node_selector").$type<Record<string, string>>().notNull(),
    tolerations: jsonb("tolerations").$type<Toleration[]>().notNull(),
    requiredNodeAffinity: jsonb("required_node_affinity").$type<NodeAffinity>(),
  },
  (t) => [primaryKey({ columns: [t.clusterId, t.fp] })],
);

export const portAllocations = versionedTable(
  "port_allocations",
  {
    node: text("node").notNull(),
    namespace: text("namespace").notNull(),
    pod: text("pod").notNull(),
    ownerKind: text("owner_kind"),
    ownerName: text("owner_name"),
    container: text("container").notNull(),
    containerPort: integer("container_port").notNull(),
    protocol: text("protocol").notNull(),
    hostIp: text("host_ip").notNull(),
    hostPort: integer("host_port").notNull(),
    hostNetwork: boolean("host_network").notNull(),
  },
  {
    naturalKey: ["namespace", "pod", "container", "protocol", "hostIp", "hostPort"],
    extraIndexes: (t) => [
      // Open rows of a port in id order (ports.who pages walk it from the cursor); the trailing
      // columns let the who summaries run as index-only scans.
      index("port_allocations_open_port_idx")
        .on(
          t.hostPort,
          t.id,
          t.protocol,
          t.clusterId,
          t.node,
          t.namespace,
          t.ownerKind,
          t.ownerName,
          t.validFrom,
        )
        .where(sql`${t.validTo} IS NULL`),
      index("port_allocations_port_asof_idx").on(t.hostPort, t.protocol, t.validFrom, t.validTo),
      // ports.who as of T, open rows that began by T in the order they began (src/services/who-page.ts).
      index("port_allocations_open_port_from_idx")
        .on(t.hostPort, t.validFrom, t.id)
        .where(sql`${t.validTo} IS NULL`),
      // Trends, and ports.who as of T (closed rows by when they ended): the closed rows of a port or a
      // cluster that ended after an instant.
      index("port_allocations_port_to_idx").on(t.hostPort, t.validTo).where(sql`${t.validTo} IS NOT NULL`),
      index("port_allocations_cluster_to_idx")
        .on(t.clusterId, t.validTo)
        .where(sql`${t.validTo} IS NOT NULL`),
    ],
  },
);
