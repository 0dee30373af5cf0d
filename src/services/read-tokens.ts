import { and, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { storableText } from "../contract/snapshot.js";
import { readTokens } from "../db/schema/index.js";
import type { ServiceContext } from "./context.js";
import { notFound, ServiceError } from "./errors.js";
import { hashToken, newToken } from "./tokens.js";

export const readTokenByNameInput = z.object({ name: storableText(100).min(1) });
/** tokens.list takes nothing; `{}` and no input both do. */
export const listReadTokensInput = z.object({}).optional();

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

export async function listReadTokens(ctx: ServiceContext) {
  const rows = await ctx.db
    .select({ name: readTokens.name, createdAt: readTokens.createdAt, revokedAt: readTokens.revokedAt })
    .from(readTokens)
    .orderBy(readTokens.name);
  return rows.map((r) => ({
    name: r.name,
    createdAt: r.createdAt.toISOString(),
    revokedAt: r.revokedAt?.toISOString() ?? null,
  }));
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
