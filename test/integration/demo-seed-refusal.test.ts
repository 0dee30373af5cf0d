/** A database that already holds a demo cluster's name, without the demo fleet: the refusal says how to start afresh. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FetchTarget, seedDemo } from "../../src/demo/seed.js";
import { createHarness, type Harness } from "../helpers/app.js";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

describe("the demo on a database that is not empty", () => {
  it("refuses a cluster registered before by name, and says how to start from an empty database", async () => {
    // What the README's walk-through used to do before `npm run demo`: register one of the fleet's names.
    const registered = await h.mutate("clusters.register", { name: "prod-eu-1", labels: { env: "prod" } });
    expect(registered.ok).toBe(true);
    const target: FetchTarget = async (path, init) => h.app.request(path, init);
    const seeding = seedDemo(target, { adminToken: h.adminToken, now: new Date("2026-11-30T12:00:00Z") });
    await expect(seeding).rejects.toThrow(/409.*prod-eu-1.*already registered/);
    await expect(seeding).rejects.toThrow(/new PORTOLAN_DATA_DIR.*rm -rf \.\/\.portolan.*DATABASE_URL/);
  });
});
