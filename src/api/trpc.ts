/**
 * tRPC setup: context → init (error formatter) → procedures by who may call them.
 * No transformer, so every procedure is plain JSON over HTTP for curl and other languages.
 */
import { initTRPC } from "@trpc/server";
import * as z from "zod";
import { type AuthConfig, type Principal, requireAdmin, requireReader } from "../services/auth.js";
import type { ServiceContext } from "../services/context.js";
import { ServiceError, toServiceError } from "../services/errors.js";
import { INTERNAL_MESSAGE, toTrpcError } from "./errors.js";
import type { CallGates } from "./limits/gates.js";
import { EXPENSIVE_PROCEDURES } from "./limits/limiter.js";

export interface TrpcContext {
  services: ServiceContext;
  auth: AuthConfig;
  /**
   * Who is calling, resolved once per HTTP request: a batch's calls share one token check and
   * lookup. A refusal (unknown token) surfaces on each call.
   */
  caller: () => Promise<Principal>;
  /**
   * The request's rate budget and concurrency slots (limits/gates.ts). Required: every path that
   * calls a procedure (/trpc, a dashboard page, a REST route) says what its request costs.
   */
  gates: CallGates;
  /** the X-Request-Id of this HTTP request, in every error answer and log line */
  requestId: string;
}

const t = initTRPC.context<TrpcContext>().create({
  // Stack traces stay in the server log, never in answers.
  isDev: false,
  errorFormatter({ shape, error, ctx }) {
    const cause = error.cause;
    // Anything unexpected (a failed query's message carries its SQL and parameters) stays in the log.
    const internal = error.code === "INTERNAL_SERVER_ERROR" && !(cause instanceof ServiceError);
    const issues =
      cause instanceof ServiceError
        ? cause.issues
        : cause instanceof z.ZodError
          ? cause.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }))
          : undefined;
    const message =
      cause instanceof z.ZodError
        ? `invalid input: ${cause.issues.map((i) => `${i.path.map(String).join(".") || "input"}: ${i.message}`).join("; ")}`
        : internal
          ? INTERNAL_MESSAGE
          : shape.message;
    return {
      ...shape,
      message,
      data: {
        ...shape.data,
        reason: cause instanceof ServiceError ? cause.code : internal ? "INTERNAL" : shape.data.code,
        ...(ctx ? { requestId: ctx.requestId } : {}),
        ...(issues ? { issues } : {}),
      },
    };
  },
});

export const router = t.router;

/** Services throw ServiceError (and the database fails); this is the one place it becomes a tRPC error. */
const translateErrors = t.middleware(async ({ next }) => {
  const result = await next();
  const translated = result.ok ? undefined : toServiceError(result.error.cause);
  if (translated) throw toTrpcError(translated);
  return result;
});

// Errors thrown here and in the checks below reach translateErrors, which this is piped from. The
// request's rate budget is spent before its token is looked up, so a flood of bad tokens is bounded too.
const withPrincipal = translateErrors
  .unstable_pipe(async ({ ctx, next }) => {
    await ctx.gates.spend();
    return next();
  })
  .unstable_pipe(async ({ ctx, next }) => next({ ctx: { ...ctx, principal: await ctx.caller() } }));

/** Expensive calls (limiter.ts's list) run only if a slot is free now: excess ones never queue. */
const admitExpensive = t.middleware(async ({ ctx, path, next }) => {
  if (!EXPENSIVE_PROCEDURES.has(path)) return next();
  const leave = await ctx.gates.enterExpensive();
  try {
    return await next();
  } finally {
    leave();
  }
});

/** Every procedure: rate budget, then who is calling, then may they, then (if expensive) a slot. */
const guarded = (check: (p: Principal) => void) =>
  t.procedure
    .use(withPrincipal)
    .use(async ({ ctx, next }) => {
      check(ctx.principal);
      return next();
    })
    .use(admitExpensive);

export const readProcedure = guarded(requireReader);
export const adminProcedure = guarded(requireAdmin);
