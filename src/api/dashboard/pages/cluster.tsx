/** One cluster: its port map grid, its conflicts (now) and its headroom table, at the instant shown. */
import { ConflictsList } from "../components/conflicts-list.js";
import { HeadroomTable } from "../components/headroom-table.js";
import { type ConflictItem, PortGrid } from "../components/port-grid.js";
import { Instant, StaleBadge } from "../components/status.js";
import type { DashboardCaller } from "../session.js";
import type { View } from "../view.js";

/** conflicts listed on a cluster's page; the procedure pages the rest */
const CONFLICTS_SHOWN = 100;

export async function loadCluster(caller: DashboardCaller, view: View, cluster: string) {
  const asOf = view.asOf ? { asOf: view.asOf.toISOString() } : {};
  const [map, headroom, conflicts] = await Promise.all([
    caller.ports.map({ cluster, ...asOf }),
    caller.capacity.headroom({ clusters: [cluster], ...asOf }),
    // The scheduler's messages are only known for the pods pending now.
    view.asOf ? null : caller.conflicts.list({ clusters: [cluster], limit: CONFLICTS_SHOWN }),
  ]);
  return { map, headroom: headroom.workloads, conflicts: conflicts?.items ?? null };
}

export function ClusterPage(props: {
  view: View;
  data: Awaited<ReturnType<typeof loadCluster>>;
  nodePage: number;
}) {
  const { map, headroom, conflicts } = props.data;
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
      <PortGrid view={props.view} map={map} pending={pending} nodePage={props.nodePage} />
      <ConflictsList items={conflicts} />
      <HeadroomTable view={props.view} rows={headroom} />
    </>
  );
}
