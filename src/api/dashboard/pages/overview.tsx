/**
 * Fleet overview: a page of clusters with their staleness, counts at the instant shown, the worst
 * headroom status of their workloads and the pods of host-port workloads still pending.
 */
import { Instant, Notice, StaleBadge, StatusBadge, worstStatus } from "../components/status.js";
import { attempt, PageError } from "../errors.js";
import type { DashboardCaller } from "../session.js";
import { link } from "../url-state.js";
import { asOfParam, type View } from "../view.js";

export const CLUSTERS_PER_PAGE = 50;
/** clusters whose figures are read at once: a few queries each, without filling the pool */
const CLUSTERS_AT_ONCE = 5;

type Listed = Awaited<ReturnType<DashboardCaller["clusters"]["list"]>>["clusters"][number];

async function figuresOf(caller: DashboardCaller, cluster: Listed, view: View) {
  const instant = (view.asOf ?? view.now).toISOString();
  const [counts, headroom] = await Promise.all([
    attempt(() =>
      caller.trends.allocations({ cluster: cluster.name, from: instant, to: instant, step: "1h" }),
    ),
    attempt(() =>
      caller.capacity.headroom({
        clusters: [cluster.name],
        ...(view.asOf ? { asOf: view.asOf.toISOString() } : {}),
      }),
    ),
  ]);
  const point = counts instanceof PageError ? undefined : counts.points[0];
  const workloads = headroom instanceof PageError ? undefined : headroom.workloads;
  return {
    cluster,
    /** why the cluster has no figures at the instant shown (removed before it: NOT_FOUND) */
    absent: counts instanceof PageError && headroom instanceof PageError ? counts.message : null,
    point,
    worst: workloads ? worstStatus(workloads.map((w) => w.status)) : null,
    pending: workloads?.reduce((sum, w) => sum + w.pending, 0) ?? 0,
    workloads: workloads?.length ?? 0,
  };
}

export async function loadOverview(caller: DashboardCaller, view: View, cursor: string | undefined) {
  const page = await caller.clusters.list({ limit: CLUSTERS_PER_PAGE, ...(cursor ? { cursor } : {}) });
  const rows = [];
  for (let i = 0; i < page.clusters.length; i += CLUSTERS_AT_ONCE) {
    const chunk = page.clusters.slice(i, i + CLUSTERS_AT_ONCE);
    rows.push(...(await Promise.all(chunk.map((c) => figuresOf(caller, c, view)))));
  }
  return { rows, nextCursor: page.nextCursor };
}

export function Overview({ view, data }: { view: View; data: Awaited<ReturnType<typeof loadOverview>> }) {
  if (data.rows.length === 0) {
    return (
      <Notice>No cluster is registered yet: `portolan clusters register NAME`, then run its agent.</Notice>
    );
  }
  return (
    <section aria-labelledby="fleet-heading">
      <h2 id="fleet-heading">Clusters</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Cluster</th>
            <th scope="col">Labels</th>
            <th scope="col">Last observed</th>
            <th scope="col">Now</th>
            <th scope="col" class="num">
              Nodes
            </th>
            <th scope="col" class="num">
              Pods with host ports
            </th>
            <th scope="col" class="num">
              Allocations
            </th>
            <th scope="col">Worst headroom</th>
            <th scope="col" class="num">
              Pending pods
            </th>
          </tr>
        </thead>
        <tbody>
          {data.rows.map((row) => (
            <tr>
              <th scope="row">
                <a href={link(`/clusters/${encodeURIComponent(row.cluster.name)}`, asOfParam(view))}>
                  {row.cluster.name}
                </a>
              </th>
              <td>
                {Object.entries(row.cluster.labels).map(([k, v]) => (
                  <span class="label">{`${k}=${v}`}</span>
                ))}
              </td>
              <td>
                <Instant at={row.cluster.lastObservedAt} />
              </td>
              <td>
                <StaleBadge stale={row.cluster.stale} />
              </td>
              {row.absent ? (
                <td colspan={5} class="muted">
                  {row.absent}
                </td>
              ) : (
                <>
                  <td class="num">{row.point?.nodes ?? "–"}</td>
                  <td class="num">{row.point?.pods ?? "–"}</td>
                  <td class="num">{row.point?.allocations ?? "–"}</td>
                  <td>
                    <StatusBadge status={row.worst} />
                  </td>
                  <td class="num">{row.pending}</td>
                </>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {data.nextCursor ? (
        <p>
          <a href={link("/", { ...asOfParam(view), cursor: data.nextCursor })}>Next clusters</a>
        </p>
      ) : null}
      <p class="muted">
        Worst headroom is over the cluster's host-port workloads; DaemonSets and static pods hold every node
        by design and are left out. Pending pods: pods of those workloads without a node.
      </p>
    </section>
  );
}
