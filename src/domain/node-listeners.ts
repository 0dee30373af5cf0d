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
