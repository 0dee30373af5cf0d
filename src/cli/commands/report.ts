import { type Command, Option } from "commander";
import type { Run } from "../command.js";
import type { CliContext } from "../context.js";
import { AS_OF_HELP, asOf, once } from "../flags.js";

type Format = "markdown" | "csv" | "json";

async function report(ctx: CliContext, options: { format: Format; cluster?: string; asOf?: string }) {
  const answer = await ctx.client.reports.portMap.query(options);
  ctx.out(answer.content.trimEnd());
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
