/**
 * The demo fleet seeded into a test harness through the real app. The harness clock follows the
 * pushes (each arrives at its observedAt), as if the agents had pushed live, then stops at `now`: the
 * silent agent's cluster is stale, the others fresh.
 */
import { type FetchTarget, seedDemo } from "../../src/demo/seed.js";
import { createHarness } from "./app.js";

export async function seededDemo(now: Date) {
  let clock = new Date(now.getTime() - 31 * 86_400_000);
  const h = await createHarness({ now: () => clock });
  const target: FetchTarget = async (path, init) => {
    if (path === "/v1/snapshots" && typeof init?.body === "string") {
      clock = new Date((JSON.parse(init.body) as { observedAt: string }).observedAt);
    }
    return h.app.request(path, init);
  };
  const seeded = await seedDemo(target, { adminToken: h.adminToken, now });
  clock = now;
  return { h, target, seeded };
}
