/**
 * Fleet overview: what needs attention now (clusters.attention), then a page of clusters with their
 * last push and staleness at the instant shown, their counts (clusters.list's, as the CLI shows them),
 * the worst headroom status of their workloads and their pods without a node.
 */
import { AttentionList } from "../components/attention-list.js";
import { Instant, Notice, StaleBadge, StatusBadge, worstStatus } from "../components/status.js";
import { attempt, PageError } from "../errors.js";
import type { DashboardCaller } from "../session.js";
import { link } from "../url-state.js";
import { asOfParam, type View } from "../view.js";

export const CLUSTERS_PER_PAGE = 50;

/** One definition with `portolan clusters list` (clusters.list): the state's pods, from its last push. */
const PODS_MEANING =
  "every pod the agent reports (host ports or host network), placed or Pending, as `portolan clusters list` counts them.";
const PENDING_MEANING = "pods without a node, of every kind (DaemonSet pods too).";
/** clusters whose figures are read at once: a few queries each, without filling the pool */
const CLUSTERS_AT_ONCE = 5;

type Listed = Awaited<ReturnType<DashboardCaller["clusters"]["list"]>>["clusters"][number];

/** How many items the attention list shows; it says how many more there are. */
export const ATTENTION_TOP = 10;

/** The worst headroom status of the cluster's workloads then (counts come with the list itself). */
async function figuresOf(caller: DashboardCaller, cluster: Listed, view: View) {
  const headroom = await attempt(() =>
    caller.capacity.headroom({
      clusters: [cluster.name],
      ...(view.asOf ? { asOf: view.asOf.toISOString() } : {}),
    }),
  );
  const workloads = headroom instanceof PageError ? undefined : headroom.workloads;
  return {
    cluster,
    /** why the cluster has no figures at the instant shown (removed before it: NOT_FOUND) */
    absent: headroom instanceof PageError ? headroom.message : null,
    worst: workloads ? worstStatus(workloads.map((w) => w.status)) : null,
  };
}

export async function loadOverview(caller: DashboardCaller, view: View, cursor: string | undefined) {
  // As of an instant: each cluster's last push observed by then, stale judged then.
  const [page, attention] = await Promise.all([
    caller.clusters.list({
      limit: CLUSTERS_PER_PAGE,
      ...(cursor ? { cursor } : {}),
      ...(view.asOf ? { asOf: view.asOf.toISOString() } : {}),
    }),
    // What needs attention is about now: as of a past instant the list is left out.
    view.asOf || cursor ? null : caller.clusters.attention({ top: ATTENTION_TOP }),
  ]);
  const rows = [];
  for (let i = 0; i < page.clusters.length; i += CLUSTERS_AT_ONCE) {
    const chunk = page.clusters.slice(i, i + CLUSTERS_AT_ONCE);
    rows.push(...(await Promise.all(chunk.map((c) => figuresOf(caller, c, view)))));
  }
  return { rows, nextCursor: page.nextCursor, attention };
}

export function Overview({ view, data }: { view: View; data: Awaited<ReturnType<typeof loadOverview>> }) {
  if (data.rows.length === 0) {
    return (
      <Notice>No cluster is registered yet: `portolan clusters register NAME`, then run its agent.</Notice>
    );
  }
  return (
    <>
      {data.attention ? (
        <AttentionList attention={data.attention} />
      ) : view.asOf ? (
        <p class="muted">What needs attention is listed for the present only (the time control's Now).</p>
      ) : null}
      <section aria-labelledby="fleet-heading">
        <h2 id="fleet-heading">Clusters</h2>
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Cluster</th>
                <th scope="col">Labels</th>
                <th scope="col">Last observed</th>
                <th scope="col" title="stale: silent past the threshold at the instant shown">
                  Agent
                </th>
                <th scope="col" class="num">
                  Nodes
                </th>
                <th scope="col" class="num" title={PODS_MEANING}>
                  Pods
                </th>
                <th scope="col" class="num">
                  Allocations
                </th>
                <th scope="col">Worst headroom</th>
                <th scope="col" class="num" title={PENDING_MEANING}>
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
                      <td class="num">{row.cluster.nodes}</td>
                      <td class="num">{row.cluster.pods}</td>
                      <td class="num">{row.cluster.allocations}</td>
                      <td>
                        <StatusBadge status={row.worst} />
                      </td>
                      <td class="num">{row.cluster.pending}</td>
                    </>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {data.nextCursor ? (
          <p>
            <a href={link("/", { ...asOfParam(view), cursor: data.nextCursor })}>Next clusters</a>
          </p>
        ) : null}
        <p class="muted">
          Pods: {PODS_MEANING} Worst headroom is over the cluster's host-port workloads; DaemonSets and static
          pods hold every node by design and are left out. Pending pods: {PENDING_MEANING}
        </p>
      </section>
    </>
  );
}
