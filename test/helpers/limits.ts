/** Helpers for the tests of batch, rate and concurrency limits. */
import { expect } from "vitest";
import type { LimitSettings } from "../../src/api/limits/request-limits.js";
import { limitSettings, sharedEnvSchema } from "../../src/config/shared.js";
import { hostNetworkPod, node, snapshot } from "../fixtures/snapshots.js";
import type { Harness } from "./app.js";

/** The defaults a server without limit variables runs with. */
export const DEFAULT_LIMITS: LimitSettings = limitSettings(sharedEnvSchema.parse({}));

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export async function readToken(h: Harness, name: string): Promise<string> {
  const answer = await h.mutate("tokens.createRead", { name });
  if (!answer.ok) throw new Error(answer.error.message);
  return answer.data.token;
}

export async function seedFleet(h: Harness): Promise<void> {
  const nodes = ["w-1", "w-2", "w-3"].map((n) => node(n));
  for (const cluster of ["prod-a", "prod-b"]) {
    const token = await h.register(cluster);
    const pods = nodes.map((n, i) =>
      hostNetworkPod("mon", `exporter-${i}`, n.name, [9100, 9101], { kind: "DaemonSet", name: "exporter" }),
    );
    const res = await h.push(token, snapshot(cluster, "2026-11-27T10:00:00Z", nodes, pods));
    expect(res.status).toBe(200);
  }
}

/** What a refusal says: status, tRPC reason (or REST code) and Retry-After. */
export async function refusal(res: Response) {
  const body = (await res.json()) as {
    error: { code: string | number; data?: { reason: string } };
  };
  return {
    status: res.status,
    reason: body.error.data?.reason ?? body.error.code,
    retryAfter: res.headers.get("retry-after"),
  };
}
