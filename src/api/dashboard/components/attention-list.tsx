/**
 * The fleet overview's lead: what needs attention now, most urgent first (src/domain/attention.ts),
 * each item linking to the view that explains it, and how many more items there are.
 */
import type { DashboardCaller } from "../session.js";
import { link } from "../url-state.js";
import { Instant } from "./status.js";

type Attention = Awaited<ReturnType<DashboardCaller["clusters"]["attention"]>>;
type AttentionItem = Attention["items"][number];

/** "25 days", "3 h", "12 min": how long since an instant, coarsely. */
export function elapsed(since: string, now: Date): string {
  const seconds = Math.max(0, (now.getTime() - new Date(since).getTime()) / 1000);
  if (seconds >= 2 * 86_400) return `${Math.floor(seconds / 86_400)} days`;
  if (seconds >= 3_600) return `${Math.floor(seconds / 3_600)} h`;
  return `${Math.floor(seconds / 60)} min`;
}

const clusterPage = (cluster: string, section?: string) =>
  `${link(`/clusters/${encodeURIComponent(cluster)}`, {})}${section ? `#${section}` : ""}`;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function Item({ item, now }: { item: AttentionItem; now: Date }) {
  switch (item.kind) {
    case "conflict":
    case "pending": {
      const ports = item.ports.map((p) => `${p.hostPort}/${p.protocol}`).join(", ");
      const first = item.ports[0];
      return (
        <li class={`attention attention-${item.kind}`} data-kind={item.kind}>
          <strong>{item.kind === "conflict" ? "Host-port conflict" : "Pending"}</strong>{" "}
          {`${plural(item.pods, "pod")} of ${item.ownerKind} ${item.namespace}/${item.ownerName} in ${item.cluster} Pending${ports ? ` on ${ports}` : ""} for ${elapsed(item.since, now)}`}{" "}
          <a href={clusterPage(item.cluster, item.kind === "conflict" ? "conflicts-heading" : undefined)}>
            {item.kind === "conflict" ? "conflicts" : "cluster"}
          </a>
          {first ? (
            <>
              {" · "}
              <a href={link("/ports", { port: String(first.hostPort), protocol: first.protocol })}>
                {`who uses ${first.hostPort}`}
              </a>
            </>
          ) : null}
        </li>
      );
    }
    case "no-headroom":
    case "low-headroom":
      return (
        <li class={`attention attention-${item.kind}`} data-kind={item.kind}>
          <strong>{item.kind === "no-headroom" ? "No headroom" : "Low headroom"}</strong>{" "}
          {`${item.ownerKind} ${item.namespace}/${item.ownerName} in ${item.cluster}: ${plural(item.headroom, "node")} free for one more replica${item.pending > 0 ? `, ${item.pending} pending` : ""}`}{" "}
          <a href={clusterPage(item.cluster, "headroom-heading")}>headroom</a>
          {" · "}
          <a
            href={link("/trends", {
              cluster: item.cluster,
              namespace: item.namespace,
              kind: item.ownerKind,
              name: item.ownerName,
            })}
          >
            over time
          </a>
        </li>
      );
    case "stale":
      return (
        <li class="attention attention-stale" data-kind="stale">
          <strong>Stale</strong> {`${item.cluster}: its agent has been silent since `}
          <Instant at={item.lastSeenAt} />
          {item.lastSeenAt ? ` (${elapsed(item.lastSeenAt, now)})` : " (never pushed)"}{" "}
          <a href={clusterPage(item.cluster)}>cluster</a>
        </li>
      );
    case "undeclared-listeners":
      return (
        <li class="attention attention-undeclared-listeners" data-kind="undeclared-listeners">
          <strong>Undeclared listeners</strong>{" "}
          {`${item.cluster}: nodes listen on ${plural(item.listeners, "port")} no pod declares (${plural(item.observedNodes, "node")} report listeners)`}{" "}
          <a href={clusterPage(item.cluster)}>cluster</a>
        </li>
      );
  }
}

export function AttentionList(props: { attention: Attention }) {
  const { attention } = props;
  const now = new Date(attention.at);
  return (
    <section aria-labelledby="attention-heading">
      <h2 id="attention-heading">Needs attention</h2>
      {attention.items.length === 0 ? (
        <p class="muted">Nothing: no pod is Pending, every workload has headroom, every agent is pushing.</p>
      ) : (
        <ol class="attention-list">
          {attention.items.map((item) => (
            <Item item={item} now={now} />
          ))}
        </ol>
      )}
      {attention.more > 0 ? <p class="muted">{`and ${attention.more} more`}</p> : null}
    </section>
  );
}
