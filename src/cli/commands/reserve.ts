import { protocols } from "../../contract/snapshot.js";
import { type CliContext, UsageError } from "../context.js";
import { table } from "../table.js";

export interface ReserveFlags {
  cluster: string[];
  selector?: string | undefined;
  protocol?: string | undefined;
  owner?: string | undefined;
  purpose?: string | undefined;
  expires?: string | undefined;
}

/** "env=prod,region=eu" → {env: "prod", region: "eu"} */
export function parseSelector(text: string | undefined): Record<string, string> | undefined {
  if (!text) return undefined;
  return Object.fromEntries(
    text.split(",").map((pair) => {
      const [key, value, ...rest] = pair.split("=");
      if (!key || value === undefined || rest.length > 0)
        throw new UsageError(`selector "${pair}" must be key=value`);
      return [key.trim(), value.trim()];
    }),
  );
}

/** "8080-8082" or "8080" → [from, to] */
function parseRange(text: string | undefined): [number, number] {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text ?? "");
  if (!match?.[1]) throw new UsageError("the range is PORT or FROM-TO, e.g. 10080-10082");
  return [Number(match[1]), Number(match[2] ?? match[1])];
}

export async function reserveCommand(ctx: CliContext, args: string[], flags: ReserveFlags): Promise<number> {
  const [action, arg] = args;
  if (action === "create") {
    const [portFrom, portTo] = parseRange(arg);
    const protocol = protocols.find((p) => p === (flags.protocol ?? "TCP").toUpperCase());
    if (!protocol) throw new UsageError(`--protocol must be one of ${protocols.join(", ")}`);
    if (!flags.owner || !flags.purpose) throw new UsageError("reserve create needs --owner and --purpose");
    const created = await ctx.client.reservations.create.mutate({
      protocol,
      portFrom,
      portTo,
      clusters: flags.cluster.length ? flags.cluster : undefined,
      labelSelector: parseSelector(flags.selector),
      owner: flags.owner,
      purpose: flags.purpose,
      expiresAt: flags.expires,
    });
    ctx.out(
      ctx.json
        ? JSON.stringify(created, null, 2)
        : `reserved #${created.id}: ${created.protocol} ${created.portFrom}–${created.portTo}`,
    );
    return 0;
  }
  if (action === "list") {
    const list = await ctx.client.reservations.list.query({ cluster: flags.cluster[0] });
    if (ctx.json) ctx.out(JSON.stringify(list, null, 2));
    else
      ctx.out(
        table(
          ["ID", "PORTS", "SCOPE", "OWNER", "PURPOSE", "EXPIRES"],
          list.map((r) => [
            r.id,
            `${r.portFrom}${r.portTo !== r.portFrom ? `-${r.portTo}` : ""}/${r.protocol}`,
            r.clusters.length
              ? r.clusters.join(",")
              : r.labelSelector
                ? Object.entries(r.labelSelector)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(",")
                : "fleet",
            r.owner,
            r.purpose,
            r.expiresAt ?? "never",
          ]),
        ),
      );
    return 0;
  }
  if (action === "rm") {
    const id = Number(arg);
    if (!Number.isInteger(id) || id <= 0) throw new UsageError("usage: portolan reserve rm ID");
    await ctx.client.reservations.delete.mutate({ id });
    ctx.out(`deleted reservation #${id}`);
    return 0;
  }
  throw new UsageError(
    "usage: portolan reserve create FROM-TO --owner O --purpose P [--protocol] [--cluster C]... [--selector k=v] [--expires TIME] | list | rm ID",
  );
}
