/**
 * Trend charts over a window ending at the instant shown: allocations of a port or a workload
 * (trends.allocations) and, for a workload of a named cluster, its headroom (trends.headroom).
 */
import { eventText } from "../../../domain/trend-events.js";
import { Chart, type ChartData, fromFirstObservation } from "../components/chart.js";
import { AsOfField, Notice } from "../components/status.js";
import { attempt, PageError } from "../errors.js";
import type { DashboardCaller } from "../session.js";
import type { View } from "../view.js";
import { type Protocol, protocols } from "./port.js";

/** windows offered, with a step that keeps each chart near a hundred points */
export const windows = {
  "1d": { ms: 86_400_000, step: "15m" },
  "7d": { ms: 7 * 86_400_000, step: "1h" },
  "30d": { ms: 30 * 86_400_000, step: "6h" },
} as const;
export type TrendWindow = keyof typeof windows;

export interface TrendQuery {
  cluster: string | undefined;
  port: number | undefined;
  protocol: Protocol | undefined;
  workload: { namespace: string; kind: string; name: string } | undefined;
  window: TrendWindow;
}

const seconds = (iso: string) => Date.parse(iso) / 1000;

export async function loadTrends(caller: DashboardCaller, view: View, q: TrendQuery) {
  const to = view.asOf ?? view.now;
  const { ms, step } = windows[q.window];
  const range = { from: new Date(to.getTime() - ms).toISOString(), to: to.toISOString(), step };
  const allocations = await caller.trends.allocations({
    ...range,
    ...(q.cluster ? { cluster: q.cluster } : {}),
    ...(q.port ? { hostPort: q.port } : {}),
    ...(q.protocol ? { protocol: q.protocol } : {}),
    ...(q.workload ? { workload: q.workload } : {}),
  });
  const marks = await caller.trends.events({
    from: range.from,
    to: range.to,
    ...(q.cluster ? { cluster: q.cluster } : {}),
  });
  const events = marks.events.map((e) => ({ x: seconds(e.at), label: eventText(e) }));
  const workload = q.workload;
  const cluster = q.cluster;
  const headroom =
    workload && cluster
      ? await attempt(() => caller.trends.headroom({ ...range, cluster, ...workload }))
      : null;
  const allocationChart: ChartData = fromFirstObservation({
    x: allocations.points.map((p) => seconds(p.t)),
    series: [
      { label: "allocations", values: allocations.points.map((p) => p.allocations) },
      { label: "pods", values: allocations.points.map((p) => p.pods) },
      { label: "nodes in scope", values: allocations.points.map((p) => p.nodes) },
    ],
    events,
    moreEvents: marks.more,
  });
  const headroomChart: ChartData | PageError | null =
    headroom === null || headroom instanceof PageError
      ? headroom
      : fromFirstObservation({
          x: headroom.points.map((p) => seconds(p.t)),
          series: [
            { label: "headroom", values: headroom.points.map((p) => p.headroom) },
            { label: "free nodes", values: headroom.points.map((p) => p.freeNodes) },
            { label: "replicas", values: headroom.points.map((p) => p.replicas) },
          ],
          events,
          moreEvents: marks.more,
        });
  return { allocationChart, headroomChart };
}

function describe(q: TrendQuery): string {
  const what = [
    q.port
      ? `port ${q.port}${q.protocol ? `/${q.protocol}` : ""}`
      : q.protocol
        ? `every ${q.protocol} port`
        : "",
    q.workload ? `${q.workload.namespace}/${q.workload.name} (${q.workload.kind})` : "",
  ].filter(Boolean);
  return `${what.length ? what.join(", ") : "every host port"} in ${q.cluster ?? "the fleet"}, last ${q.window}`;
}

export function TrendForm({ q, asOf }: { q: TrendQuery; asOf: Date | undefined }) {
  const text = (id: string, label: string, value: string | undefined, extra: Record<string, string> = {}) => (
    <>
      <label for={id}>{label}</label>
      <input id={id} name={id} value={value ?? ""} {...extra} />
    </>
  );
  return (
    <form method="get" action="/trends" class="inline-form">
      <AsOfField asOf={asOf} />
      {text("cluster", "Cluster", q.cluster)}
      {text("port", "Port", q.port ? String(q.port) : undefined, { type: "number", min: "1", max: "65535" })}
      <label for="protocol">Protocol</label>
      <select id="protocol" name="protocol">
        <option value="">any</option>
        {protocols.map((p) => (
          <option selected={q.protocol === p}>{p}</option>
        ))}
      </select>
      {text("namespace", "Namespace", q.workload?.namespace)}
      {text("kind", "Kind", q.workload?.kind, { placeholder: "Deployment" })}
      {text("name", "Workload", q.workload?.name)}
      <label for="window">Window</label>
      <select id="window" name="window">
        {Object.keys(windows).map((w) => (
          <option selected={q.window === w}>{w}</option>
        ))}
      </select>
      <button type="submit">Draw</button>
    </form>
  );
}

export function TrendsPage(props: { q: TrendQuery; data: Awaited<ReturnType<typeof loadTrends>> }) {
  const { q, data } = props;
  return (
    <>
      <Chart id="allocations-chart" title={`Allocations: ${describe(q)}`} data={data.allocationChart} />
      {data.headroomChart instanceof PageError ? (
        <Notice kind="error">{`Headroom trend: ${data.headroomChart.message}`}</Notice>
      ) : data.headroomChart ? (
        <Chart id="headroom-chart" title={`Headroom: ${describe(q)}`} data={data.headroomChart} />
      ) : (
        <p class="muted">Name a cluster and a workload (namespace, kind, name) for its headroom trend.</p>
      )}
    </>
  );
}
