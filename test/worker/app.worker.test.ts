/**
 * The Worker entry inside workerd: the same app as on Node, through the Hyperdrive binding, against
 * the run's fresh PostgreSQL database (global-setup.ts). Whether sockets close after a request is
 * checked in dev-server.node.test.ts instead: here SELF requests run inside the test's I/O context,
 * so their sockets live until the test file ends.
 */
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { UPLOT_SCRIPT, UPLOT_STYLES } from "../../src/api/dashboard/assets/uplot.generated.js";
import worker from "../../src/entry/worker.js";
import { WORKER_TEST_ADMIN_TOKEN } from "./constants.js";
import { WALKTHROUGH_SNAPSHOT } from "./walkthrough.js";

const haveDatabase = env.WORKER_TEST_DATABASE === "yes";
const BASE = "http://portolan.test";
const admin = { authorization: `Bearer ${WORKER_TEST_ADMIN_TOKEN}` };

async function trpcData<T>(res: Response): Promise<T> {
  const body = (await res.json()) as { result?: { data: T }; error?: unknown };
  if (!body.result) throw new Error(`tRPC error ${res.status}: ${JSON.stringify(body.error)}`);
  return body.result.data;
}

/** Calls the Worker's fetch handler directly with a changed env, as a misconfigured deploy would. */
async function fetchWith(overrides: Record<string, unknown>, path: string, init?: RequestInit) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${BASE}${path}`, init), { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe("the Worker's dashboard files", () => {
  it("serves uPlot and its styles from the bundle, as on Node", async () => {
    const script = await SELF.fetch(`${BASE}/dashboard/uplot.js`);
    expect(script.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(await script.text()).toBe(UPLOT_SCRIPT);
    expect(await (await SELF.fetch(`${BASE}/dashboard/uplot.css`)).text()).toBe(UPLOT_STYLES);
  });
});

describe("the Worker's request body limit", () => {
  const post = (body: BodyInit) =>
    SELF.fetch(`${BASE}/trpc/tokens.createRead`, {
      method: "POST",
      headers: { "content-type": "application/json", ...admin },
      body,
    });

  it("refuses a tRPC body over PORTOLAN_MAX_REQUEST_BYTES with 413, declared or streamed", async () => {
    const declared = await post("x".repeat(600 * 1024));
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ error: { data: { reason: "PAYLOAD_TOO_LARGE" } } });
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    let sent = 0;
    const streamed = await post(
      new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= 4 * 1024 * 1024) return controller.close();
          sent += chunk.byteLength;
          controller.enqueue(chunk);
        },
      }),
    );
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toMatchObject({ error: { data: { reason: "PAYLOAD_TOO_LARGE" } } });
  });
});

describe.skipIf(!haveDatabase)("the Worker on PostgreSQL through Hyperdrive", () => {
  it("registers a cluster, ingests a snapshot and answers ports.who", async () => {
    const registered = await trpcData<{ token: string }>(
      await SELF.fetch(`${BASE}/trpc/clusters.register`, {
        method: "POST",
        headers: { "content-type": "application/json", ...admin },
        body: JSON.stringify({ name: "edge-1", labels: { env: "prod" } }),
      }),
    );
    expect(registered.token).toMatch(/^ptl_agent_/);

    const pushed = await SELF.fetch(`${BASE}/v1/snapshots`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${registered.token}` },
      body: JSON.stringify({ ...WALKTHROUGH_SNAPSHOT, cluster: "edge-1" }),
    });
    expect(pushed.status).toBe(200);
    expect(await pushed.json()).toMatchObject({ changed: true, opened: 4, closed: 0 });

    const input = encodeURIComponent(JSON.stringify({ hostPort: 9100 }));
    const who = await trpcData<{ allocations: { cluster: string; node: string; pod: string }[] }>(
      await SELF.fetch(`${BASE}/trpc/ports.who?input=${input}`, { headers: admin }),
    );
    expect(who.allocations).toEqual([
      expect.objectContaining({ cluster: "edge-1", node: "worker-1", pod: "node-exporter-abcde" }),
    ]);
  });

  it("ingests a gzipped snapshot, as the agent sends it", async () => {
    const registered = await trpcData<{ token: string }>(
      await SELF.fetch(`${BASE}/trpc/clusters.register`, {
        method: "POST",
        headers: { "content-type": "application/json", ...admin },
        body: JSON.stringify({ name: "edge-gzip" }),
      }),
    );
    const text = JSON.stringify({ ...WALKTHROUGH_SNAPSHOT, cluster: "edge-gzip" });
    const zipped = await new Response(
      new Blob([text]).stream().pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer();
    const pushed = await SELF.fetch(`${BASE}/v1/snapshots`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "content-encoding": "gzip",
        authorization: `Bearer ${registered.token}`,
      },
      body: zipped,
    });
    expect(pushed.status).toBe(200);
    expect(await pushed.json()).toMatchObject({ changed: true, opened: 4, closed: 0 });
  });

  it("renders the dashboard's fleet and port map from the same procedures", async () => {
    const fleet = await SELF.fetch(`${BASE}/`, { headers: admin });
    expect(fleet.status).toBe(200);
    expect(await fleet.text()).toContain('href="/clusters/edge-1"');
    const map = await (await SELF.fetch(`${BASE}/clusters/edge-1`, { headers: admin })).text();
    expect(map).toContain("9100/TCP");
  });

  it("reports ready with the postgres backend and the newest migration", async () => {
    const res = await SELF.fetch(`${BASE}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ready", database: "postgres" });
  });

  it("answers reads without a token only when PORTOLAN_OPEN_ACCESS is explicitly true", async () => {
    const open = await fetchWith(
      { PORTOLAN_ADMIN_TOKEN: undefined, PORTOLAN_OPEN_ACCESS: "true" },
      "/trpc/clusters.list",
    );
    expect(open.status).toBe(200);
    const closed = await SELF.fetch(`${BASE}/trpc/clusters.list`);
    expect(closed.status).toBe(401);
  });

  it("runs the scheduled maintenance against the database", async () => {
    const logged: string[] = [];
    const original = console.log;
    console.log = (line: string) => logged.push(line);
    try {
      await worker.scheduled({ scheduledTime: Date.now(), cron: "*/15 * * * *" }, env);
    } finally {
      console.log = original;
    }
    const done = logged.map((l) => JSON.parse(l)).find((l) => l.msg === "maintenance done");
    expect(done).toMatchObject({ prunedSnapshots: 0, pruneIncomplete: false });
  });

  it("prunes closed history past PORTOLAN_RETENTION_DAYS from its cron run, in batches, keeping open rows", async () => {
    const { token } = await trpcData<{ token: string }>(
      await SELF.fetch(`${BASE}/trpc/clusters.register`, {
        method: "POST",
        headers: { "content-type": "application/json", ...admin },
        body: JSON.stringify({ name: "edge-retained" }),
      }),
    );
    const push = (body: unknown) =>
      SELF.fetch(`${BASE}/v1/snapshots`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
    const first = { ...WALKTHROUGH_SNAPSHOT, cluster: "edge-retained" };
    expect((await push(first)).status).toBe(200);
    // worker-2 drained: its version (and the projections' that counted it) closes.
    const drained = {
      ...first,
      observedAt: "2026-11-28T10:00:00Z",
      nodes: [{ name: "worker-1", ready: true }],
    };
    expect(await (await push(drained)).json()).toMatchObject({ changed: true, closed: 1 });

    const logged: string[] = [];
    const original = console.log;
    console.log = (line: string) => logged.push(line);
    const scheduledTime = Date.parse("2026-11-28T10:00:00Z") + 3 * 86_400_000;
    try {
      await worker.scheduled(
        { scheduledTime, cron: "*/15 * * * *" },
        { ...env, PORTOLAN_RETENTION_DAYS: "2", PORTOLAN_RETENTION_BATCH_ROWS: "1" },
      );
    } finally {
      console.log = original;
    }
    const pruned = logged.map((l) => JSON.parse(l)).find((l) => l.msg === "history pruned");
    expect(pruned).toMatchObject({
      cutoff: new Date(scheduledTime - 2 * 86_400_000).toISOString(),
      retentionDays: 2,
      incomplete: false,
      pruned: expect.objectContaining({ nodes: 1 }),
    });
    expect(pruned.batches).toBe(pruned.total);

    const input = encodeURIComponent(JSON.stringify({ cluster: "edge-retained" }));
    const map = await trpcData<{ nodes: number }>(
      await SELF.fetch(`${BASE}/trpc/ports.map?input=${input}`, { headers: admin }),
    );
    expect(map.nodes).toBe(1);
  });
});

describe("the Worker's configuration errors", () => {
  let logged: MockInstance<typeof console.error>;
  beforeEach(() => {
    logged = vi.spyOn(console, "error").mockImplementation(() => {});
  });
  afterEach(() => logged.mockRestore());

  it("answers 500 CONFIG_INVALID naming HYPERDRIVE when the binding is missing, and logs it", async () => {
    const res = await fetchWith({ HYPERDRIVE: undefined }, "/healthz");
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("CONFIG_INVALID");
    expect(body.error.message).toMatch(/HYPERDRIVE: missing: add a \[\[hyperdrive\]\] binding/);
    // The shared logger's line (src/logging/logger.ts): time, level, msg.
    expect(JSON.parse(String(logged.mock.calls[0]?.[0]))).toEqual({
      time: expect.any(String),
      level: "error",
      msg: body.error.message,
    });
  });

  it("answers 500 CONFIG_INVALID naming PORTOLAN_ADMIN_TOKEN when no token and no open access", async () => {
    const res = await fetchWith({ PORTOLAN_ADMIN_TOKEN: undefined }, "/healthz");
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error).toMatchObject({ code: "CONFIG_INVALID" });
    expect(body.error.message).toMatch(/PORTOLAN_ADMIN_TOKEN: required on Workers/);
  });

  it("names every bad variable at once and never echoes a secret", async () => {
    const res = await fetchWith(
      { PORTOLAN_ADMIN_TOKEN: "short-secret", PORTOLAN_STALE_AFTER_SECONDS: "soon" },
      "/healthz",
    );
    const { error } = (await res.json()) as { error: { message: string } };
    expect(error.message).toMatch(/PORTOLAN_ADMIN_TOKEN: must be at least 16 characters/);
    expect(error.message).toMatch(/PORTOLAN_STALE_AFTER_SECONDS/);
    expect(error.message).not.toContain("short-secret");
  });

  it("reports a missing binding and a missing token together", async () => {
    const res = await fetchWith({ HYPERDRIVE: undefined, PORTOLAN_ADMIN_TOKEN: undefined }, "/healthz");
    const { error } = (await res.json()) as { error: { message: string } };
    expect(error.message).toMatch(/HYPERDRIVE: missing.*; PORTOLAN_ADMIN_TOKEN: required on Workers/);
  });

  it("fails the cron run with the same message instead of touching the database", async () => {
    await expect(
      worker.scheduled(
        { scheduledTime: Date.now(), cron: "*/15 * * * *" },
        { ...env, HYPERDRIVE: undefined },
      ),
    ).rejects.toThrow(/CONFIG_INVALID: .*HYPERDRIVE: missing/);
  });
});
