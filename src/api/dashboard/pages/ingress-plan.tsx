/**
 * The IngressController planner (capacity.planIngressController): ports free on every eligible node of
 * every target cluster, the replicas that keep a node spare, what blocks the obvious candidates, and the
 * manifest to copy. A read: reserving stays an admin call (`portolan plan ingresscontroller --reserve`).
 */
import { stringify } from "yaml";
import { listenedRefusalText } from "../../../render/ingress-refusals.js";
import type { DashboardCaller } from "../session.js";

export interface IngressPlanQuery {
  name: string;
  labelSelector: Record<string, string> | undefined;
  clusters: string[];
  replicas: number;
}

type Plan = Awaited<ReturnType<DashboardCaller["capacity"]["planIngressController"]>>;

export function loadIngressPlan(caller: DashboardCaller, q: IngressPlanQuery) {
  return caller.capacity.planIngressController({
    name: q.name,
    replicas: q.replicas,
    ...(q.clusters.length > 0 ? { clusters: q.clusters } : {}),
    ...(q.labelSelector ? { labelSelector: q.labelSelector } : {}),
  });
}

/** "env=prod,region=eu" → labels; undefined when empty or malformed (the form says what it wants). */
export function parseSelector(text: string | undefined): Record<string, string> | undefined {
  if (!text) return undefined;
  const pairs = text.split(",").map((pair) => pair.trim().split("="));
  if (pairs.some((p) => p.length !== 2 || !p[0])) return undefined;
  return Object.fromEntries(pairs.map(([k, v]) => [k as string, v ?? ""]));
}

export function IngressPlanForm({ q }: { q: IngressPlanQuery | undefined }) {
  const selector = q?.labelSelector
    ? Object.entries(q.labelSelector)
        .map(([k, v]) => `${k}=${v}`)
        .join(",")
    : "";
  return (
    <form method="get" action="/plan" class="inline-form">
      <label for="icName">IngressController name</label>
      <input
        id="icName"
        name="icName"
        required
        pattern="[a-z0-9]([-a-z0-9]*[a-z0-9])?"
        value={q?.name ?? ""}
      />
      <label for="icSelector">Clusters by label (k=v,…)</label>
      <input id="icSelector" name="icSelector" value={selector} placeholder="env=prod" />
      <label for="icClusters">or by name (comma-separated)</label>
      <input id="icClusters" name="icClusters" value={q?.clusters.join(",") ?? ""} />
      <label for="icReplicas">Replicas</label>
      <input
        id="icReplicas"
        name="icReplicas"
        type="number"
        min="1"
        max="1000"
        value={String(q?.replicas ?? 2)}
      />
      <button type="submit">Plan</button>
    </form>
  );
}

function refusalText(r: Plan["passedOver"][number]["refusals"][number]): string {
  switch (r.reason) {
    case "held":
      return `${r.port} held by ${r.holders
        .map(
          (h) =>
            `${h.namespace}/${h.kind}/${h.name}${h.declared ? " (declared)" : ""} on ${h.nodes} node(s) of ${h.cluster}`,
        )
        .join("; ")}`;
    case "listened":
      return listenedRefusalText(r);
    case "excluded":
      return `${r.port} excluded on ${r.cluster}: ${r.range} ${r.why}`;
    case "reserved":
      return `${r.port} reserved on ${r.cluster} by ${r.owner} (${r.purpose})`;
  }
}

/** The warnings that come before any port: a taken name, stale targets, no cluster that can host it. */
function PlanWarnings({ plan }: { plan: Plan }) {
  return (
    <>
      {plan.existing.map((e) => (
        <p class="status status-none">
          {`${e.cluster} already runs ${e.namespace}/${e.name} (${e.endpointPublishingStrategy ?? "strategy unset"}${
            e.hostNetwork
              ? ` ${e.hostNetwork.httpPort}/${e.hostNetwork.httpsPort}/${e.hostNetwork.statsPort}`
              : ""
          }, ${e.replicas ?? 2} replicas): applying this plan would rewrite it. A free name: ${plan.suggestedName}.`}
        </p>
      ))}
      {plan.staleClusters.map((s) => (
        <p class="status status-low">
          {s.noPushYet
            ? `${s.cluster} has not pushed yet: left out of the plan.`
            : `${s.cluster} is stale (last push ${s.lastSeenAt ?? "never"}): ${
                s.inVerdict ? "planned on anyway" : "left out of the plan"
              }.`}
        </p>
      ))}
      {plan.hostable ? null : <p class="status status-none">{`No plan: ${plan.verdict}.`}</p>}
      {plan.clusters
        .filter((c) => c.diagnosis)
        .map((c) => (
          <p>{`${c.cluster}: no eligible node. ${c.diagnosis?.hints.join("; ")}.`}</p>
        ))}
    </>
  );
}

export function IngressPlanPage({ plan }: { plan: Plan }) {
  const { choice } = plan;
  const applicable = choice !== null && plan.manifest !== null && (plan.existing.length === 0 || plan.move);
  return (
    <section aria-labelledby="ic-heading">
      <h2 id="ic-heading">{`Plan for IngressController ${plan.name}`}</h2>
      <PlanWarnings plan={plan} />
      {choice ? (
        <p>
          <strong>{`httpPort ${choice.httpPort}, httpsPort ${choice.httpsPort}, statsPort ${choice.statsPort}`}</strong>
          {` (rule: ${choice.rule}): ${choice.why}. Replicas for all: ${plan.replicas}.`}
        </p>
      ) : (
        <p class="status status-none">No port set is free on every eligible node of every target cluster.</p>
      )}
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Cluster</th>
              <th scope="col">Profile</th>
              <th scope="col" class="num">
                Eligible nodes
              </th>
              <th scope="col" class="num">
                Replicas
              </th>
              <th scope="col" class="num">
                Spare
              </th>
              <th scope="col">Why that many</th>
            </tr>
          </thead>
          <tbody>
            {plan.clusters.map((c) => (
              <tr>
                <th scope="row">{c.cluster}</th>
                <td>{c.profile}</td>
                <td class="num">{c.eligibleNodes}</td>
                <td class="num">{c.replicas}</td>
                <td class="num">{c.spare}</td>
                <td>{c.arithmetic}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {plan.passedOver.length > 0 ? (
        <>
          <h3>Passed over</h3>
          <ul>
            {plan.passedOver.map((p) => (
              <li>
                {`${p.httpPort}/${p.httpsPort}/${p.statsPort} (${p.rule}): `}
                {p.refusals.map(refusalText).join("; ")}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {applicable ? (
        <>
          <div class="copy-head">
            <h3 id="ic-manifest-heading">Manifest to apply</h3>
            {/* dashboard.js shows and wires it: without script the block is still there to select */}
            <button type="button" data-copy="ic-manifest" hidden>
              Copy manifest
            </button>
          </div>
          {/* unwrapped, scrolling on its own: YAML never breaks mid-key; focusable so keys scroll it */}
          <pre id="ic-manifest" class="manifest" tabindex={0}>
            {stringify(plan.manifest)}
          </pre>
          <p class="muted">
            {`Reserve these ports before applying: portolan plan ingresscontroller ${plan.name} … --reserve (an admin call).`}
          </p>
        </>
      ) : null}
    </section>
  );
}
