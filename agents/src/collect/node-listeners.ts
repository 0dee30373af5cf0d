/**
 * Node listener reports (node readers, or an import of ss / /proc/net captures) in the snapshot's
 * canonical form: listeners in key order, processes sorted (src/contract/canonical.ts), so the body
 * the agent writes hashes as the server hashes it.
 */
import { canonicalNodeListeners } from "../../../src/contract/canonical.js";
import type { NodeListeners } from "../../../src/contract/listeners.js";

/**
 * Made once per report object: a report is replaced, never changed in place (ClusterState's sink),
 * so a heartbeat does not sort every listener of the cluster again. A report already canonical is
 * kept as it is rather than held twice.
 */
const made = new WeakMap<NodeListeners, NodeListeners>();

export function canonicalReport(report: NodeListeners): NodeListeners {
  const known = made.get(report);
  if (known) return known;
  const canonical = canonicalNodeListeners(report);
  const kept = JSON.stringify(canonical) === JSON.stringify(report) ? report : canonical;
  made.set(report, kept);
  return kept;
}
