/** A cluster's headroom per host-port workload, coloured none / low / ok, each with a trend link. */
import type { DashboardCaller } from "../session.js";
import { link } from "../url-state.js";
import { asOfParam, type View } from "../view.js";
import { StatusBadge } from "./status.js";

export type HeadroomRow = Awaited<ReturnType<DashboardCaller["capacity"]["headroom"]>>["workloads"][number];

export function HeadroomTable({ view, rows }: { view: View; rows: readonly HeadroomRow[] }) {
  return (
    <section aria-labelledby="headroom-heading">
      <h2 id="headroom-heading">Headroom</h2>
      <p class="muted">
        How many more nodes one more replica could start on. DaemonSets and static pods are not listed:
        holding every node is what they are for.
      </p>
      {rows.length === 0 ? (
        <p>No host-port workload besides DaemonSets.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Workload</th>
              <th scope="col">Ports</th>
              <th scope="col" class="num">
                Replicas
              </th>
              <th scope="col" class="num">
                Pending
              </th>
              <th scope="col" class="num">
                Eligible nodes
              </th>
              <th scope="col" class="num">
                Free nodes
              </th>
              <th scope="col">Headroom</th>
              <th scope="col" class="num">
                Max replicas (1 spare)
              </th>
              <th scope="col">Trend</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((w) => (
              <tr class={`row-${w.status}`}>
                <th scope="row">{`${w.namespace}/${w.name} (${w.kind})`}</th>
                <td>{w.ports.map((p) => `${p.hostPort}/${p.protocol}`).join(", ")}</td>
                <td class="num">{w.replicas}</td>
                <td class="num">{w.pending}</td>
                <td class="num">{w.eligibleNodes}</td>
                <td class="num">{w.freeNodes}</td>
                <td>
                  {`${w.headroom} `}
                  <StatusBadge status={w.status} />
                </td>
                <td class="num">{w.maxReplicasKeepingOneSpare}</td>
                <td>
                  <a
                    href={link("/trends", {
                      cluster: w.cluster,
                      namespace: w.namespace,
                      kind: w.kind,
                      name: w.name,
                      ...asOfParam(view),
                    })}
                  >
                    {`Trend of ${w.name}`}
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
