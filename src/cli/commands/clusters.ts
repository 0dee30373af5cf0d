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
  flags: { label: string[] },
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
      const clusters = await ctx.client.clusters.list.query({});
      if (ctx.json) ctx.out(JSON.stringify(clusters, null, 2));
      else
        ctx.out(
          table(
            ["CLUSTER", "NODES", "PODS", "ALLOCATIONS", "LAST OBSERVED", "STALE", "LABELS"],
            clusters.map((c) => [
              c.name,
              c.nodes,
              c.pods,
              c.allocations,
              c.lastObservedAt ?? "never",
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
    default:
      throw new UsageError("usage: portolan clusters add|list|rotate|rm [NAME] [--label k=v]");
  }
}
