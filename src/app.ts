/** createApp(deps): the whole HTTP surface, the same on Node and on Workers. */
import { trpcServer } from "@hono/trpc-server";
import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { DEFAULT_MAX_REQUEST_BYTES, FORM_BODY_BYTES, limitBodies, trpcBodyLimit } from "./api/body-limits.js";
import { dashboardRoutes } from "./api/dashboard/routes.js";
import type { AppDeps, AppEnv, RequestDeps } from "./api/env.js";
import { type ErrorBody, httpError, internalErrorBody, trpcRetryAfter } from "./api/errors.js";
import { loopbackHostsOnly } from "./api/host-check.js";
import { limitPushes, limitTrpc, trpcGates } from "./api/limits/middleware.js";
import { healthRoutes } from "./api/rest/health.js";
import { metricsRoutes } from "./api/rest/metrics.js";
import { snapshotRoutes } from "./api/rest/snapshots.js";
import { appRouter } from "./api/root.js";
import type { TrpcContext } from "./api/trpc.js";
import { DEFAULT_MAX_CLOCK_SKEW_SECONDS } from "./config/shared.js";
import { describeFailure } from "./db/failures.js";
import { log } from "./logging/logger.js";
import { type Principal, resolvePrincipal } from "./services/auth.js";
import { BaseStates } from "./services/base-states.js";
import { toServiceError } from "./services/errors.js";
import { DEFAULT_PUSH_LIMITS, PushGate } from "./services/push-gate.js";

export type { AppDeps } from "./api/env.js";

export function createApp(deps: AppDeps) {
  const requestDeps: RequestDeps = {
    services: {
      db: deps.database.db,
      config: {
        staleAfterSeconds: deps.staleAfterSeconds,
        maxClockSkewSeconds: deps.maxClockSkewSeconds ?? DEFAULT_MAX_CLOCK_SKEW_SECONDS,
        ...(deps.historyRetentionDays === undefined
          ? {}
          : { historyRetentionDays: deps.historyRetentionDays }),
      },
      now: deps.now ?? (() => new Date()),
      pushGate: deps.pushGate ?? new PushGate(DEFAULT_PUSH_LIMITS),
      baseStates: deps.baseStates ?? new BaseStates(),
    },
    auth: deps.auth,
    maxSnapshotBytes: deps.maxSnapshotBytes,
    database: deps.database,
    logRequests: deps.logRequests ?? false,
    limits: deps.limits,
    trustedProxy: deps.trustedProxy,
    runtimeGauges: deps.runtimeGauges ?? (() => []),
  };
  const app = new Hono<AppEnv>();
  // X-Request-Id: the client's own (if short and plain) or a fresh UUID; in every error body and log line.
  app.use("*", requestId());
  app.use("*", async (c, next) => {
    await next();
    // tRPC answers with its own Response, which misses the header requestId() set on the context.
    if (!c.res.headers.has("x-request-id")) c.res.headers.set("x-request-id", c.var.requestId);
  });
  app.use("*", async (c, next) => {
    c.set("deps", requestDeps);
    await next();
  });
  if (requestDeps.logRequests) {
    app.use("*", async (c, next) => {
      const started = performance.now();
      await next();
      log(c.res.status >= 500 ? "warn" : "info", "request", {
        requestId: c.var.requestId,
        method: c.req.method,
        // Paths name a route or a procedure (no ids in them), so they stay a small set.
        route: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
        ...(c.var.cluster ? { cluster: c.var.cluster } : {}),
      });
    });
  }
  app.onError((error, c) => {
    const id = c.var.requestId;
    const known = toServiceError(error);
    if (known) {
      if (known.code === "DATABASE_UNAVAILABLE")
        log("warn", "database unavailable", { requestId: id, path: c.req.path, ...describeFailure(error) });
      const { status, body, headers } = httpError(known, id);
      return c.json(body, status, headers);
    }
    log("error", "unhandled error", { requestId: id, path: c.req.path, ...describeFailure(error) });
    return c.json(internalErrorBody(id), 500);
  });
  app.notFound((c) =>
    c.json(
      {
        error: {
          code: "NOT_FOUND",
          message: `no route ${c.req.method} ${c.req.path}`,
          requestId: c.var.requestId,
        },
      } satisfies ErrorBody,
      404,
    ),
  );
  if (deps.loopbackHostsOnly) app.use("*", loopbackHostsOnly);
  if (deps.limits) {
    app.use("/trpc/*", limitTrpc(deps.limits));
    app.use("/v1/snapshots", limitPushes(deps.limits));
  }
  const maxRequestBytes = deps.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  app.use(
    "/trpc/*",
    limitBodies((c) => trpcBodyLimit(c, maxRequestBytes)),
  );
  for (const form of ["/session", "/session/*"])
    app.use(
      form,
      limitBodies(() => FORM_BODY_BYTES),
    );
  app.route("/", dashboardRoutes);
  app.route("/", healthRoutes);
  app.route("/", snapshotRoutes);
  app.route("/", metricsRoutes);
  app.use(
    "/trpc/*",
    trpcServer({
      router: appRouter,
      createContext: (_opts, c): TrpcContext & Record<string, unknown> => {
        let caller: Promise<Principal> | undefined;
        return {
          services: requestDeps.services,
          auth: requestDeps.auth,
          caller: () => {
            caller ??= resolvePrincipal(
              requestDeps.services,
              requestDeps.auth,
              c.req.header("authorization"),
            );
            return caller;
          },
          gates: trpcGates(c),
          requestId: c.var.requestId,
        };
      },
      onError: ({ error, path, ctx }) => {
        // Expected refusals (4xx) are the client's business; outages and bugs are the operator's.
        if (error.code !== "INTERNAL_SERVER_ERROR" && error.code !== "SERVICE_UNAVAILABLE") return;
        log(error.code === "SERVICE_UNAVAILABLE" ? "warn" : "error", "procedure failed", {
          ...(ctx ? { requestId: (ctx as TrpcContext).requestId } : {}),
          procedure: path,
          ...describeFailure(error.cause ?? error),
        });
      },
      responseMeta: ({ errors }) => ({ headers: new Headers(trpcRetryAfter(errors)) }),
    }),
  );
  return app;
}
