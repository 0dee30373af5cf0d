import type { Command } from "commander";
import type { Protocol } from "../../contract/schema.js";
import { table } from "../../render/text-table.js";
import type { Run } from "../command.js";
import type { CliContext } from "../context.js";
import { collect, instant, portRange, protocol, selector, wholeNumber } from "../flags.js";

interface CreateOptions {
  owner: string;
  purpose: string;
  protocol: Protocol;
  cluster?: string[];
  selector?: Record<string, string>;
  expires?: string;
}

async function create(ctx: CliContext, [portFrom, portTo]: [number, number], options: CreateOptions) {
  const created = await ctx.client.reservations.create.mutate({
    protocol: options.protocol,
    portFrom,
    portTo,
    clusters: options.cluster,
    labelSelector: options.selector,
    owner: options.owner,
    purpose: options.purpose,
    expiresAt: options.expires,
  });
  ctx.out(
    ctx.json
      ? JSON.stringify(created, null, 2)
      : `reserved #${created.id}: ${created.protocol} ${created.portFrom}–${created.portTo}`,
  );
  return 0;
}

async function list(ctx: CliContext, options: { cluster?: string }) {
  const reservations = await ctx.client.reservations.list.query({ cluster: options.cluster });
  if (ctx.json) ctx.out(JSON.stringify(reservations, null, 2));
  else if (reservations.length === 0)
    ctx.out(options.cluster ? `no reservations apply to ${options.cluster}` : "no reservations");
  else
    ctx.out(
      table(
        ["ID", "PORTS", "SCOPE", "OWNER", "PURPOSE", "EXPIRES"],
        reservations.map((r) => [
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

async function remove(ctx: CliContext, id: number) {
  await ctx.client.reservations.delete.mutate({ id });
  ctx.out(`deleted reservation #${id}`);
  return 0;
}

export function registerReserve(program: Command, run: Run): void {
  const reserve = program.command("reserve").description("reserve port ranges so planning keeps them free");
  reserve
    .command("create")
    .description("reserve a port or a range")
    .argument("<range>", "PORT or FROM-TO, e.g. 10080-10082", portRange)
    .requiredOption("--owner <owner>", "who holds the reservation")
    .requiredOption("--purpose <purpose>", "what it is for")
    .option("--protocol <protocol>", "TCP, UDP or SCTP", protocol, "TCP")
    .option("--cluster <name>", "only on this cluster (repeatable; default: the fleet)", collect)
    .option("--selector <k=v,…>", "only on clusters with these labels", selector)
    .option("--expires <time>", "when it lapses: RFC 3339 or a date (00:00 UTC)", instant)
    .action(run(create));
  reserve
    .command("list")
    .description("reservations, all or those that apply to one cluster")
    .option("--cluster <name>", "only those that apply to this cluster")
    .action(run(list));
  reserve
    .command("rm")
    .description("delete a reservation")
    .argument("<id>", "the reservation's number", wholeNumber(1))
    .action(run(remove));
}
