import { Argument, type Command, Option } from "commander";
import type { Run } from "../command.js";
import { type CliContext, UsageError } from "../context.js";
import { AS_OF_HELP, asOf, instant, once, selector, wholeNumber } from "../flags.js";
import { type PeriodOptions, resolvePeriod } from "../period.js";

type Document = "port-map" | "trends";
type Format = "markdown" | "csv" | "json" | "html";

interface ReportOptions extends PeriodOptions {
  format: Format;
  cluster?: string;
  asOf?: string;
  selector?: Record<string, string>;
  top?: number;
}

/**
 * The fleet's document comes a page of clusters at a time; Markdown and CSV pages concatenate, JSON
 * pages are merged into one `{clusters}`.
 */
async function portMap(
  ctx: CliContext,
  options: { format: Exclude<Format, "html">; cluster?: string; asOf?: string },
) {
  const pages: string[] = [];
  let cursor: string | undefined;
  do {
    const answer = await ctx.client.reports.portMap.query({ ...options, cursor });
    pages.push(answer.content);
    cursor = answer.nextCursor ?? undefined;
  } while (cursor !== undefined);
  const content =
    options.format === "json" ? JSON.stringify({ clusters: mergeJsonPages(pages) }, null, 2) : pages.join("");
  ctx.out(content.trimEnd());
  return 0;
}

interface JsonCluster {
  continued?: boolean;
  ports: unknown[];
}

/** A cluster whose map goes on over pages comes once, its rows in page order. */
function mergeJsonPages(pages: readonly string[]): JsonCluster[] {
  const clusters: JsonCluster[] = [];
  for (const page of pages) {
    for (const cluster of (JSON.parse(page) as { clusters: JsonCluster[] }).clusters) {
      const previous = clusters[clusters.length - 1];
      if (cluster.continued && previous) previous.ports.push(...cluster.ports);
      else clusters.push(cluster);
    }
  }
  return clusters;
}

/** The period report, one document (its lists are bounded by --top on the server). */
async function trends(ctx: CliContext, options: ReportOptions) {
  if (options.format !== "markdown" && options.format !== "html")
    throw new UsageError("the trends report is --format markdown or html (--json for its data)");
  if (options.asOf !== undefined)
    throw new UsageError("the trends report covers a period: --since or --from/--to");
  if (options.top !== undefined && options.top > MAX_TOP) throw new UsageError(`--top is 1–${MAX_TOP}`);
  const answer = await ctx.client.reports.trends.query({
    ...resolvePeriod(options),
    format: options.format,
    cluster: options.cluster,
    selector: options.selector,
    top: options.top,
  });
  ctx.out(ctx.json ? JSON.stringify(answer.report, null, 2) : answer.content.trimEnd());
  return 0;
}

/** The server's bound on rows per list (reports.trends `top`). */
const MAX_TOP = 50;

const TRENDS_ONLY = ["since", "from", "to", "selector", "top"] as const;

async function report(ctx: CliContext, document: Document, options: ReportOptions) {
  if (document === "trends") return trends(ctx, options);
  const given = TRENDS_ONLY.filter((flag) => options[flag] !== undefined);
  if (given.length > 0) throw new UsageError(`--${given[0]} is for the trends report (report trends)`);
  if (options.format === "html") throw new UsageError("html is for the trends report (report trends)");
  return portMap(ctx, { ...options, format: options.format });
}

export function registerReport(program: Command, run: Run): void {
  program
    .command("report")
    .description("a document: the port allocation map (default), or the trends of a period")
    .addArgument(
      new Argument("[document]", "port-map: who holds which port; trends: what changed in a period")
        .choices(["port-map", "trends"])
        .default("port-map"),
    )
    .option("--cluster <name>", "one cluster (default: the whole fleet)", once)
    .addOption(
      new Option("--format <format>", "markdown, csv or json (port-map); markdown or html (trends)")
        .choices(["markdown", "csv", "json", "html"])
        .default("markdown"),
    )
    .option("--as-of <time>", `port-map: ${AS_OF_HELP}`, asOf)
    .option("--since <time>", "trends: from that long ago (30d) or that instant (default 7d)", asOf)
    .option("--from <time>", "trends: start, RFC 3339 or a date", instant)
    .option("--to <time>", "trends: end (default now; needs --from)", instant)
    .option("--selector <k=v,…>", "trends: clusters whose labels match", selector)
    .option("--top <n>", "trends: rows per list (1–50, default 10)", wholeNumber(1))
    .action(run(report));
}
