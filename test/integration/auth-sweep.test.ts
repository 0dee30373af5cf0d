/**
 * Every tRPC procedure and every REST route, called by every kind of caller, answers the status
 * docs/api.md ("Who may call what") documents, and never 500. Procedures and routes are read from the
 * router and the app themselves: a new one fails here until it is given a rule below.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "../../src/api/root.js";
import { createApp } from "../../src/app.js";
import { sixWorkersSnapshot } from "../fixtures/six-workers.js";
import { ADMIN_TOKEN, createHarness, type Harness } from "../helpers/app.js";

const NOW = new Date("2026-11-27T12:00:00Z");
const CALLERS = ["none", "unknown", "agentOther", "agentOwn", "read", "admin", "dev", "devUnknown"] as const;
type Caller = (typeof CALLERS)[number];
type Rule = "public" | "read" | "admin" | "push" | "sameOriginForm";

/**
 * The matrix docs/api.md states. agentOwn is the agent token of the cluster the call names, agentOther
 * that of another cluster; dev is development mode (no admin token, open access) without a token,
 * devUnknown the same with a token nobody issued.
 */
const EXPECTED: Record<Rule, Record<Caller, number>> = {
  public: {
    none: 200,
    unknown: 200,
    agentOther: 200,
    agentOwn: 200,
    read: 200,
    admin: 200,
    dev: 200,
    devUnknown: 200,
  },
  read: {
    none: 401,
    unknown: 401,
    agentOther: 403,
    agentOwn: 403,
    read: 200,
    admin: 200,
    dev: 200,
    devUnknown: 401,
  },
  admin: {
    none: 401,
    unknown: 401,
    agentOther: 403,
    agentOwn: 403,
    read: 403,
    admin: 200,
    dev: 200,
    devUnknown: 401,
  },
  /** the dashboard's token form: a post that is not from its own pages is refused, whoever sends it */
  sameOriginForm: {
    none: 403,
    unknown: 403,
    agentOther: 403,
    agentOwn: 403,
    read: 403,
    admin: 403,
    dev: 403,
    devUnknown: 403,
  },
  push: {
    none: 401,
    unknown: 401,
    agentOther: 403,
    agentOwn: 200,
    read: 403,
    admin: 403,
    dev: 401,
    devUnknown: 401,
  },
};

interface Seed {
  tokens: Record<"agentOwn" | "agentOther" | "read", string>;
  reservationId: number;
}

const range = { from: "2026-11-27T10:00:00Z", to: "2026-11-27T12:00:00Z", step: "1h" };
const router = { name: "router-default", namespace: "openshift-ingress", kind: "Deployment" };

/** Each procedure's rule and a minimal valid input naming the seeded cluster "own". */
const PROCEDURES: Record<string, { rule: Rule; input: (seed: Seed) => unknown }> = {
  "clusters.register": { rule: "admin", input: () => ({ name: "new-cluster" }) },
  "clusters.list": { rule: "read", input: () => ({}) },
  "clusters.attention": { rule: "read", input: () => ({}) },
  "clusters.ingressControllers": { rule: "read", input: () => ({ cluster: "own" }) },
  "clusters.rotateToken": { rule: "admin", input: () => ({ name: "own" }) },
  "clusters.remove": { rule: "admin", input: () => ({ name: "own" }) },
  "clusters.resetClock": { rule: "admin", input: () => ({ name: "own" }) },
  "ports.who": { rule: "read", input: () => ({ hostPort: 80 }) },
  "ports.map": { rule: "read", input: () => ({ cluster: "own" }) },
  "ports.mapListeners": {
    rule: "read",
    input: () => ({ cluster: "own", ports: [80], nodes: ["worker-1"] }),
  },
  "ports.freeNodes": { rule: "read", input: () => ({ cluster: "own", hostPort: 80 }) },
  "ports.node": { rule: "read", input: () => ({ cluster: "own", node: "worker-1" }) },
  "listeners.matrix": { rule: "read", input: () => ({ cluster: "own" }) },
  "listeners.diff": {
    rule: "read",
    input: () => ({ cluster: "own", baseline: "Protocol,Port,NodeGroup\n" }),
  },
  "tokens.createRead": { rule: "admin", input: () => ({ name: "new-reader" }) },
  "tokens.list": { rule: "admin", input: () => ({}) },
  "tokens.revoke": { rule: "admin", input: () => ({ name: "reader" }) },
  "trends.allocations": { rule: "read", input: () => ({ ...range, hostPort: 80 }) },
  "trends.events": { rule: "read", input: () => ({ from: range.from, to: range.to, cluster: "own" }) },
  "trends.headroom": { rule: "read", input: () => ({ ...range, cluster: "own", ...router }) },
  "trends.headroomSeries": {
    rule: "read",
    input: () => ({ ...range, cluster: "own", namespace: router.namespace }),
  },
  "reservations.create": {
    rule: "admin",
    input: () => ({ portFrom: 20010, portTo: 20011, owner: "team-sweep", purpose: "auth sweep" }),
  },
  "capacity.planIngressController": { rule: "read", input: () => ({ name: "shard", clusters: ["own"] }) },
  "capacity.reserveIngressController": {
    rule: "admin",
    input: () => ({ plan: { name: "shard", clusters: ["own"] }, owner: "team", purpose: "sweep" }),
  },
  "reservations.list": { rule: "read", input: () => ({}) },
  "reservations.delete": { rule: "admin", input: (seed) => ({ id: seed.reservationId }) },
  "reports.portMap": { rule: "read", input: () => ({ format: "markdown" }) },
  "reports.trends": { rule: "read", input: () => ({ from: range.from }) },
  "capacity.headroom": { rule: "read", input: () => ({}) },
  "capacity.checkFit": { rule: "read", input: () => ({ clusters: ["own"], ports: [{ hostPort: 20080 }] }) },
  "capacity.checkManifest": {
    rule: "read",
    input: () => ({ manifest: "kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c}]}\n" }),
  },
  "capacity.freeRanges": { rule: "read", input: () => ({ width: 2 }) },
  "capacity.drainCheck": { rule: "read", input: () => ({ cluster: "own", node: "worker-1" }) },
  "conflicts.list": { rule: "read", input: () => ({}) },
};

let observedAt = Date.parse("2026-11-27T11:00:00Z");
/** A push of cluster "own", later than every earlier one, so an authorized push is accepted. */
function nextPush() {
  observedAt += 1000;
  return sixWorkersSnapshot("own", new Date(observedAt).toISOString());
}

/** GET or POST routes of the REST surface with what to send (and where, for a path with a parameter); keys are "METHOD path". */
const ROUTES: Record<string, { rule: Rule; body?: () => unknown; url?: string }> = {
  "POST /v1/snapshots": { rule: "push", body: nextPush },
  "GET /v1/schema/snapshot.json": { rule: "public" },
  "GET /metrics": { rule: "read" },
  "GET /": { rule: "read" },
  "GET /clusters/:name": { rule: "read", url: "/clusters/own" },
  "GET /ports": { rule: "read", url: "/ports?port=9100" },
  "GET /trends": { rule: "read" },
  "GET /plan": { rule: "read", url: "/plan?width=2" },
  "GET /session": { rule: "public" },
  "POST /session": { rule: "sameOriginForm" },
  "POST /session/end": { rule: "sameOriginForm" },
  "GET /dashboard/dashboard.js": { rule: "public" },
  "GET /dashboard/dashboard.css": { rule: "public" },
  "GET /dashboard/uplot.js": { rule: "public" },
  "GET /dashboard/uplot.css": { rule: "public" },
  "GET /healthz": { rule: "public" },
  "GET /readyz": { rule: "public" },
};

let h: Harness;
let devApp: ReturnType<typeof createApp>;
beforeAll(async () => {
  h = await createHarness({ now: () => NOW });
  // Development mode as the Node entry sets it up: open access, loopback Host names only.
  devApp = createApp({
    database: h.database,
    auth: { adminToken: undefined, openAccess: true },
    staleAfterSeconds: 600,
    maxSnapshotBytes: 8 * 1024 * 1024,
    now: () => NOW,
    loopbackHostsOnly: true,
  });
});
afterAll(() => h.close());

async function seed(): Promise<Seed> {
  await h.reset();
  const agentOwn = await h.register("own");
  const agentOther = await h.register("other");
  expect((await h.push(agentOwn, nextPush())).status).toBe(200);
  const reader = await h.mutate("tokens.createRead", { name: "reader" });
  const reservation = await h.mutate("reservations.create", {
    portFrom: 20000,
    portTo: 20001,
    owner: "team-sweep",
    purpose: "seeded",
  });
  if (!reader.ok || !reservation.ok) throw new Error("seeding the sweep failed");
  return { tokens: { agentOwn, agentOther, read: reader.data.token }, reservationId: reservation.data.id };
}

function callAs(caller: Caller, seed: Seed) {
  const app = caller === "dev" || caller === "devUnknown" ? devApp : h.app;
  const token =
    caller === "none" || caller === "dev"
      ? undefined
      : caller === "unknown" || caller === "devUnknown"
        ? "ptl_read_nobody_issued_this_token_000000"
        : caller === "admin"
          ? ADMIN_TOKEN
          : seed.tokens[caller];
  return (method: "GET" | "POST", path: string, body?: unknown) =>
    app.request(`http://127.0.0.1:8080${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
}

// At run time `_def.procedures` is flat, keyed by dotted path (tRPC's router.ts); its declared type
// is the nested record, hence the cast through unknown.
const flatProcedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>;
const procedureTypes = Object.fromEntries(
  Object.entries(flatProcedures).map(([path, procedure]) => [path, procedure._def.type]),
);

const REFUSAL_REASONS: Record<number, string[]> = {
  401: ["UNAUTHORIZED"],
  403: ["FORBIDDEN", "CLUSTER_MISMATCH"],
};

/** The status, after checking that a refusal names the reason docs/api.md gives for it. */
async function statusOf(res: Response): Promise<number> {
  const expectedReasons = REFUSAL_REASONS[res.status];
  // A dashboard page refuses with a page that offers the token form instead of a JSON body.
  if (expectedReasons && res.headers.get("content-type")?.startsWith("text/html")) {
    expect(await res.text()).toContain('action="/session"');
  } else if (expectedReasons) {
    const body = (await res.json()) as {
      error: { code?: string; data?: { reason?: string } };
    };
    expect(expectedReasons).toContain(body.error.data?.reason ?? body.error.code);
  }
  return res.status;
}

/** Calls one procedure as every caller; mutations get a fresh seed each, so no call sees another's effect. */
async function sweepProcedure(path: string): Promise<Record<Caller, number>> {
  const entry = PROCEDURES[path];
  if (!entry) throw new Error(`${path} has no rule in the sweep: add it here and to docs/api.md`);
  const isMutation = procedureTypes[path] === "mutation";
  const statuses = {} as Record<Caller, number>;
  let seeded = await seed();
  for (const caller of CALLERS) {
    if (isMutation) seeded = await seed();
    const call = callAs(caller, seeded);
    const input = entry.input(seeded);
    const res = isMutation
      ? await call("POST", `/trpc/${path}`, input)
      : await call("GET", `/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`);
    statuses[caller] = await statusOf(res);
  }
  return statuses;
}

describe("authorization sweep", { timeout: 120_000 }, () => {
  it("has a rule for every procedure of the router and every REST route of the app", () => {
    expect(Object.keys(PROCEDURES).sort()).toEqual(Object.keys(procedureTypes).sort());
    const restRoutes = h.app.routes
      .filter((r) => r.method !== "ALL" && !r.path.startsWith("/trpc"))
      .map((r) => `${r.method} ${r.path}`);
    expect([...new Set(restRoutes)].sort()).toEqual(Object.keys(ROUTES).sort());
  });

  it.each(Object.keys(procedureTypes))("%s answers every caller as documented", async (path) => {
    const statuses = await sweepProcedure(path);
    expect(Object.values(statuses)).not.toContain(500);
    expect(statuses).toEqual(EXPECTED[PROCEDURES[path]?.rule ?? "admin"]);
  });

  it.each(Object.keys(procedureTypes))("%s checks the caller before the input", async (path) => {
    const seeded = await seed();
    const send = async (caller: Caller) => {
      const call = callAs(caller, seeded);
      const input = encodeURIComponent(JSON.stringify("not an input"));
      const res =
        procedureTypes[path] === "mutation"
          ? await call("POST", `/trpc/${path}`, "not an input")
          : await call("GET", `/trpc/${path}?input=${input}`);
      return res.status;
    };
    expect({ none: await send("none"), admin: await send("admin") }).toEqual({ none: 401, admin: 400 });
  });

  it.each(Object.keys(ROUTES))("%s answers every caller as documented", async (route) => {
    const [method, path] = route.split(" ") as ["GET" | "POST", string];
    const entry = ROUTES[route];
    const seeded = await seed();
    const statuses = {} as Record<Caller, number>;
    for (const caller of CALLERS)
      statuses[caller] = await statusOf(
        await callAs(caller, seeded)(method, entry?.url ?? path, entry?.body?.()),
      );
    expect(Object.values(statuses)).not.toContain(500);
    expect(statuses).toEqual(EXPECTED[entry?.rule ?? "public"]);
  });
});
