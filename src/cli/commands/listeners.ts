import { readFile } from "node:fs/promises";
import { type Command, Option } from "commander";
import { diffMatrix, parseMatrixBaseline } from "../../domain/listener-matrix-diff.js";
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
  const baselineText = options.against === undefined ? undefined : await readFile(options.against, "utf8");
  const answer = await ctx.client.listeners.matrix.query({
    cluster: options.cluster,
    asOf: options.asOf,
    format: options.format,
  });
  if (baselineText === undefined) {
    ctx.out(ctx.json ? JSON.stringify(answer, null, 2) : answer.text.replace(/\n$/, ""));
    return 0;
  }
  const parsed = parseMatrixBaseline(baselineText);
  if (!parsed.ok) throw new InputError(`${options.against}: ${parsed.message}`);
  const diff = diffMatrix(answer.rows, parsed.baseline);
  if (ctx.json) {
    ctx.out(
      JSON.stringify(
        { cluster: answer.cluster, asOf: answer.asOf, truncated: answer.truncated, ...diff },
        null,
        2,
      ),
    );
  } else {
    ctx.out(`${answer.cluster} against ${options.against} (${parsed.baseline.source})`);
    for (const r of diff.added)
      ctx.out(`+ ${rowText(r)} ${r.processes.join(",")}${r.declared ? "" : " (undeclared)"}`);
    for (const r of diff.removed) ctx.out(`- ${rowText(r)}`);
    if (diff.newUndeclared.length > 0)
      ctx.out(`new undeclared listeners: ${diff.newUndeclared.map(rowText).join(", ")}`);
    if (answer.truncated)
      ctx.out("the matrix is truncated: the cluster has more listeners than one read holds");
  }
  return diff.newUndeclared.length > 0 || answer.truncated ? CHECK_FAILED : 0;
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
