import { Hono } from "hono";
import { checkReadiness } from "../../db/readiness.js";
import type { AppEnv } from "../env.js";

export const healthRoutes = new Hono<AppEnv>()
  .get("/healthz", (c) => c.json({ status: "ok" }))
  .get("/readyz", async (c) => {
    const readiness = await checkReadiness(c.var.deps.services.db);
    return readiness.ready
      ? c.json({ status: "ready", database: c.var.deps.database.kind, migration: readiness.migration })
      : c.json({ status: "not ready", reason: readiness.reason }, 503);
  });
