/**
 * What the port allocation document says about a cluster, as data: its port map and its
 * IngressControllers. The service fills it; src/render/port-report.ts writes it as Markdown, CSV or JSON.
 */
import type { ListenerClass } from "./listener-classes.js";
import type { ObservedPortSummary } from "./observed-ports.js";
import type { PortMapEntry } from "./port-map.js";

/** What the cluster's nodes were observed listening on, on a row's port (docs/listeners.md). */
export interface ObservedOnPort {
  /** nodes listening on the port, and their listeners (exact) */
  nodes: number;
  listeners: number;
  /** process names and classes of the listeners read (all of them unless `partial`) */
  processes: string[];
  classes: ListenerClass[];
  loopbackOnly: boolean;
  /** nodes where an undeclared listener is in the way of a hostNetwork hold of the port */
  willCrashNodes: number;
  /** the report read fewer listeners than there are: names and classes are of those it read */
  partial: boolean;
}

/** A row of the report: a port map entry, and what nodes listen on its port. */
export interface ReportedPort extends PortMapEntry {
  /** no pod or IngressController declares the port: only observed listeners hold it */
  observedOnly?: boolean;
  /** null: no node was observed listening on the port */
  observed?: ObservedOnPort | null;
}

/** The row's observed listeners: the exact counts, and the names and classes of those read. */
export function observedOnPort(
  counts: { nodes: number; listeners: number } | undefined,
  summary: ObservedPortSummary | undefined,
  partial: boolean,
): ObservedOnPort | null {
  if (!counts) return null;
  return {
    nodes: counts.nodes,
    listeners: counts.listeners,
    processes: summary?.processes ?? [],
    classes: summary?.classes ?? [],
    loopbackOnly: summary?.loopbackOnly ?? false,
    willCrashNodes: summary?.willCrashNodes ?? 0,
    partial: partial || summary === undefined,
  };
}

/** An IngressController as the report lists it; its HostNetwork ports are held on every node it selects. */
export interface ReportedIngressController {
  namespace: string;
  name: string;
  endpointPublishingStrategy: string | null;
  hostNetwork: { httpPort: number; httpsPort: number; statsPort: number } | null;
  replicas: number | null;
  availableReplicas: number | null;
}

export interface ClusterPortMap {
  cluster: string;
  asOf: string | null;
  stale: boolean;
  /** how many nodes are Ready and not cordoned */
  schedulableNodes: number;
  ports: ReportedPort[];
  ingressControllers: ReportedIngressController[];
  /** rows of the cluster's whole map, when `ports` is a page of it */
  totalPorts?: number;
  /** `ports` goes on from the previous page: no section heading, the table goes on */
  continued?: boolean;
}
