/**
 * Node listener reports (node readers, or an import of ss / /proc/net captures) as a snapshot carries
 * them: read by the contract's schema as the server reads them (addresses normalised, scope derived),
 * then in canonical form (listeners in key order, processes sorted; src/contract/canonical.ts), so
 * the body the agent writes hashes as the server hashes it.
 */
import { canonicalNodeListeners } from "../../../src/contract/canonical.js";
import { nodeListenersSchema } from "../../../src/contract/listener-schema.js";
import { listenerKey, type NodeListeners } from "../../../src/contract/listeners.js";

export type ReportVerdict = { ok: true; report: NodeListeners } | { ok: false; message: string };

/**
 * Made once per report object: a report is replaced, never changed in place (ClusterState's sink),
 * so a heartbeat does not read every listener of the cluster again. A report already in its
 * snapshot form is kept as it is rather than held twice.
 */
const verdicts = new WeakMap<NodeListeners, ReportVerdict>();

/**
 * The report as the snapshot carries it, or why the contract refuses it: the caller leaves a
 * refused report out, so one node's bad report (a reader's bug) does not stop the cluster's
 * snapshots.
 */
export function sendableReport(report: NodeListeners): ReportVerdict {
  const known = verdicts.get(report);
  if (known) return known;
  const verdict = judge(report);
  verdicts.set(report, verdict);
  return verdict;
}

function judge(report: NodeListeners): ReportVerdict {
  const parsed = nodeListenersSchema.safeParse(report);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, message: `${issue?.path.join(".") ?? ""}: ${issue?.message ?? "refused"}` };
  }
  const keys = new Set<string>();
  for (const listener of parsed.data.listeners) {
    const key = listenerKey(listener);
    if (keys.has(key)) {
      return {
        ok: false,
        message: `${listener.protocol} ${listener.address}:${listener.port} appears twice (DUPLICATE_LISTENER)`,
      };
    }
    keys.add(key);
  }
  const canonical = canonicalNodeListeners(parsed.data);
  const same = JSON.stringify(canonical) === JSON.stringify(report);
  return { ok: true, report: same ? report : canonical };
}
