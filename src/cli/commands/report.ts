import { type CliContext, UsageError } from "../context.js";

const formats = ["markdown", "csv", "json"] as const;

export async function reportCommand(
  ctx: CliContext,
  flags: { format?: string | undefined; cluster: string[]; asOf?: string | undefined },
) {
  const format = formats.find((f) => f === (flags.format ?? "markdown"));
  if (!format) throw new UsageError(`--format must be one of ${formats.join(", ")}`);
  if (flags.cluster.length > 1)
    throw new UsageError("report takes one --cluster (or none for the whole fleet)");
  const answer = await ctx.client.reports.portMap.query({
    format,
    cluster: flags.cluster[0],
    asOf: flags.asOf,
  });
  ctx.out(answer.content.trimEnd());
  return 0;
}
