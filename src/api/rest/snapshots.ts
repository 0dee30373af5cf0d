import { Hono } from "hono";
import {
  isDeltaBody,
  parseDelta,
  parseSnapshotPausing,
  snapshotJsonSchema,
} from "../../contract/snapshot.js";
import { log } from "../../logging/logger.js";
import { requireAgent, resolvePrincipal } from "../../services/auth.js";
import { ServiceError } from "../../services/errors.js";
import { eventLoopTurns } from "../../services/event-loop-turns.js";
import { type Agent, ingestSnapshot, refuseIfBusy } from "../../services/ingest.js";
import { ingestDelta } from "../../services/ingest-delta.js";
import type { AppEnv } from "../env.js";
import { readJsonBody } from "./body.js";

type Services = AppEnv["Variables"]["deps"]["services"];

async function pushSnapshot(services: Services, agent: Agent, body: unknown) {
  // In chunks with event-loop turns between them: the largest legal snapshot takes seconds to check.
  const parsed = await parseSnapshotPausing(body, eventLoopTurns());
  if (!parsed.ok) throw new ServiceError("BAD_REQUEST", parsed.code, parsed.message, parsed.issues);
  return ingestSnapshot(services, agent, parsed.snapshot);
}

function pushDelta(services: Services, agent: Agent, body: unknown) {
  const parsed = parseDelta(body);
  if (!parsed.ok) throw new ServiceError("BAD_REQUEST", parsed.code, parsed.message, parsed.issues);
  return ingestDelta(services, agent, parsed.delta);
}

/** A whole snapshot, or a delta (a body with a `delta` member) against the last accepted state. */
export const snapshotRoutes = new Hono<AppEnv>()
  .post("/v1/snapshots", async (c) => {
    const { services, auth, maxSnapshotBytes, logRequests } = c.var.deps;
    const started = performance.now();
    const agent = requireAgent(await resolvePrincipal(services, auth, c.req.header("authorization")));
    c.set("cluster", agent.cluster);
    refuseIfBusy(services, agent);
    // Parsed in pieces with event-loop turns: one JSON.parse of a 32 MiB body holds the loop ~0.5 s.
    let body: unknown = await readJsonBody(c.req.raw, maxSnapshotBytes, eventLoopTurns());
    const delta = isDeltaBody(body);
    const pushing = (delta ? pushDelta : pushSnapshot)(services, agent, body);
    // The push parses the body into its own objects: held here while it runs, the raw body (up to
    // 32 MiB of JSON as objects) would sit beside every later copy of the cluster until the answer.
    body = undefined;
    const result = await pushing;
    if (logRequests) {
      log("info", "push accepted", {
        requestId: c.var.requestId,
        cluster: agent.cluster,
        delta,
        changed: result.changed,
        opened: result.opened,
        closed: result.closed,
        ms: Math.round(performance.now() - started),
      });
    }
    return c.json(result);
  })
  .get("/v1/schema/snapshot.json", (c) => c.json(snapshotJsonSchema()));
