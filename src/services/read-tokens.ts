import { and, eq, gt, isNull } from "drizzle-orm";
import * as z from "zod";
import { storableText } from "../contract/snapshot.js";
import { readTokens } from "../db/schema/index.js";
import { pageByName } from "./cluster-selection.js";
import type { ServiceContext } from "./context.js";
import { notFound, ServiceError } from "./errors.js";
import { hashToken, newToken } from "./tokens.js";

export const readTokenByNameInput = z.object({ name: storableText(100).min(1) });
/** tokens.list pages by name like clusters.list; `{}` and no input both give the first 200. */
export const listReadTokensInput = z
  .object({
    limit: z.number().int().min(1).max(1000).default(200),
    /** the last name of the previous page */
    cursor: storableText(100).min(1).optional(),
  })
  .default({ limit: 200 });

/** Read tokens let dashboards and scripts query without the admin token. */
export async function createReadToken(
  ctx: ServiceContext,
  name: string,
): Promise<{ name: string; token: string }> {
  const token = newToken("read");
  const inserted = await ctx.db
    .insert(readTokens)
    .values({ name, tokenHash: await hashToken(token) })
    .onConflictDoNothing()
    .returning({ id: readTokens.id });
  if (inserted.length === 0)
    throw new ServiceError("CONFLICT", "TOKEN_EXISTS", `a read token named "${name}" exists`);
  return { name, token };
}

/** One page of read tokens by name (revoked ones too, with when), and the cursor to the rest. */
export async function listReadTokens(ctx: ServiceContext, input: z.output<typeof listReadTokensInput>) {
  const rows = await ctx.db
    .select({ name: readTokens.name, createdAt: readTokens.createdAt, revokedAt: readTokens.revokedAt })
    .from(readTokens)
    .where(input.cursor === undefined ? undefined : gt(readTokens.name, input.cursor))
    .orderBy(readTokens.name)
    .limit(input.limit + 1);
  const { page, nextCursor } = pageByName(rows, input.limit);
  return {
    tokens: page.map((r) => ({
      name: r.name,
      createdAt: r.createdAt.toISOString(),
      revokedAt: r.revokedAt?.toISOString() ?? null,
    })),
    nextCursor,
  };
}

export async function revokeReadToken(ctx: ServiceContext, name: string): Promise<{ name: string }> {
  const updated = await ctx.db
    .update(readTokens)
    .set({ revokedAt: ctx.now() })
    .where(and(eq(readTokens.name, name), isNull(readTokens.revokedAt)))
    .returning({ id: readTokens.id });
  if (updated.length === 0) throw notFound(`active read token "${name}"`);
  return { name };
}
