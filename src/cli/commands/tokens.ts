import type { Command } from "commander";
import { table } from "../../render/text-table.js";
import type { Run } from "../command.js";
import { allPages, type CliContext } from "../context.js";

async function create(ctx: CliContext, name: string) {
  const result = await ctx.client.tokens.createRead.mutate({ name });
  ctx.out(
    ctx.json
      ? JSON.stringify(result, null, 2)
      : `read token ${result.name} (shown once): ${result.token}\nuse it with --token or PORTOLAN_TOKEN, or in the dashboard's sign-in form`,
  );
  return 0;
}

async function list(ctx: CliContext) {
  const tokens = await allPages(async (cursor) => {
    const page = await ctx.client.tokens.list.query({ limit: 1000, ...(cursor ? { cursor } : {}) });
    return { items: page.tokens, nextCursor: page.nextCursor };
  });
  if (ctx.json) ctx.out(JSON.stringify(tokens, null, 2));
  else if (tokens.length === 0) ctx.out("no read tokens (create one: portolan tokens create <name>)");
  else
    ctx.out(
      table(
        ["NAME", "CREATED", "REVOKED"],
        tokens.map((t) => [t.name, t.createdAt, t.revokedAt ?? "-"]),
      ),
    );
  return 0;
}

async function revoke(ctx: CliContext, name: string) {
  const result = await ctx.client.tokens.revoke.mutate({ name });
  ctx.out(ctx.json ? JSON.stringify(result, null, 2) : `revoked read token ${result.name}`);
  return 0;
}

export function registerTokens(program: Command, run: Run): void {
  const tokens = program
    .command("tokens")
    .description("read tokens for dashboards and scripts (needs the admin token)");
  tokens
    .command("create")
    .description("create a read token; prints it once")
    .argument("<name>", "what the token is for (dashboard, grafana, ci …)")
    .action(run(create));
  tokens.command("list").description("read tokens, with when each was created and revoked").action(run(list));
  tokens
    .command("revoke")
    .description("revoke a read token (it stops working at once)")
    .argument("<name>")
    .action(run(revoke));
}
