import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../helpers/app.js";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());
beforeEach(() => h.reset());

const snapshot = (observedAt: string) => ({
  schemaVersion: 1,
  cluster: "prod-eu-1",
  observedAt,
  nodes: [{ name: "worker-1", ready: true }],
  pods: [],
});

// The server remembers agent tokens it has just seen (auth.ts); these pin that it never lets a
// remembered token outlive its rotation or its cluster.
describe("an agent token the server has just seen", () => {
  it("is refused with 401 as soon as the token is rotated", async () => {
    const old = await h.register("prod-eu-1");
    expect((await h.push(old, snapshot("2026-11-27T10:00:00Z"))).status).toBe(200);
    const rotated = await h.mutate("clusters.rotateToken", { name: "prod-eu-1" });
    const refused = await h.push(old, snapshot("2026-11-27T10:01:00Z"));
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("UNAUTHORIZED");
    const fresh = rotated.ok ? rotated.data.token : "";
    expect((await h.push(fresh, snapshot("2026-11-27T10:02:00Z"))).status).toBe(200);
  });

  it("is refused with 401 once its cluster is removed", async () => {
    const token = await h.register("prod-eu-1");
    expect((await h.push(token, snapshot("2026-11-27T10:00:00Z"))).status).toBe(200);
    expect((await h.mutate("clusters.remove", { name: "prod-eu-1" })).ok).toBe(true);
    expect((await h.push(token, snapshot("2026-11-27T10:01:00Z"))).status).toBe(401);
  });
});
