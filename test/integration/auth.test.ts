import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { createHarness, type Harness } from "../helpers/app.js";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());
beforeEach(() => h.reset());

describe("who may call what", () => {
  it("refuses queries without a token when an admin token is configured", async () => {
    const answer = await h.query("clusters.list", {}, null);
    expect(answer).toMatchObject({ status: 401, ok: false, error: { data: { code: "UNAUTHORIZED" } } });
  });

  it("refuses an unknown token with 401 rather than treating it as anonymous", async () => {
    const answer = await h.query("clusters.list", {}, "ptl_read_wrong");
    expect(answer.status).toBe(401);
  });

  it("lets an agent token push but not read", async () => {
    const token = await h.register("prod-eu-1");
    const answer = await h.query("ports.who", { hostPort: 80 }, token);
    expect(answer).toMatchObject({ status: 403, ok: false });
  });

  it("lets a read token query but not register clusters", async () => {
    const created = await h.mutate("tokens.createRead", { name: "grafana" });
    expect(created.ok).toBe(true);
    const token = created.ok ? created.data.token : "";
    expect((await h.query("clusters.list", {}, token)).status).toBe(200);
    expect((await h.mutate("clusters.register", { name: "c1" }, token)).status).toBe(403);
    await h.mutate("tokens.revoke", { name: "grafana" });
    expect((await h.query("clusters.list", {}, token)).status).toBe(401);
  });

  it("stops the old agent token working once rotated", async () => {
    const old = await h.register("prod-eu-1");
    const rotated = await h.mutate("clusters.rotateToken", { name: "prod-eu-1" });
    const body = {
      schemaVersion: 1,
      cluster: "prod-eu-1",
      observedAt: "2026-11-27T10:00:00Z",
      nodes: [],
      pods: [],
    };
    expect((await h.push(old, body)).status).toBe(401);
    expect((await h.push(rotated.ok ? rotated.data.token : "", body)).status).toBe(200);
  });

  it("answers CONFLICT for a second registration of one name, and brings a removed cluster back", async () => {
    await h.register("prod-eu-1");
    const again = await h.mutate("clusters.register", { name: "prod-eu-1" });
    expect(again).toMatchObject({ status: 409, ok: false, error: { data: { reason: "CLUSTER_EXISTS" } } });
    await h.mutate("clusters.remove", { name: "prod-eu-1" });
    const revived = await h.mutate("clusters.register", { name: "prod-eu-1" });
    expect(revived.ok).toBe(true);
  });

  it("refuses a cluster name that is not a DNS-1123 label with a readable message", async () => {
    const answer = await h.mutate("clusters.register", { name: "Prod EU" });
    expect(answer).toMatchObject({ status: 400, ok: false });
    expect(!answer.ok && answer.error.message).toMatch(/name: must be a DNS-1123 label/);
  });

  it("opens reads and admin calls in development mode (no admin token, loopback)", async () => {
    const open = createApp({
      database: h.database,
      auth: { adminToken: undefined, openAccess: true },
      staleAfterSeconds: 600,
      maxSnapshotBytes: 1024 * 1024,
    });
    const res = await open.request("/trpc/clusters.register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "dev" }),
    });
    expect(res.status).toBe(200);
  });
});

describe("service endpoints", () => {
  it("reports health and readiness with the applied migration", async () => {
    expect((await h.app.request("/healthz")).status).toBe(200);
    const ready = await h.app.request("/readyz");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready" });
  });

  it("publishes the snapshot contract as JSON Schema", async () => {
    const res = await h.app.request("/v1/schema/snapshot.json");
    const schema = (await res.json()) as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(["schemaVersion", "cluster", "observedAt", "nodes", "pods"]),
    );
    expect(schema.required).toEqual(
      expect.arrayContaining(["schemaVersion", "cluster", "observedAt", "nodes", "pods"]),
    );
  });

  it("offers the dashboard's token form, with 401, to a browser without a token", async () => {
    const res = await h.app.request("/");
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    const page = await res.text();
    expect(page).toContain("<title>Fleet · Portolan</title>");
    expect(page).toContain('<form method="post" action="/session"');
  });

  it("answers unknown routes with a JSON 404", async () => {
    const res = await h.app.request("/v2/nothing");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "NOT_FOUND" } });
  });
});
