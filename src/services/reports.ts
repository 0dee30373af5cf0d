import { type ReportFormat, renderPortReport } from "../domain/port-report.js";
import type { ServiceContext } from "./context.js";
import { portMap } from "./ports.js";
import { selectClusters } from "./read-model.js";

const contentTypes: Record<ReportFormat, string> = {
  markdown: "text/markdown; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  json: "application/json",
};

/** The port allocation document for one cluster or the whole fleet. */
export async function portMapReport(
  ctx: ServiceContext,
  input: { cluster?: string | undefined; format: ReportFormat; asOf?: Date | undefined },
) {
  const selected = await selectClusters(ctx.db, {
    clusters: input.cluster ? [input.cluster] : undefined,
    asOf: input.asOf,
  });
  const maps = [];
  for (const cluster of selected) maps.push(await portMap(ctx, { cluster: cluster.name, asOf: input.asOf }));
  return {
    format: input.format,
    contentType: contentTypes[input.format],
    content: renderPortReport(maps, input.format),
  };
}
