import { Hono } from "hono";
import { parseSnapshot, snapshotJsonSchema } from "../../contract/snapshot.js";
import { requireAgent, resolvePrincipal } from "../../services/auth.js";
import { ServiceError } from "../../services/errors.js";
import { ingestSnapshot, refuseIfBusy } from "../../services/ingest.js";
import type { AppEnv } from "../env.js";
import { readJsonBody } from "./body.js";

export const snapshotRoutes = new Hono<AppEnv>()
  .post("/v1/snapshots", async (c) => {
    const { services, auth, maxSnapshotBytes } = c.var.deps;
    const agent = requireAgent(await resolvePrincipal(services, auth, c.req.header("authorization")));
    refuseIfBusy(services, agent);
    const body = await readJsonBody(c.req.raw, maxSnapshotBytes);
    const parsed = parseSnapshot(body);
    if (!parsed.ok) throw new ServiceError("BAD_REQUEST", parsed.code, parsed.message, parsed.issues);
    return c.json(await ingestSnapshot(services, agent, parsed.snapshot));
  })
  .get("/v1/schema/snapshot.json", (c) => c.json(snapshotJsonSchema()));
