import { type CliContext, UsageError } from "../context.js";
import { table } from "../table.js";

function parseLabels(pairs: string[]): Record<string, string> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf("=");
      if (at <= 0) throw new UsageError(`label "${pair}" must be key=value`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

export async function clustersCommand(
  ctx: CliContext,
  args: string[],
  flags: { label: string[]; asOf?: string | undefined },
): Promise<number> {
  const [action, name] = args;
  const needName = () => {
    if (!name) throw new UsageError(`usage: portolan clusters ${action} NAME`);
    return name;
  };
  switch (action) {
    case "add": {
      const result = await ctx.client.clusters.register.mutate({
        name: needName(),
        labels: parseLabels(flags.label),
      });
      ctx.out(
        ctx.json
          ? JSON.stringify(result, null, 2)
          : `registered ${result.name}\nagent token (shown once): ${result.token}`,
      );
      return 0;
    }
    case "list": {
      // Page through the whole fleet: the server answers at most 1,000 clusters at a time.
      const clusters = [];
      let cursor: string | undefined;
      do {
        const page = await ctx.client.clusters.list.query({ limit: 1000, ...(cursor ? { cursor } : {}) });
        clusters.push(...page.clusters);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      if (ctx.json) ctx.out(JSON.stringify(clusters, null, 2));
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
    case "rotate": {
      const result = await ctx.client.clusters.rotateToken.mutate({ name: needName() });
      ctx.out(
        ctx.json
          ? JSON.stringify(result, null, 2)
          : `new agent token for ${result.name} (shown once): ${result.token}`,
      );
      return 0;
    }
    case "rm": {
      const result = await ctx.client.clusters.remove.mutate({ name: needName() });
      ctx.out(ctx.json ? JSON.stringify(result, null, 2) : `removed ${result.name} (history kept)`);
      return 0;
    }
    case "reset-clock": {
      const result = await ctx.client.clusters.resetClock.mutate({
        name: needName(),
        ...(flags.asOf ? { to: flags.asOf } : {}),
      });
      const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
      ctx.out(
        ctx.json
          ? JSON.stringify(result, null, 2)
          : `rolled ${result.name} back to ${result.to}: ${sum(result.deleted)} version(s) deleted, ${sum(result.reopened)} reopened, ${result.snapshotsRemoved} log row(s) removed; last observed ${result.lastObservedAt ?? "never"}`,
      );
      return 0;
    }
    default:
      throw new UsageError(
        "usage: portolan clusters add|list|rotate|rm|reset-clock [NAME] [--label k=v] [--as-of TIME]",
      );
  }
}
