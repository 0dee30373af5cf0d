/**
 * The port grid's one legend: every cell colour and mark, the node column marks, and what the numbers
 * and words in a row's header columns mean. Each entry's sample uses the grid's own classes.
 */
import type { Child } from "hono/jsx";

const entry = (sample: Child, meaning: string) => (
  <>
    <dt>{sample}</dt>
    <dd>{meaning}</dd>
  </>
);

export function GridLegend() {
  return (
    <div class="legend" id="grid-legend">
      <h3>Legend</h3>
      <h4>Cells (one per port row and node)</h4>
      <dl>
        {entry(
          <span class="cell-held">router</span>,
          "held: a pod of that workload holds the port on the node (declared in its spec); the full name is the cell's text and tooltip",
        )}
        {entry(
          <span class="cell-held cell-static">etcd-cp-0</span>,
          "held by a static pod (a control-plane mirror pod owned by its node): bound to that node",
        )}
        {entry(
          <span class="cell-declared">declared</span>,
          "declared-only: a HostNetwork IngressController declares the port on the node, pods or not",
        )}
        {entry(
          <span class="cell-free">free</span>,
          "free: one more replica of the holders could take the port there; on an observed node nothing listens on it either",
        )}
        {entry(
          <span class="cell-none">–</span>,
          "none: the node is not eligible for the holders (node selector, affinity, taints, cordon, NotReady), another allocation is in the way, or the holders are static pods bound to other nodes; on an observed-only row: observed, nothing listens on the port",
        )}
        {entry(
          <span class="unobs">n/o</span>,
          'not observed: the node sends no listener report, so "free" there is the scheduler\'s view only',
        )}
        {entry(
          <span class="obs obs-declared">obs</span>,
          "observed listening: the holder's own socket (a hostNetwork pod on the node declares the port)",
        )}
        {entry(
          <span class="obs obs-undeclared">obs sshd</span>,
          "observed listening, declared by no pod on the node (a host service, a kernel socket, another pod's socket), with its process names",
        )}
        {entry(
          <span class="cell-risk">
            <span class="obs obs-risk">⚠ sshd</span>
          </span>,
          "will crash: a listener no pod declares, on a port a hostNetwork workload holds elsewhere; the scheduler counts the node free, so a replica placed there starts, fails its bind (EADDRINUSE) and crash-loops",
        )}
      </dl>
      <h4>Rows and columns</h4>
      <dl>
        {entry(
          <span class="status status-observed">observed only</span>,
          "a port no pod and no IngressController declares, which nodes listen on. Loopback-only listeners are listed too: a wildcard bind of the port (0.0.0.0) fails on them",
        )}
        {entry(
          <span class="grid-sample">Held</span>,
          "nodes where the port is held (by pods or by an IngressController's declaration)",
        )}
        {entry(
          <span class="grid-sample">Free</span>,
          "eligible nodes where the port is still free: where one more replica could start. Red at 0, amber at 1. Not counted for DaemonSets and static pods",
        )}
        {entry(
          <span class="muted">3 of 11 nodes eligible</span>,
          "eligible: nodes a pod of the holders may be scheduled on (Ready, not cordoned, node selector and required affinity matched, taints tolerated); the rest are excluded",
        )}
        {entry(
          <span class="row-kind">DaemonSet · on every eligible node</span>,
          "a DaemonSet runs one pod on each eligible node and needs no free node; it says on how many it runs",
        )}
        {entry(
          <span class="row-kind">static pod on cp-0</span>,
          "a static pod, run by that node's kubelet from a manifest: no other node can run it",
        )}
        {entry(
          <span class="status status-none">pending</span>,
          "pending: a pod the scheduler found no node for because of the port (now only)",
        )}
        {entry(
          <span class="node-state">cordoned</span>,
          "under a node's name: the node takes no new pods (cordoned or NotReady), so it is not eligible",
        )}
      </dl>
    </div>
  );
}
