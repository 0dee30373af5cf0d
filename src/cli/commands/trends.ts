import { type Command, Option } from "commander";
import type { Protocol } from "../../contract/schema.js";
import { toCsv } from "../../render/csv.js";
import { renderSeriesText } from "../../render/sparkline.js";
import type { Run } from "../command.js";
import { type CliContext, UsageError } from "../context.js";
import { asOf, instant, once, port, protocol, selector, step, wholeNumber, workload } from "../flags.js";
import { defaultStep, type PeriodOptions, resolvePeriod } from "../period.js";

type Workload = ReturnType<typeof workload>;

interface OutputOptions extends PeriodOptions {
  step?: string;
  csv?: boolean;
  width: number;
}

interface AllocationOptions extends OutputOptions {
  port?: number;
  protocol?: Protocol;
  cluster?: string;
  selector?: Record<string, string>;
  workload?: Workload;
}

/** --json (global) and --csv both say how to print: one of them. */
function outputMode(ctx: CliContext, options: OutputOptions): "json" | "csv" | "chart" {
  if (ctx.json && options.csv) throw new UsageError("give --json or --csv, not both");
  return ctx.json ? "json" : options.csv ? "csv" : "chart";
}

const workloadText = (w: Workload) => `${w.namespace}/${w.kind}/${w.name}`;

function allocationTitle(options: AllocationOptions): string {
  const what = options.port ? `${options.port}/${options.protocol ?? "any protocol"}` : "all host ports";
  const where = [
    options.cluster ? `cluster ${options.cluster}` : "",
    options.selector
      ? `clusters ${Object.entries(options.selector)
          .map(([k, v]) => `${k}=${v}`)
          .join(",")}`
      : "",
    options.workload ? `workload ${workloadText(options.workload)}` : "",
  ].filter(Boolean);
  return `allocations of ${what}${where.length ? ` in ${where.join(", ")}` : ""}`;
}

async function allocations(ctx: CliContext, options: AllocationOptions): Promise<number> {
  const mode = outputMode(ctx, options);
  const period = resolvePeriod(options);
  const answer = await ctx.client.trends.allocations.query({
    ...period,
    step: options.step ?? defaultStep(period),
    hostPort: options.port,
    protocol: options.protocol,
    cluster: options.cluster,
    selector: options.selector,
    workload: options.workload,
  });
  if (mode === "json") ctx.out(JSON.stringify(answer, null, 2));
  else if (mode === "csv")
    ctx.out(
      toCsv(
        ["t", "allocations", "pods", "nodes"],
        answer.points.map((p) => [p.t, p.allocations, p.pods, p.nodes]),
      ),
    );
  else {
    const points = answer.points.map((p) => ({ t: p.t, value: p.allocations }));
    ctx.out(renderSeriesText(allocationTitle(options), points, { width: options.width }));
    const last = answer.points.at(-1);
    if (last) ctx.out(`at the end: ${last.pods} pod(s) holding them, ${last.nodes} node(s) in scope`);
  }
  return 0;
}

interface HeadroomOptions extends OutputOptions {
  cluster: string;
  namespace?: string;
  kind?: string;
  name?: string;
}

const HEADROOM_COLUMNS = ["t", "exists", "headroom", "status", "replicas", "eligibleNodes", "freeNodes"];

type HeadroomPoint = Awaited<
  ReturnType<CliContext["client"]["trends"]["headroom"]["query"]>
>["points"][number];

const headroomCells = (p: HeadroomPoint) => [
  p.t,
  p.exists,
  p.headroom,
  p.status,
  p.replicas,
  p.eligibleNodes,
  p.freeNodes,
];

function headroomChart(ctx: CliContext, title: string, points: readonly HeadroomPoint[], width: number) {
  ctx.out(
    renderSeriesText(
      title,
      points.map((p) => ({ t: p.t, value: p.headroom })),
      { width },
    ),
  );
  const missing = points.filter((p) => !p.exists).length;
  if (missing > 0) ctx.out(`(blank: ${missing} point(s) where the workload did not exist)`);
}

/** One workload (namespace/kind/name), or every workload of the cluster a selector matches. */
async function headroom(
  ctx: CliContext,
  target: Workload | undefined,
  options: HeadroomOptions,
): Promise<number> {
  const mode = outputMode(ctx, options);
  const selecting =
    options.namespace !== undefined || options.name !== undefined || options.kind !== undefined;
  if (target && selecting) throw new UsageError("give a workload or --namespace/--kind/--name, not both");
  if (!target && options.namespace === undefined && options.name === undefined)
    throw new UsageError(
      "give a workload (namespace/kind/name) or --namespace and/or --name to select several",
    );
  const period = resolvePeriod(options);
  const range = { ...period, step: options.step ?? defaultStep(period), cluster: options.cluster };
  if (target) {
    const answer = await ctx.client.trends.headroom.query({ ...range, ...target });
    if (mode === "json") ctx.out(JSON.stringify(answer, null, 2));
    else if (mode === "csv") ctx.out(toCsv(HEADROOM_COLUMNS, answer.points.map(headroomCells)));
    else
      headroomChart(
        ctx,
        `headroom of ${workloadText(target)} in ${options.cluster}`,
        answer.points,
        options.width,
      );
    return 0;
  }
  const answer = await ctx.client.trends.headroomSeries.query({
    ...range,
    namespace: options.namespace,
    kind: options.kind,
    name: options.name,
  });
  if (mode === "json") ctx.out(JSON.stringify(answer, null, 2));
  else if (mode === "csv")
    ctx.out(
      toCsv(
        ["namespace", "kind", "name", ...HEADROOM_COLUMNS],
        answer.series.flatMap((s) => s.points.map((p) => [s.namespace, s.kind, s.name, ...headroomCells(p)])),
      ),
    );
  else {
    if (answer.series.length === 0) ctx.out(`no workload of ${options.cluster} matches`);
    for (const s of answer.series) {
      headroomChart(ctx, `headroom of ${workloadText(s)} in ${options.cluster}`, s.points, options.width);
      ctx.out("");
    }
  }
  if (answer.more > 0)
    ctx.err(
      `${answer.matched} workloads matched; showing the first ${answer.series.length} (by namespace, kind, name): narrow the selector for the other ${answer.more}`,
    );
  return 0;
}

/** The period, step and output flags both trends take. */
function periodOptions(command: Command): Command {
  return command
    .option(
      "--since <time>",
      "from that long ago (30d, 36h, 90m) or that instant until now (default 7d)",
      asOf,
    )
    .option("--from <time>", "start: RFC 3339 or a date (00:00 UTC)", instant)
    .option("--to <time>", "end (default now; needs --from)", instant)
    .option("--step <duration>", "between points: 15m, 1h, 1d (default: at most 240 points)", step)
    .option("--csv", "one row per point, for scripts")
    .option("--width <n>", "chart columns (10–200)", wholeNumber(10), 60);
}

export function registerTrends(program: Command, run: Run): void {
  const trends = program.command("trends").description("how allocations and headroom moved over time");
  periodOptions(
    trends
      .command("allocations")
      .description("host-port allocations over time: a chart, low/high/last and the biggest changes")
      .option("--port <port>", "one host port (default: all)", port)
      .option("--protocol <protocol>", "TCP, UDP or SCTP (default: any)", protocol)
      .addOption(new Option("--cluster <name>", "one cluster").argParser(once).conflicts("selector"))
      .option("--selector <k=v,…>", "clusters whose labels match", selector)
      .option("--workload <ns/kind/name>", "one workload's allocations", workload),
  ).action(run(allocations));
  periodOptions(
    trends
      .command("headroom")
      .description(
        "a workload's headroom over time (replicas that could still be added), or each workload a selector matches (≤ 20 charts)",
      )
      .argument("[workload]", "namespace/kind/name", workload)
      .requiredOption("--cluster <name>", "the workload's cluster", once)
      .option("--namespace <ns>", "every workload of this namespace (with --name: those it matches)", once)
      .option("--kind <kind>", "only workloads of this kind (Deployment, DaemonSet…)", once)
      .option("--name <glob>", "workloads whose name matches: router-* (* any run, ? one character)", once),
  ).action(run(headroom));
}
