/** "Who uses port N" across the fleet: the summary per cluster and workload, then a page of holders. */
import { AsOfField, Instant, StaleBadge } from "../components/status.js";
import type { DashboardCaller } from "../session.js";
import { link } from "../url-state.js";
import { asOfParam, type View } from "../view.js";

export const HOLDERS_PER_PAGE = 100;
export const protocols = ["TCP", "UDP", "SCTP"] as const;
export type Protocol = (typeof protocols)[number];

export interface PortQuery {
  port: number;
  protocol: Protocol | undefined;
  cursor: string | undefined;
}

export function loadPort(caller: DashboardCaller, view: View, q: PortQuery) {
  return caller.ports.who({
    hostPort: q.port,
    limit: HOLDERS_PER_PAGE,
    ...(q.protocol ? { protocol: q.protocol } : {}),
    ...(q.cursor ? { cursor: q.cursor } : {}),
    ...(view.asOf ? { asOf: view.asOf.toISOString() } : {}),
  });
}

export function PortForm({ q, asOf }: { q: PortQuery | undefined; asOf: Date | undefined }) {
  return (
    <form method="get" action="/ports" class="inline-form">
      <AsOfField asOf={asOf} />
      <label for="port">Host port</label>
      <input
        id="port"
        name="port"
        type="number"
        min="1"
        max="65535"
        required
        value={q ? String(q.port) : ""}
      />
      <label for="protocol">Protocol</label>
      <select id="protocol" name="protocol">
        <option value="">any</option>
        {protocols.map((p) => (
          <option selected={q?.protocol === p}>{p}</option>
        ))}
      </select>
      <button type="submit">Look up</button>
    </form>
  );
}

type WhoSummary = NonNullable<Awaited<ReturnType<typeof loadPort>>["summary"]>;

function PortSummary(props: { view: View; q: PortQuery; summary: WhoSummary }) {
  const { view, q, summary } = props;
  return (
    <>
      <p class="summary">
        {`${summary.total} allocations of port ${q.port}${q.protocol ? `/${q.protocol}` : ""} in ${summary.byCluster.length} clusters.`}
      </p>
      <section aria-labelledby="by-cluster">
        <h2 id="by-cluster">By cluster</h2>
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Cluster</th>
                <th scope="col" class="num">
                  Allocations
                </th>
                <th scope="col" class="num">
                  Nodes
                </th>
                <th scope="col">Now</th>
              </tr>
            </thead>
            <tbody>
              {summary.byCluster.map((c) => (
                <tr>
                  <th scope="row">
                    <a href={link(`/clusters/${encodeURIComponent(c.cluster)}`, asOfParam(view))}>
                      {c.cluster}
                    </a>
                  </th>
                  <td class="num">{c.allocations}</td>
                  <td class="num">{c.nodes}</td>
                  <td>
                    <StaleBadge stale={c.stale} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section aria-labelledby="by-workload">
        <h2 id="by-workload">By workload</h2>
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Workload</th>
                <th scope="col" class="num">
                  Allocations
                </th>
                <th scope="col" class="num">
                  Clusters
                </th>
              </tr>
            </thead>
            <tbody>
              {summary.byWorkload.map((w) => (
                <tr>
                  <th scope="row">{`${w.namespace}/${w.owner ? `${w.owner.name} (${w.owner.kind})` : "bare pods"}`}</th>
                  <td class="num">{w.allocations}</td>
                  <td class="num">{w.clusters}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}

export function PortPage(props: { view: View; q: PortQuery; data: Awaited<ReturnType<typeof loadPort>> }) {
  const { view, q, data } = props;
  return (
    <>
      {data.summary ? (
        <PortSummary view={view} q={q} summary={data.summary} />
      ) : (
        // ports.who sends the summary with the first page only: it does not change from page to page.
        <p class="summary">{`Holders of port ${q.port}${q.protocol ? `/${q.protocol}` : ""}, continued.`}</p>
      )}
      <section aria-labelledby="holders">
        <h2 id="holders">Holders</h2>
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Cluster</th>
                <th scope="col">Node</th>
                <th scope="col">Pod</th>
                <th scope="col">Port</th>
                <th scope="col">Host IP</th>
                <th scope="col">Since</th>
              </tr>
            </thead>
            <tbody>
              {data.allocations.map((a) => (
                <tr>
                  <td>{a.cluster}</td>
                  <td>{a.node}</td>
                  <td>{`${a.namespace}/${a.pod}${a.owner ? ` (${a.owner.kind} ${a.owner.name})` : ""}`}</td>
                  <td>{`${a.hostPort}/${a.protocol}`}</td>
                  <td>{a.hostIP}</td>
                  <td>
                    <Instant at={a.since} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {data.nextCursor ? (
          <p>
            <a
              href={link("/ports", {
                port: q.port,
                protocol: q.protocol,
                cursor: data.nextCursor,
                ...asOfParam(view),
              })}
            >
              Next holders
            </a>
          </p>
        ) : null}
      </section>
    </>
  );
}
