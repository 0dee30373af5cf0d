/**
 * What nodes really listen on, over validity intervals (docs/snapshot-contract.md, "Node listeners"):
 * one row per listener of a node with a report, and one per report (its attribution tier and
 * ip_local_port_range), which is what makes a node observed even when it listens on nothing.
 */
import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, text } from "drizzle-orm/pg-core";
import type { ListenerProcess } from "../../contract/listeners.js";
import { versionedTable } from "./versioned.js";

export const nodeListenerVersions = versionedTable(
  "node_listener_versions",
  {
    node: text("node").notNull(),
    /** TCP or UDP */
    protocol: text("protocol").notNull(),
    /** 4 or 6: a v4-mapped or dual-stack IPv6 socket is 6 */
    family: integer("family").notNull(),
    /** canonical text: IPv4 dotted, IPv6 compressed lower-case */
    address: text("address").notNull(),
    port: integer("port").notNull(),
    /** the device the socket is bound to; '' for none (the contract's listenerKey spells none so too) */
    interface: text("interface").notNull(),
    /** wildcard, loopback or address */
    scope: text("scope").notNull(),
    /** an IPv6 wildcard that also accepts IPv4; null when the source cannot tell */
    dualStack: boolean("dual_stack"),
    processes: jsonb("processes").$type<ListenerProcess[]>().notNull(),
    podNamespace: text("pod_namespace"),
    podName: text("pod_name"),
    podContainer: text("pod_container"),
    /** none, process or pod: what the collecting tier could see */
    attribution: text("attribution").notNull(),
  },
  // The contract's listenerKey on one node: protocol, family, address, port, interface.
  {
    naturalKey: ["node", "protocol", "family", "address", "port", "interface"],
    extraIndexes: (t) => [
      // ports.who's observed listeners: one port's open rows across the fleet, not every node's sockets.
      index("node_listener_versions_open_port_idx").on(t.port, t.clusterId).where(sql`${t.validTo} IS NULL`),
    ],
  },
);

/** One row per node report: the node is observed from valid_from to valid_to. */
export const nodePortRangeVersions = versionedTable(
  "node_port_range_versions",
  {
    node: text("node").notNull(),
    attribution: text("attribution").notNull(),
    /** /proc/sys/net/ipv4/ip_local_port_range; null when the report does not carry it */
    portFrom: integer("port_from"),
    portTo: integer("port_to"),
  },
  { naturalKey: ["node"] },
);
