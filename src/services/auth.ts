import { type SQL, sql } from "drizzle-orm";
import { rawRows } from "../db/raw.js";
import type { Db } from "../db/types.js";
import type { ServiceContext } from "./context.js";
import { OUTAGE_RETRY_AFTER_SECONDS, ServiceError } from "./errors.js";
import { hashToken, sameHash } from "./tokens.js";

export type Principal =
  | { kind: "admin"; open: boolean }
  | { kind: "reader"; name: string }
  | { kind: "agent"; clusterId: number; cluster: string; tokenHash: string }
  | { kind: "anonymous" };

export interface AuthConfig {
  adminToken: string | undefined;
  /** development mode: no admin token and bound to loopback, so reads and admin calls are open */
  openAccess: boolean;
}

/** The admin token's hash, computed once per token: every request then costs one digest, not three. */
const adminHashes = new Map<string, Promise<string>>();
function adminHash(adminToken: string): Promise<string> {
  let hash = adminHashes.get(adminToken);
  if (!hash) {
    hash = hashToken(adminToken);
    adminHashes.set(adminToken, hash);
  }
  return hash;
}

/**
 * Agent principals by token hash, per database handle, for a minute: every push would otherwise
 * begin with a lookup of its own (a round trip and a socket write). Safe because an agent token
 * only pushes, and the push re-checks the token hash on the locked cluster row (ingest.ts), so a
 * rotated token or a removed cluster is refused at once all the same.
 */
const knownAgents = new WeakMap<Db, Map<string, { clusterId: number; cluster: string; until: number }>>();
const AGENT_CACHE_MS = 60_000;
/** bounds the cache's memory: one short entry per cluster, cleared whole when full */
const AGENT_CACHE_MAX = 100_000;

function agentCache(db: Db) {
  let cache = knownAgents.get(db);
  if (!cache) {
    cache = new Map();
    knownAgents.set(db, cache);
  }
  return cache;
}

/**
 * Who is calling, from the Authorization header. A token that is present but unknown is always 401;
 * a lookup that fails is always 503 (lookupToken).
 */
export async function resolvePrincipal(
  ctx: ServiceContext,
  auth: AuthConfig,
  authorization: string | undefined,
): Promise<Principal> {
  if (!authorization) return auth.openAccess ? { kind: "admin", open: true } : { kind: "anonymous" };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  const token = match?.[1];
  if (!token)
    throw new ServiceError("UNAUTHORIZED", "UNAUTHORIZED", "Authorization must be 'Bearer <token>'");
  const hash = await hashToken(token);
  if (auth.adminToken && sameHash(hash, await adminHash(auth.adminToken)))
    return { kind: "admin", open: false };
  // Read tokens say what they are (tokens.ts): a query with one costs one lookup, not two. Raw SQL:
  // every request runs this, and the query builder cost as much as the lookup's round trip.
  const now = ctx.now().getTime();
  const cache = agentCache(ctx.db);
  const known = cache.get(hash);
  if (known && known.until > now) {
    return { kind: "agent", clusterId: known.clusterId, cluster: known.cluster, tokenHash: hash };
  }
  const agent = token.startsWith("ptl_read_")
    ? undefined
    : await lookupToken(
        ctx.db,
        sql`SELECT id, name FROM clusters WHERE token_hash = ${hash} AND removed_at IS NULL`,
        (row): row is { id: number; name: string } =>
          typeof row.id === "number" && typeof row.name === "string",
      );
  if (agent) {
    if (cache.size >= AGENT_CACHE_MAX) cache.clear();
    cache.set(hash, { clusterId: agent.id, cluster: agent.name, until: now + AGENT_CACHE_MS });
    return { kind: "agent", clusterId: agent.id, cluster: agent.name, tokenHash: hash };
  }
  const reader = await lookupToken(
    ctx.db,
    sql`SELECT name FROM read_tokens WHERE token_hash = ${hash} AND revoked_at IS NULL`,
    (row): row is { name: string } => typeof row.name === "string",
  );
  if (reader) return { kind: "reader", name: reader.name };
  throw new ServiceError("UNAUTHORIZED", "UNAUTHORIZED", "unknown or revoked token");
}

/**
 * The row a token's hash names, or undefined only when the database answered that there is none.
 * Any other outcome (an error of any kind, rows that are not what the query selects, more than
 * one) is 503 DATABASE_UNAVAILABLE: a 401 tells a client its token is wrong, and an agent or a
 * dashboard that believes it stops using a token that is fine.
 */
async function lookupToken<T>(
  db: Db,
  query: SQL,
  isRow: (row: Record<string, unknown>) => row is Record<string, unknown> & T,
): Promise<T | undefined> {
  let rows: unknown[];
  try {
    // Kept a parameter, never inlined (inline-sql.ts): a token's hash stays out of statement text,
    // which PostgreSQL may log and shows in pg_stat_activity.
    rows = await rawRows<unknown>(db, query);
  } catch (error) {
    throw tokenLookupFailed(error);
  }
  if (rows.length === 0) return undefined;
  const [row] = rows;
  if (rows.length > 1 || !row || typeof row !== "object" || !isRow(row as Record<string, unknown>))
    throw tokenLookupFailed(new Error(`the token lookup answered ${rows.length} unexpected rows`));
  return row as T;
}

const tokenLookupFailed = (cause: unknown) =>
  new ServiceError(
    "UNAVAILABLE",
    "DATABASE_UNAVAILABLE",
    `the token could not be checked: the database is unavailable; retry in ${OUTAGE_RETRY_AFTER_SECONDS} s`,
    undefined,
    // Kept for the log line (describeFailure), never sent to the client.
    { cause },
  );

const missing = (what: string) =>
  new ServiceError("UNAUTHORIZED", "UNAUTHORIZED", `${what}: send 'Authorization: Bearer <token>'`);

export function requireReader(principal: Principal): void {
  if (principal.kind === "admin" || principal.kind === "reader") return;
  if (principal.kind === "anonymous") throw missing("queries need a read or admin token");
  throw new ServiceError("FORBIDDEN", "FORBIDDEN", "an agent token may only push snapshots");
}

export function requireAdmin(principal: Principal): void {
  if (principal.kind === "admin") return;
  if (principal.kind === "anonymous") throw missing("this call needs the admin token");
  throw new ServiceError("FORBIDDEN", "FORBIDDEN", "this call needs the admin token");
}

export function requireAgent(principal: Principal): {
  clusterId: number;
  cluster: string;
  tokenHash: string;
} {
  if (principal.kind === "agent") return principal;
  if (principal.kind === "anonymous" || (principal.kind === "admin" && principal.open)) {
    throw missing("pushing a snapshot needs the cluster's agent token");
  }
  throw new ServiceError("FORBIDDEN", "FORBIDDEN", "pushing a snapshot needs the cluster's agent token");
}
