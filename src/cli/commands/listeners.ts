import { readFile } from "node:fs/promises";
import { type Command, Option } from "commander";
import { CHECK_FAILED, type Run } from "../command.js";
import { type CliContext, InputError } from "../context.js";
import { AS_OF_HELP, asOf } from "../flags.js";

interface MatrixOptions {
  cluster: string;
  format: "md" | "csv" | "json";
  asOf?: string;
  against?: string;
}

const rowText = (r: { nodeRole: string; protocol: string; port: number }) =>
  `${r.nodeRole || "(none)"} ${r.port}/${r.protocol}`;

/**
 * Prints the matrix; with --against, the difference from a baseline instead, and exits 3 when a
 * listener nobody declares is new (not in the baseline, or declared there).
 */
async function matrix(ctx: CliContext, options: MatrixOptions): Promise<number> {
  if (options.against === undefined) {
    const answer = await ctx.client.listeners.matrix.query({
      cluster: options.cluster,
      asOf: options.asOf,
      format: options.format,
    });
    ctx.out(ctx.json ? JSON.stringify(answer, null, 2) : answer.text.replace(/\n$/, ""));
    return 0;
  }
  let baseline: string;
  try {
    baseline = await readFile(options.against, "utf8");
  } catch (error) {
    throw new InputError(`cannot read ${options.against}: ${(error as Error).message}`);
  }
  const diff = await ctx.client.listeners.diff.mutate({
    cluster: options.cluster,
    asOf: options.asOf,
    baseline,
  });
  if (ctx.json) {
    ctx.out(JSON.stringify(diff, null, 2));
  } else {
    ctx.out(`${diff.cluster} against ${options.against} (${diff.baseline})`);
    for (const r of diff.added)
      ctx.out(`+ ${rowText(r)} ${r.processes.join(",")}${r.declared ? "" : " (undeclared)"}`);
    for (const r of diff.removed) ctx.out(`- ${rowText(r)}`);
    if (diff.newUndeclared.length > 0)
      ctx.out(`new undeclared listeners: ${diff.newUndeclared.map(rowText).join(", ")}`);
    if (diff.truncated)
      ctx.out("the matrix is truncated: the cluster has more listeners than one read holds");
  }
  return diff.newUndeclared.length > 0 || diff.truncated ? CHECK_FAILED : 0;
}

export function registerListeners(program: Command, run: Run): void {
  const listeners = program.command("listeners").description("what nodes were observed listening on");
  listeners
    .command("matrix")
    .description("the cluster's node listener matrix (commatrix's CSV with --format csv)")
    .requiredOption("--cluster <name>", "the cluster")
    .addOption(
      new Option("--format <format>", "md, csv or json").choices(["md", "csv", "json"]).default("md"),
    )
    .option("--as-of <time>", AS_OF_HELP, asOf)
    .option(
      "--against <file>",
      "diff with a baseline (commatrix CSV or a JSON export); exit 3 on a new undeclared listener",
    )
    .action(run(matrix));
}
