import { type Command, Option } from "commander";
import type { Run } from "../command.js";
import type { CliContext } from "../context.js";
import { AS_OF_HELP, asOf, once } from "../flags.js";

type Format = "markdown" | "csv" | "json";

/**
 * The fleet's document comes a page of clusters at a time; Markdown and CSV pages concatenate, JSON
 * pages are merged into one `{clusters}`.
 */
async function report(ctx: CliContext, options: { format: Format; cluster?: string; asOf?: string }) {
  const pages: string[] = [];
  let cursor: string | undefined;
  do {
    const answer = await ctx.client.reports.portMap.query({ ...options, cursor });
    pages.push(answer.content);
    cursor = answer.nextCursor ?? undefined;
  } while (cursor !== undefined);
  const content =
    options.format === "json"
      ? JSON.stringify(
          { clusters: pages.flatMap((page) => (JSON.parse(page) as { clusters: unknown[] }).clusters) },
          null,
          2,
        )
      : pages.join("");
  ctx.out(content.trimEnd());
  return 0;
}

export function registerReport(program: Command, run: Run): void {
  program
    .command("report")
    .description("the port allocation document")
    .option("--cluster <name>", "one cluster (default: the whole fleet)", once)
    .addOption(
      new Option("--format <format>", "document format")
        .choices(["markdown", "csv", "json"])
        .default("markdown"),
    )
    .option("--as-of <time>", AS_OF_HELP, asOf)
    .action(run(report));
}
