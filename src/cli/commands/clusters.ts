import type { Command } from "commander";
import { table } from "../../render/text-table.js";
import type { Run } from "../command.js";
import { allPages, type CliContext } from "../context.js";
import { asOf, label } from "../flags.js";

async function add(ctx: CliContext, name: string, options: { label?: Record<string, string> }) {
  const result = await ctx.client.clusters.register.mutate({ name, labels: options.label ?? {} });
  ctx.out(
    ctx.json
      ? JSON.stringify(result, null, 2)
      : `registered ${result.name}\nagent token (shown once): ${result.token}`,
  );
  return 0;
}

async function list(ctx: CliContext) {
  // Page through the whole fleet: the server answers at most 1,000 clusters at a time.
  const clusters = await allPages(async (cursor) => {
    const page = await ctx.client.clusters.list.query({ limit: 1000, ...(cursor ? { cursor } : {}) });
    return { items: page.clusters, nextCursor: page.nextCursor };
  });
  if (ctx.json) ctx.out(JSON.stringify(clusters, null, 2));
  else if (clusters.length === 0) ctx.out("no clusters registered");
  else
    ctx.out(
      table(
        ["CLUSTER", "NODES", "PODS", "ALLOCATIONS", "LAST OBSERVED", "CLOCK SKEW", "STALE", "LABELS"],
        clusters.map((c) => [
          c.name,
          c.nodes,
          c.pods,
          c.allocations,
          c.lastObservedAt ?? "never",
          c.clockSkewSeconds === null ? "-" : `${c.clockSkewSeconds.toFixed(1)}s`,
          c.stale ? "yes" : "no",
          Object.entries(c.labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(","),
        ]),
      ),
    );
  return 0;
}

async function rotate(ctx: CliContext, name: string) {
  const result = await ctx.client.clusters.rotateToken.mutate({ name });
  ctx.out(
    ctx.json
      ? JSON.stringify(result, null, 2)
      : `new agent token for ${result.name} (shown once): ${result.token}`,
  );
  return 0;
}

async function remove(ctx: CliContext, name: string) {
  const result = await ctx.client.clusters.remove.mutate({ name });
  ctx.out(ctx.json ? JSON.stringify(result, null, 2) : `removed ${result.name} (history kept)`);
  return 0;
}

async function resetClock(ctx: CliContext, name: string, options: { asOf?: string }) {
  const result = await ctx.client.clusters.resetClock.mutate({
    name,
    ...(options.asOf ? { to: options.asOf } : {}),
  });
  const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
  ctx.out(
    ctx.json
      ? JSON.stringify(result, null, 2)
      : `rolled ${result.name} back to ${result.to}: ${sum(result.deleted)} version(s) deleted, ${sum(result.reopened)} reopened, ${result.snapshotsRemoved} log row(s) removed; last observed ${result.lastObservedAt ?? "never"}`,
  );
  return 0;
}

export function registerClusters(program: Command, run: Run): void {
  const clusters = program.command("clusters").description("register, list, rotate and remove clusters");
  clusters
    .command("add")
    .description("register a cluster; prints its agent token once")
    .argument("<name>")
    .option("--label <key=value>", "a label of the cluster (repeatable)", label)
    .action(run(add));
  clusters.command("list").description("clusters with counts, clock skew and staleness").action(run(list));
  clusters
    .command("rotate")
    .description("issue a new agent token (the old one stops working)")
    .argument("<name>")
    .action(run(rotate));
  clusters
    .command("rm")
    .description("remove a cluster (its history is kept)")
    .argument("<name>")
    .action(run(remove));
  clusters
    .command("reset-clock")
    .description("roll a cluster poisoned by a future observedAt back to a time")
    .argument("<name>")
    .option(
      "--as-of <time>",
      "the time to roll back to (default now): RFC 3339, a date or a time ago (7d)",
      asOf,
    )
    .action(run(resetClock));
}
