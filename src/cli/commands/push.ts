import { readFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import type { Command } from "commander";
import type { Run } from "../command.js";
import { type CliContext, UsageError } from "../context.js";

/** Sends a snapshot file as an agent would (gzip), with the cluster's agent token. */
async function push(ctx: CliContext, file: string): Promise<number> {
  if (!ctx.token) throw new UsageError("push needs the cluster's agent token: --token or PORTOLAN_TOKEN");
  const body = file === "-" ? await readStdin() : await readFile(file);
  const res = await ctx.fetch(`${ctx.url.replace(/\/$/, "")}/v1/snapshots`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "content-encoding": "gzip",
      authorization: `Bearer ${ctx.token}`,
    },
    body: gzipSync(body),
  });
  const answer = (await res.json()) as {
    changed?: boolean;
    opened?: number;
    closed?: number;
    error?: { code: string; message: string; issues?: { path: string; message: string }[] };
  };
  if (ctx.json) ctx.out(JSON.stringify(answer, null, 2));
  if (!res.ok) {
    if (!ctx.json) {
      const issues = (answer.error?.issues ?? []).map((i) => `\n  ${i.path}: ${i.message}`).join("");
      ctx.out(`refused (${res.status} ${answer.error?.code}): ${answer.error?.message}${issues}`);
    }
    return 1;
  }
  if (!ctx.json)
    ctx.out(
      answer.changed
        ? `accepted: ${answer.opened} intervals opened, ${answer.closed} closed`
        : "accepted: nothing changed",
    );
  return 0;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function registerPush(program: Command, run: Run): void {
  program
    .command("push")
    .description("send a snapshot JSON with the cluster's agent token (--token), gzipped like the agent")
    .argument("<file>", "the snapshot file, or - for standard input")
    .action(run(push));
}
