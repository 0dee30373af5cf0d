/**
 * The limits of limiter.ts on the HTTP surface: batch size in front of /trpc, the agents' push budget
 * in front of /v1/snapshots. Every procedure call, whatever its path, passes gates.ts (trpc.ts).
 */
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import type { Context, MiddlewareHandler } from "hono";
import { ServiceError } from "../../services/errors.js";
import { hashToken } from "../../services/tokens.js";
import { peerAddress } from "../client-scheme.js";
import type { AppEnv } from "../env.js";
import { httpError, toTrpcError } from "../errors.js";
import { CallGates, rateLimited } from "./gates.js";
import { countTrpcCalls } from "./limiter.js";
import type { RequestLimits } from "./request-limits.js";

/**
 * Whose budget a request spends: the token's hash (never the token itself, kept in memory), or the
 * client address for calls without one (development mode, anonymous refusals).
 */
export async function principalKey(c: Context<AppEnv>): Promise<string> {
  const authorization = c.req.header("authorization");
  if (authorization) {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] ?? authorization;
    return `token:${await hashToken(token)}`;
  }
  return `address:${clientAddress(c)}`;
}

/** The socket's peer on Node; Cloudflare sets cf-connecting-ip itself. */
function clientAddress(c: Context<AppEnv>): string {
  return peerAddress(c) ?? c.req.header("cf-connecting-ip") ?? "unknown";
}

/** A refusal before any handler ran: in tRPC's error shape on /trpc, the REST one elsewhere. */
export function refuse(c: Context<AppEnv>, error: ServiceError): Response {
  const { status, body, headers } = httpError(error, c.var.requestId);
  if (!c.req.path.startsWith("/trpc/")) return c.json(body, status, headers);
  // tRPC clients read only tRPC's error shape, so /trpc refusals speak it (reason as the formatter does).
  const trpcCode = toTrpcError(error).code;
  return c.json(
    {
      error: {
        message: error.message,
        code: TRPC_ERROR_CODES_BY_KEY[trpcCode],
        data: { code: trpcCode, httpStatus: status, reason: error.code, requestId: c.var.requestId },
      },
    },
    status,
    headers,
  );
}

/**
 * The gates of one /trpc request (made once, here or by createContext, whichever comes first): the
 * request costs one rate token per call it carries, and each expensive call takes its own slot.
 */
export function trpcGates(c: Context<AppEnv>): CallGates {
  let gates = c.var.gates;
  if (!gates) {
    const path = new URL(c.req.url).pathname.replace(/^\/trpc\/?/, "");
    const calls = countTrpcCalls(path, c.req.query("batch") === "1");
    gates = new CallGates(c.var.deps.limits, () => principalKey(c), { calls, shareSlot: false });
    c.set("gates", gates);
  }
  return gates;
}

/** A REST read (GET /metrics): one call of the caller's budget, a slot of its own if expensive. */
export function restGates(c: Context<AppEnv>): CallGates {
  return new CallGates(c.var.deps.limits, () => principalKey(c), { calls: 1, shareSlot: false });
}

/**
 * /trpc/*: refuses oversized batches (a batch is HTTP's, not a procedure's), then settles the request's
 * price before any of its calls runs, so a batch over the budget is refused whole.
 */
export function limitTrpc(limits: RequestLimits): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const path = new URL(c.req.url).pathname.replace(/^\/trpc\/?/, "");
    const calls = countTrpcCalls(path, c.req.query("batch") === "1");
    const max = limits.settings.maxBatchCalls;
    if (calls > max)
      return refuse(
        c,
        new ServiceError(
          "BAD_REQUEST",
          "BATCH_TOO_LARGE",
          `a batch may carry at most ${max} calls; this one has ${calls}`,
        ),
      );
    const refusal = await trpcGates(c).settle();
    if (refusal) return refuse(c, refusal);
    await next();
  };
}

/** POST /v1/snapshots: the agent's own, more generous budget. */
export function limitPushes(limits: RequestLimits): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const admission = limits.pushes.take(await principalKey(c));
    if (!admission.ok) return refuse(c, rateLimited(admission.retryAfterSeconds, "push"));
    await next();
  };
}
