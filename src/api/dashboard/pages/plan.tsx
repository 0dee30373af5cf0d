/**
 * The planner: free port ranges (capacity.freeRanges) for a new workload. Free ranges are the ports no
 * selected cluster uses now (nor within the quiet days), reservations, NodePort and ephemeral ranges left out.
 */
import { AsOfField } from "../components/status.js";
import type { DashboardCaller } from "../session.js";
import { type Protocol, protocols } from "./port.js";

export interface PlanQuery {
  width: number;
  protocol: Protocol | undefined;
  min: number | undefined;
  max: number | undefined;
  clusters: string[];
  quietDays: number | undefined;
}

const RANGES_SHOWN = 20;

export function loadPlan(caller: DashboardCaller, q: PlanQuery) {
  return caller.capacity.freeRanges({
    width: q.width,
    limit: RANGES_SHOWN,
    ...(q.protocol ? { protocol: q.protocol } : {}),
    ...(q.min ? { min: q.min } : {}),
    ...(q.max ? { max: q.max } : {}),
    ...(q.clusters.length ? { clusters: q.clusters } : {}),
    ...(q.quietDays ? { quietDays: q.quietDays } : {}),
  });
}

export function PlanForm({ q, asOf }: { q: PlanQuery | undefined; asOf: Date | undefined }) {
  const num = (id: string, label: string, value: number | undefined, min: string, max: string) => (
    <>
      <label for={id}>{label}</label>
      <input id={id} name={id} type="number" min={min} max={max} value={value ? String(value) : ""} />
    </>
  );
  return (
    <form method="get" action="/plan" class="inline-form">
      <AsOfField asOf={asOf} />
      {num("width", "Ports needed", q?.width ?? 1, "1", "65535")}
      <label for="protocol">Protocol</label>
      <select id="protocol" name="protocol">
        <option value="">any</option>
        {protocols.map((p) => (
          <option selected={q?.protocol === p}>{p}</option>
        ))}
      </select>
      {num("min", "From port", q?.min, "1", "65535")}
      {num("max", "To port", q?.max, "1", "65535")}
      <label for="clusters">Clusters (comma-separated, empty: all)</label>
      <input id="clusters" name="clusters" value={q?.clusters.join(",") ?? ""} />
      {num("quietDays", "Unused for days", q?.quietDays, "1", "3650")}
      <button type="submit">Find free ranges</button>
    </form>
  );
}

export function PlanPage({ data }: { data: Awaited<ReturnType<typeof loadPlan>> }) {
  return (
    <section aria-labelledby="ranges-heading">
      <h2 id="ranges-heading">Free ranges</h2>
      <p>{`Free in ${data.clusters.length} clusters${data.protocol ? ` for ${data.protocol}` : ""}, ${data.width} ports wide:`}</p>
      {data.ranges.length === 0 ? (
        <p>No free range of that width.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Ports</th>
              <th scope="col" class="num">
                Free gap ends at
              </th>
            </tr>
          </thead>
          <tbody>
            {data.ranges.map((r) => (
              <tr>
                <td>{r.width === 1 ? String(r.from) : `${r.from}–${r.to}`}</td>
                <td class="num">{r.freeUntil}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data.skippedReservations.length > 0 ? (
        <p class="muted">
          {`Reserved ranges left out: ${data.skippedReservations.map((r) => `${r.portFrom}–${r.portTo} (${r.owner})`).join(", ")}`}
        </p>
      ) : null}
    </section>
  );
}
