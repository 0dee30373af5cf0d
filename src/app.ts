/** createApp(deps): the whole HTTP surface, the same on Node and on Workers. */
import { trpcServer } from "@hono/trpc-server";
import { Hono } from "hono";
import type { AppDeps, AppEnv, RequestDeps } from "./api/env.js";
import { httpError } from "./api/errors.js";
import { loopbackHostsOnly } from "./api/host-check.js";
import { limitPushes, limitTrpc, retryAfterHeader } from "./api/limits/middleware.js";
import { dashboardRoutes } from "./api/rest/dashboard.js";
import { healthRoutes } from "./api/rest/health.js";
import { metricsRoutes } from "./api/rest/metrics.js";
import { snapshotRoutes } from "./api/rest/snapshots.js";
import { appRouter } from "./api/root.js";
import type { TrpcContext } from "./api/trpc.js";
import { DEFAULT_MAX_CLOCK_SKEW_SECONDS } from "./config/shared.js";
import { ServiceError } from "./services/errors.js";
import { PushGate } from "./services/push-gate.js";

/** One agent pushes one cluster: more than a couple of its pushes queued means retries piling up. */
const MAX_WAITING_PUSHES_PER_CLUSTER = 2;

export type { AppDeps } from "./api/env.js";

export function createApp(deps: AppDeps) {
  const requestDeps: RequestDeps = {
    services: {
      db: deps.database.db,
      config: {
        staleAfterSeconds: deps.staleAfterSeconds,
        maxClockSkewSeconds: deps.maxClockSkewSeconds ?? DEFAULT_MAX_CLOCK_SKEW_SECONDS,
      },
      now: deps.now ?? (() => new Date()),
      pushGate: new PushGate(MAX_WAITING_PUSHES_PER_CLUSTER),
    },
    auth: deps.auth,
    maxSnapshotBytes: deps.maxSnapshotBytes,
    database: deps.database,
  };
  const app = new Hono<AppEnv>();
  app.use("*", async (c, next) => {
    c.set("deps", requestDeps);
    await next();
  });
  app.onError((error, c) => {
    if (error instanceof ServiceError) {
      const { status, body, headers } = httpError(error);
      return c.json(body, status, headers);
    }
    console.error(
      JSON.stringify({
        level: "error",
        msg: "unhandled error",
        path: c.req.path,
        error: String(error),
        stack: (error as Error).stack,
      }),
    );
    return c.json(
      { error: { code: "INTERNAL", message: "internal error; the server log has the details" } },
      500,
    );
  });
  app.notFound((c) =>
    c.json({ error: { code: "NOT_FOUND", message: `no route ${c.req.method} ${c.req.path}` } }, 404),
  );
  if (deps.loopbackHostsOnly) app.use("*", loopbackHostsOnly);
  if (deps.limits) {
    app.use("/trpc/*", limitTrpc(deps.limits));
    app.use("/v1/snapshots", limitPushes(deps.limits));
  }
  app.route("/", dashboardRoutes);
  app.route("/", healthRoutes);
  app.route("/", snapshotRoutes);
  app.route("/", metricsRoutes);
  app.use(
    "/trpc/*",
    trpcServer({
      router: appRouter,
      createContext: (_opts, c): TrpcContext & Record<string, unknown> => ({
        services: requestDeps.services,
        auth: requestDeps.auth,
        authorization: c.req.header("authorization"),
        ...(deps.limits
          ? { limits: { gate: deps.limits.expensive, principalKey: c.var.principalKey ?? "" } }
          : {}),
      }),
      responseMeta: ({ errors }) => ({ headers: retryAfterHeader(errors) }),
    }),
  );
  return app;
}
