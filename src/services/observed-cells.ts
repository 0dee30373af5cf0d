/**
 * Observed listeners beside a page of the port map (ports.mapListeners for the dashboard's grid, the
 * port report): the page's ports on its nodes (or every node), each node's listeners classified
 * against its hostNetwork holds, and each cell marked when it is in the way of a hostNetwork hold of
 * the port elsewhere in the cluster (docs/listeners.md, "In the port map and the port report").
 */
import type { AttributionTier, ObservedListener } from "../contract/listeners.js";
import type { Db } from "../db/types.js";
import { type ListeningNode, type ObservedCell, observedCells } from "../domain/observed-ports.js";
import {
  asObservedListener,
  hostNetworkBindsOfPorts,
  hostNetworkHoldsOnPorts,
  listenersOnPorts,
  type PortsAndNodes,
  reportsOfNodes,
} from "./observed-listeners.js";

/**
 * The cells of the page's ports × nodes where something listens, from at most `take` listeners
 * (`truncated` says when there were more), and the nodes with a report at the instant: a node
 * without one is not observed, which is not the same as listening on nothing.
 */
export async function loadObservedCells(db: Db, at: PortsAndNodes, take: number) {
  if (at.ports.length === 0 || at.nodes?.length === 0) {
    return { cells: [] as ObservedCell[], observedNodes: [] as string[], truncated: false };
  }
  const [rows, reports, holds, binds] = await Promise.all([
    listenersOnPorts(db, at, take + 1),
    reportsOfNodes(db, at),
    hostNetworkHoldsOnPorts(db, at),
    hostNetworkBindsOfPorts(db, at),
  ]);
  const heard = new Map<string, ListeningNode & { listeners: ObservedListener[] }>(
    reports.map((r) => [
      r.node,
      { node: r.node, attribution: r.attribution as AttributionTier, listeners: [] },
    ]),
  );
  // A listener row without its node's report row cannot be valid at the same instant; skipped if so.
  for (const row of rows.slice(0, take)) heard.get(row.node)?.listeners.push(asObservedListener(row));
  return {
    cells: observedCells([...heard.values()], holds, binds),
    observedNodes: reports.map((r) => r.node),
    truncated: rows.length > take,
  };
}

/** One cell as answers carry it: plain names and classes, no stored ids. */
export function presentCell(cell: ObservedCell) {
  return {
    node: cell.node,
    protocol: cell.protocol,
    hostPort: cell.hostPort,
    undeclared: cell.undeclared,
    willCrash: cell.willCrash,
    listeners: cell.listeners.map((c) => ({
      address: c.listener.address,
      family: c.listener.family,
      scope: c.listener.scope,
      interface: c.listener.interface ?? null,
      processes: c.listener.processes.map((p) => p.name),
      pod: c.listener.pod ?? null,
      class: c.class,
      reason: c.reason,
    })),
  };
}
