/**
 * A port grid row's header cells: the port, who holds it and as what (a DaemonSet on every eligible
 * node, a static pod on its node, a workload with its eligible nodes), the held and free counts, the
 * pending pods and the declaring IngressControllers. Every name is written out in full (the cells wrap).
 */
import { link } from "../url-state.js";
import { asOfParam, type View } from "../view.js";
import {
  type ConflictItem,
  DAEMONSET_FREE_TITLE,
  DAEMONSET_KIND,
  daemonSetText,
  ELIGIBLE_TITLE,
  eligibleText,
  type PortMapAnswer,
  type PortRow,
  pendingFor,
  type RowHolders,
  type RowRole,
  type RowWorkload,
  STATIC_FREE_TITLE,
} from "./grid-rows.js";

/** Pending pods of one workload (a Pending pod names its owner as the workload does). */
const pendingOf = (w: RowWorkload, pending: readonly ConflictItem[]) =>
  pending.filter((p) => p.namespace === w.namespace && p.owner?.kind === w.kind && p.owner.name === w.name)
    .length;

/** One holder, worded by what it is: a static pod by its node, a DaemonSet by where it runs. */
function Holder(props: { w: RowWorkload; clusterNodes: number; pending: readonly ConflictItem[] }) {
  const { w } = props;
  // ports.map names a static pod's workload by its owner, the Node: the pod runs there and only there.
  if (w.kind === "Node")
    return (
      <div
        class="row-kind"
        title={`a static pod in ${w.namespace}, run by ${w.name}'s kubelet from a manifest`}
      >
        {`static pod on ${w.name}`}
      </div>
    );
  return (
    <>
      <div>{`${w.namespace}/${w.name} (${w.kind}, ${w.pods})`}</div>
      {w.kind === "DaemonSet" ? (
        <div title={DAEMONSET_FREE_TITLE}>
          <div class="row-kind">{DAEMONSET_KIND}</div>
          <div class="muted">{daemonSetText(w.pods, props.clusterNodes, pendingOf(w, props.pending))}</div>
        </div>
      ) : null}
    </>
  );
}

/** Who holds the row, worded by what the holders are, and a workload row's eligible nodes. */
function HeldBy(props: {
  row: PortRow;
  role: RowRole;
  split: RowHolders;
  clusterNodes: number;
  pending: readonly ConflictItem[];
}) {
  const { row, role, split } = props;
  return (
    <>
      {split.pods.map((w) => (
        <Holder w={w} clusterNodes={props.clusterNodes} pending={props.pending} />
      ))}
      {role === "static" ? <div class="muted">not schedulable elsewhere</div> : null}
      {role === "workload" ? (
        <div class="muted" title={ELIGIBLE_TITLE}>
          {eligibleText(row, props.clusterNodes)}
        </div>
      ) : null}
    </>
  );
}

function FreeCount(props: { row: PortRow; role: RowRole }) {
  const { row, role } = props;
  if (role === "observed") return <td class="num muted">–</td>;
  if (role === "daemonset" || role === "static")
    return (
      <td class="num muted" title={role === "daemonset" ? DAEMONSET_FREE_TITLE : STATIC_FREE_TITLE}>
        n/a
      </td>
    );
  return (
    <td
      class={`num ${row.freeCount === 0 ? "status-none" : row.freeCount === 1 ? "status-low" : ""}`}
      title={`${row.freeCount} of ${row.eligibleNodes} eligible nodes free for one more replica`}
    >
      {row.freeCount}
    </td>
  );
}

export function PortRowHead(props: {
  view: View;
  row: PortRow;
  role: RowRole;
  split: RowHolders;
  map: PortMapAnswer;
  pending: readonly ConflictItem[] | null;
}) {
  const { view, row, role, split } = props;
  const pending = props.pending ? pendingFor(row, props.pending) : [];
  return (
    <>
      <th scope="row">
        <a
          href={link("/ports", {
            port: row.hostPort,
            protocol: row.protocol,
            ...asOfParam(view),
          })}
        >
          {`${row.hostPort}/${row.protocol}`}
        </a>
        {row.hostIP === "0.0.0.0" || row.hostIP === "" ? null : <span class="muted">{` ${row.hostIP}`}</span>}
      </th>
      <td class="wrap">
        {role === "observed" ? <div class="status status-observed">observed only</div> : null}
        <HeldBy row={row} role={role} split={split} clusterNodes={props.map.nodes} pending={pending} />
        {row.observedListeners ? (
          <div class="muted">{`listening on ${row.observedListeners.nodes} observed node${row.observedListeners.nodes === 1 ? "" : "s"}`}</div>
        ) : null}
      </td>
      {/* No holder on an observed-only row: nothing is held by declaration. */}
      <td class={`num${role === "observed" ? " muted" : ""}`}>{role === "observed" ? "–" : row.heldCount}</td>
      <FreeCount row={row} role={role} />
      <td class="pending">
        {props.pending === null ? (
          <span class="muted">now only</span>
        ) : pending.length === 0 ? (
          <span class="muted">–</span>
        ) : (
          pending.map((p) => (
            <div class="status status-none" title={`${p.namespace}/${p.pod}`}>{`pending ${p.pod}`}</div>
          ))
        )}
      </td>
      <td class="wrap">
        {split.declared.length === 0 ? (
          <span class="muted">–</span>
        ) : (
          split.declared.map((w) => (
            <div class="declared">{`IngressController ${w.namespace}/${w.name}`}</div>
          ))
        )}
      </td>
    </>
  );
}
