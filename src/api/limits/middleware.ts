/**
 * The limits of limiter.ts on the HTTP surface: batch size and rate per principal in front of /trpc
 * and /v1/snapshots (before any procedure runs), the concurrency gate inside tRPC (trpc.ts).
 */
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import type { Context, MiddlewareHandler } from "hono";
import { ServiceError, serverBusy } from "../../services/errors.js";
import { hashToken } from "../../services/tokens.js";
import { peerAddress } from "../client-scheme.js";
import type { AppEnv } from "../env.js";
import { httpError, toTrpcError } from "../errors.js";
import {
  ConcurrencyGate,
  type ConcurrencyRule,
  countTrpcCalls,
  type RateRule,
  TokenBuckets,
} from "./limiter.js";

export interface LimitSettings {
  /** calls one tRPC batch request may carry */
  maxBatchCalls: number;
  /** queries and admin calls, per token (or per client address without one) */
  reads: RateRule;
  /** snapshot pushes, per agent token */
  pushes: RateRule;
  expensive: ConcurrencyRule;
}

export interface RequestLimits {
  settings: LimitSettings;
  reads: TokenBuckets;
  pushes: TokenBuckets;
  expensive: ConcurrencyGate;
}

/** Built once per process (per isolate on Workers): the state must outlive a request. */
export function createRequestLimits(settings: LimitSettings, nowMs = () => Date.now()): RequestLimits {
  return {
    settings,
    reads: new TokenBuckets(settings.reads, nowMs),
    pushes: new TokenBuckets(settings.pushes, nowMs),
    expensive: new ConcurrencyGate(settings.expensive),
  };
}

const BUSY_RETRY_AFTER_SECONDS = 1;

export function busy(scope: "principal" | "server"): ServiceError {
  return scope === "principal"
    ? new ServiceError(
        "TOO_MANY_REQUESTS",
        "CONCURRENCY_LIMITED",
        "too many expensive calls of this token at once; retry after the others finish",
        undefined,
        { retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS },
      )
    : serverBusy("expensive calls", BUSY_RETRY_AFTER_SECONDS);
}

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

function refuse(c: Context<AppEnv>, error: ServiceError): Response {
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

function rateLimited(retryAfterSeconds: number, what: string): ServiceError {
  return new ServiceError(
    "TOO_MANY_REQUESTS",
    "RATE_LIMITED",
    `${what} rate limit reached; retry after ${retryAfterSeconds} s`,
    undefined,
    { retryAfterSeconds },
  );
}

/** /trpc/*: refuses oversized batches, then spends one token of the caller's budget per call. */
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
    const key = await principalKey(c);
    const admission = limits.reads.take(key, calls);
    if (!admission.ok) return refuse(c, rateLimited(admission.retryAfterSeconds, "query"));
    c.set("principalKey", key);
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
