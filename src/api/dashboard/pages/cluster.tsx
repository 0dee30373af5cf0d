/** One cluster: its port map grid, its conflicts (now) and its headroom table, at the instant shown. */
import { ConflictsList } from "../components/conflicts-list.js";
import { HeadroomTable } from "../components/headroom-table.js";
import { IngressControllersTable } from "../components/ingress-controllers.js";
import {
  type ConflictItem,
  type Holders,
  NODES_PER_PAGE,
  type ObservedAnswer,
  observedOf,
  PortGrid,
  type PortMapAnswer,
  rowKey,
} from "../components/port-grid.js";
import { Instant, StaleBadge } from "../components/status.js";
import type { DashboardCaller } from "../session.js";
import type { View } from "../view.js";
import { protocols } from "./port.js";

/** conflicts listed on a cluster's page; the procedure pages the rest */
const CONFLICTS_SHOWN = 100;
/** port map rows a page of the grid shows; the links page through the rest */
export const GRID_PORTS_PER_PAGE = 100;
/** headroom rows a cluster's page shows; capacity.headroom pages the rest */
export const HEADROOM_SHOWN = 100;

/** Which page of the cluster's port rows the URL asks for: after one row's key, or before one. */
export interface PortRowsPage {
  after?: string | undefined;
  before?: string | undefined;
}

export async function loadCluster(
  caller: DashboardCaller,
  view: View,
  cluster: string,
  portPage: PortRowsPage = {},
  /** the node columns start after this node (the grid's nodePage cursors); none: the first page */
  nodesAfter?: string,
) {
  const asOf = view.asOf ? { asOf: view.asOf.toISOString() } : {};
  const [map, headroom, conflicts, controllers] = await Promise.all([
    caller.ports.map({
      cluster,
      limit: GRID_PORTS_PER_PAGE,
      nodeLimit: NODES_PER_PAGE,
      ...(nodesAfter ? { nodeCursor: nodesAfter } : {}),
      // Ports only listeners hold are rows too: a bind of them fails where nodes listen.
      withObservedOnly: true,
      ...(portPage.after ? { cursor: portPage.after } : portPage.before ? { before: portPage.before } : {}),
      ...asOf,
    }),
    caller.capacity.headroom({ clusters: [cluster], limit: HEADROOM_SHOWN, ...asOf }),
    // The scheduler's messages are only known for the pods pending now.
    view.asOf ? null : caller.conflicts.list({ clusters: [cluster], limit: CONFLICTS_SHOWN }),
    caller.clusters.ingressControllers({ cluster, ...asOf }),
  ]);
  const [holders, observed] = await Promise.all([
    sharedPortHolders(caller, view, cluster, map.ports),
    observedOnGrid(caller, view, cluster, map),
  ]);
  return {
    map,
    holders,
    observed: observedOf(observed),
    headroom: headroom.workloads,
    sharedPortSets: headroom.sharedPortSets,
    moreHeadroom: headroom.nextCursor !== null,
    conflicts: conflicts?.items ?? null,
    controllers: controllers.ingressControllers,
  };
}

/** What the page's node columns listen on, on the page's ports: one bounded read (ports.mapListeners). */
function observedOnGrid(
  caller: DashboardCaller,
  view: View,
  cluster: string,
  map: PortMapAnswer,
): Promise<ObservedAnswer | null> {
  const shown = map.nodePage.names;
  const ports = [...new Set(map.ports.map((r) => r.hostPort))];
  if (shown.length === 0 || ports.length === 0) return Promise.resolve(null);
  return caller.ports.mapListeners({
    cluster,
    ports,
    nodes: shown,
    ...(view.asOf ? { asOf: view.asOf.toISOString() } : {}),
  });
}

/** holders read per shared port: a page of ports.who; nodes past it show "held" */
const HOLDERS_PER_SHARED_PORT = 1000;

/**
 * Which workload holds a port on which node, for the rows several workloads share (ports.map names the
 * workloads of a row, not who is where), and which static pod: one ports.who page per such row, usually
 * a few (the control plane's ports).
 */
async function sharedPortHolders(
  caller: DashboardCaller,
  view: View,
  cluster: string,
  rows: readonly PortMapAnswer["ports"][number][],
): Promise<Holders> {
  const holders = new Map<string, ReadonlyMap<string, string>>();
  // A static pod's row names its owner, the Node: ports.who names the pod.
  for (const row of rows.filter(
    (r) => r.workloads.length > 1 || r.workloads.some((w) => w.kind === "Node"),
  )) {
    const who = await caller.ports.who({
      hostPort: row.hostPort,
      protocol: protocols.find((p) => p === row.protocol),
      clusters: [cluster],
      limit: HOLDERS_PER_SHARED_PORT,
      ...(view.asOf ? { asOf: view.asOf.toISOString() } : {}),
    });
    const byNode = new Map<string, string>();
    // A static pod's owner is its Node, whose name the column already says: the pod's name tells more.
    for (const a of who.allocations)
      if (a.hostIP === row.hostIP)
        byNode.set(a.node, a.owner && a.owner.kind !== "Node" ? a.owner.name : a.pod);
    holders.set(rowKey(row), byNode);
  }
  return holders;
}

export function ClusterPage(props: { view: View; data: Awaited<ReturnType<typeof loadCluster>> }) {
  const { map, holders, observed, headroom, sharedPortSets, moreHeadroom, conflicts, controllers } =
    props.data;
  const pending: ConflictItem[] | null = conflicts;
  return (
    <>
      <p>
        {"State at "}
        <Instant at={map.asOf} /> <StaleBadge stale={map.stale} />
        {map.undeclaredHostNetworkPodCount > 0
          ? ` · ${map.undeclaredHostNetworkPodCount} hostNetwork pods declare no ports (the scheduler cannot see theirs)`
          : ""}
      </p>
      <PortGrid view={props.view} map={map} holders={holders} pending={pending} observed={observed} />
      <IngressControllersTable controllers={controllers} />
      <ConflictsList items={conflicts} />
      <HeadroomTable view={props.view} rows={headroom} sets={sharedPortSets} more={moreHeadroom} />
    </>
  );
}
