/**
 * A node's listener report as history facts (docs/snapshot-contract.md, "Node listeners"): one fact
 * per listener, and one per report (the node's attribution tier and ip_local_port_range). The report
 * fact is what tells an observed node listening on nothing from a node not observed at all.
 */
import type {
  AttributionTier,
  ListenerProcess,
  ListenerProtocol,
  ListenerScope,
  NodeListeners,
  ObservedListener,
} from "../contract/listeners.js";
import { withFingerprint } from "./fingerprint.js";

/** node_listener_versions' fact; its identity is the contract's listenerKey on its node. */
export interface NodeListenerFact {
  fp: string;
  node: string;
  protocol: ListenerProtocol;
  family: 4 | 6;
  address: string;
  port: number;
  /** SO_BINDTODEVICE or a scoped address; '' when the socket is bound to no device */
  interface: string;
  scope: ListenerScope;
  /** an IPv6 wildcard's IPV6_V6ONLY seen from outside; null when the source cannot tell */
  dualStack: boolean | null;
  processes: ListenerProcess[];
  podNamespace: string | null;
  podName: string | null;
  podContainer: string | null;
  attribution: AttributionTier;
}

/** node_port_range_versions' fact: one per report, so an open row means "this node is observed". */
export interface NodePortRangeFact {
  fp: string;
  node: string;
  attribution: AttributionTier;
  /** ip_local_port_range; null when the report does not carry it */
  portFrom: number | null;
  portTo: number | null;
}

/** The facts of one canonical report's listeners (src/contract/canonical.ts orders them). */
export function nodeListenerFacts(report: NodeListeners): NodeListenerFact[] {
  return report.listeners.map((l) =>
    withFingerprint({
      node: report.node,
      protocol: l.protocol,
      family: l.family,
      address: l.address,
      port: l.port,
      interface: l.interface ?? "",
      scope: l.scope,
      dualStack: l.dualStack ?? null,
      processes: l.processes,
      podNamespace: l.pod?.namespace ?? null,
      podName: l.pod?.name ?? null,
      podContainer: l.pod?.container ?? null,
      attribution: report.attribution,
    }),
  );
}

/** The report's own fact: the node is observed, by which tier, with which local port range. */
export const nodePortRangeFact = (report: NodeListeners): NodePortRangeFact =>
  withFingerprint({
    node: report.node,
    attribution: report.attribution,
    portFrom: report.localPortRange?.from ?? null,
    portTo: report.localPortRange?.to ?? null,
  });

/** A listener's stored columns, as a fact or as a row read back (raw SQL answers text for enums). */
export interface StoredListenerColumns {
  protocol: string;
  address: string;
  family: number;
  port: number;
  scope: string;
  dualStack: boolean | null;
  /** '' when bound to no device */
  interface: string | null;
  processes: ListenerProcess[];
  podNamespace: string | null;
  podName: string | null;
  podContainer: string | null;
}

/** The contract's listener of its stored columns: what the domain classifies, plans against and groups. */
export function listenerOfStored(row: StoredListenerColumns): ObservedListener {
  const listener: ObservedListener = {
    protocol: row.protocol as ListenerProtocol,
    address: row.address,
    family: row.family === 6 ? 6 : 4,
    port: row.port,
    scope: row.scope as ListenerScope,
    processes: row.processes,
  };
  if (row.dualStack !== null) listener.dualStack = row.dualStack;
  if (row.interface) listener.interface = row.interface;
  if (row.podNamespace && row.podName) {
    listener.pod = { namespace: row.podNamespace, name: row.podName };
    if (row.podContainer) listener.pod.container = row.podContainer;
  }
  return listener;
}
