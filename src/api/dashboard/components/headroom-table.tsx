/** A cluster's headroom per host-port workload, coloured none / low / ok, each with a trend link. */
import type { DashboardCaller } from "../session.js";
import { link } from "../url-state.js";
import { asOfParam, type View } from "../view.js";
import { StatusBadge } from "./status.js";

type HeadroomAnswer = Awaited<ReturnType<DashboardCaller["capacity"]["headroom"]>>;
export type HeadroomRow = HeadroomAnswer["workloads"][number];
export type SharedPortSetItem = HeadroomAnswer["sharedPortSets"][number];

/** Workloads competing for the same host ports on the same nodes: the cause, and what ends it. */
function SharedPortSets({ sets }: { sets: readonly SharedPortSetItem[] }) {
  if (sets.length === 0) return null;
  return (
    <div class="shared-port-sets">
      <h3 id="shared-port-sets-heading">Shared port sets</h3>
      <p class="muted">One cause for each set's low headroom: lowering replicas does not end it.</p>
      <ul>
        {sets.map((set) => (
          <li class="row-none">
            <strong>{set.summary}</strong>
            <ul>
              {set.advice.map((advice) => (
                <li>
                  <code>{advice}</code>
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** ports listed per workload: a workload may hold thousands */
const PORTS_SHOWN = 20;

const portsText = (ports: HeadroomRow["ports"]) =>
  ports
    .slice(0, PORTS_SHOWN)
    .map((p) => `${p.hostPort}/${p.protocol}`)
    .join(", ") + (ports.length > PORTS_SHOWN ? `, +${ports.length - PORTS_SHOWN} more` : "");

/** The listener a row names, in words, e.g. "worker-3 80/TCP: sshd on 0.0.0.0:80 [host-service]". */
function listenerTitle(e: HeadroomRow["listenerExample"]): string {
  if (!e) return "";
  const who = `${e.processes.join(",") || "no process"}${e.pod ? ` (pod ${e.pod.namespace}/${e.pod.name})` : ""}`;
  return `e.g. ${e.node} ${e.hostPort}/${e.protocol}: ${who} on ${e.address}:${e.port} [${e.class}]`;
}

export function HeadroomTable(props: {
  view: View;
  rows: readonly HeadroomRow[];
  sets?: readonly SharedPortSetItem[];
  more?: boolean;
}) {
  const { view } = props;
  // A router Deployment's shortage is its IngressController's: one row for both.
  const rows = props.rows.filter((w) => w.partOf === null);
  const folded = props.rows.length - rows.length;
  return (
    <section aria-labelledby="headroom-heading">
      <h2 id="headroom-heading">Headroom</h2>
      <p class="muted">
        How many more nodes one more replica could start on. DaemonSets and static pods are not listed:
        holding every node is what they are for.
        {folded > 0 ? ` ${folded} router Deployment(s) are shown as their IngressController's row.` : ""}
      </p>
      <SharedPortSets sets={props.sets ?? []} />
      {rows.length === 0 ? (
        <p>No host-port workload besides DaemonSets.</p>
      ) : (
        <div class="scroll">
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
                  <td>{portsText(w.ports)}</td>
                  <td class="num">{w.replicas}</td>
                  <td class="num">{w.pending}</td>
                  <td class="num">{w.eligibleNodes}</td>
                  <td class="num">
                    {w.freeNodes}
                    {w.listenerBlockedNodes > 0 ? (
                      <span class="muted" title={listenerTitle(w.listenerExample)}>
                        {` (${w.listenerBlockedNodes} kept by listeners)`}
                      </span>
                    ) : null}
                  </td>
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
        </div>
      )}
      {props.more ? (
        <p class="muted">{`The first ${props.rows.length} workloads; capacity.headroom pages the rest.`}</p>
      ) : null}
    </section>
  );
}
