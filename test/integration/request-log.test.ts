import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { setLogSink } from "../../src/logging/logger.js";
import { hostNetworkPod, node, snapshot } from "../fixtures/snapshots.js";
import { createTestDatabase } from "../helpers/database.js";

const ADMIN = "request-log-admin-token-0123";

describe("one log line per request and per accepted push", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: ReturnType<typeof createApp>;
  let lines: Record<string, unknown>[] = [];
  let restore = () => {};
  beforeAll(async () => {
    database = await createTestDatabase();
    app = createApp({
      database,
      auth: { adminToken: ADMIN, openAccess: false },
      staleAfterSeconds: 600,
      maxSnapshotBytes: 1 << 20,
      logRequests: true,
    });
    restore = setLogSink((_level, line) => lines.push(JSON.parse(line) as Record<string, unknown>));
  });
  afterEach(() => {
    lines = [];
  });
  afterAll(async () => {
    restore();
    await database.close();
  });

  it("logs method, route, status, duration and request id, and the cluster and counts of a push", async () => {
    const registered = await app.request("/trpc/clusters.register", {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "prod-eu-1" }),
    });
    const { token } = ((await registered.json()) as { result: { data: { token: string } } }).result.data;
    expect(lines).toEqual([
      expect.objectContaining({
        level: "info",
        msg: "request",
        method: "POST",
        route: "/trpc/clusters.register",
        status: 200,
        ms: expect.any(Number),
        requestId: registered.headers.get("x-request-id"),
      }),
    ]);
    lines = [];

    const body = snapshot(
      "prod-eu-1",
      "2026-11-27T10:00:00Z",
      [node("worker-1")],
      [
        hostNetworkPod("monitoring", "node-exporter-a", "worker-1", [9100], {
          kind: "DaemonSet",
          name: "node-exporter",
        }),
      ],
    );
    const pushed = await app.request("/v1/snapshots", {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(pushed.status).toBe(200);
    const id = pushed.headers.get("x-request-id");
    expect(lines).toEqual([
      expect.objectContaining({ msg: "push accepted", cluster: "prod-eu-1", changed: true, requestId: id }),
      expect.objectContaining({
        msg: "request",
        route: "/v1/snapshots",
        status: 200,
        cluster: "prod-eu-1",
        requestId: id,
      }),
    ]);
    // Names and counts only: neither the token nor the snapshot's contents.
    expect(JSON.stringify(lines)).not.toContain(token);
    expect(JSON.stringify(lines)).not.toContain("node-exporter-a");
  });

  it("logs refusals with their status too", async () => {
    const res = await app.request("/trpc/clusters.list", { headers: { authorization: "Bearer nope" } });
    expect(res.status).toBe(401);
    expect(lines).toEqual([
      expect.objectContaining({ msg: "request", route: "/trpc/clusters.list", status: 401 }),
    ]);
  });
});
