/**
 * A 401 tells a client its token is wrong, so it is answered only when the database positively
 * answered that the token does not exist. A lookup that fails in any way (an error of any kind, a
 * result that cannot be right) is 503 DATABASE_UNAVAILABLE, and the same token works again once the
 * database answers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import type { Db } from "../../src/db/types.js";
import { createHarness, type Harness } from "../helpers/app.js";

let h: Harness;
let readToken: string;
let agentToken: string;
/** what the next token lookups answer instead of the database; undefined: the database answers */
let lookupAnswers: (() => unknown) | undefined;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  h = await createHarness();
  agentToken = await h.register("prod-eu-1");
  const created = await h.mutate("tokens.createRead", { name: "grafana" });
  if (!created.ok) throw new Error(created.error.message);
  readToken = created.data.token;
  // The same database, its raw statements (the token lookups) answered by the test when it says so.
  const db = new Proxy(h.database.db, {
    get(target, key, receiver) {
      if (key === "execute" && lookupAnswers) {
        const answer = lookupAnswers;
        return async () => answer();
      }
      return Reflect.get(target, key, receiver);
    },
  }) as Db;
  app = createApp({
    database: { ...h.database, db },
    auth: { adminToken: h.adminToken, openAccess: false },
    staleAfterSeconds: 600,
    maxSnapshotBytes: 8 * 1024 * 1024,
  });
});
afterAll(() => h.close());

async function listClusters(token: string) {
  const res = await app.request(`/trpc/clusters.list?input=${encodeURIComponent("{}")}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await res.json()) as { error?: { data?: { reason?: string } } };
  return { status: res.status, code: body.error?.data?.reason, retryAfter: res.headers.get("retry-after") };
}

async function pushEmpty(token: string) {
  const res = await app.request("/v1/snapshots", {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({
      schemaVersion: 1,
      cluster: "prod-eu-1",
      observedAt: new Date().toISOString(),
      nodes: [],
      pods: [],
    }),
  });
  const body = (await res.json()) as { error?: { code?: string } };
  return { status: res.status, code: body.error?.code };
}

describe("a token lookup that fails", () => {
  const unavailable = { status: 503, code: "DATABASE_UNAVAILABLE" };

  it("answers 503 DATABASE_UNAVAILABLE when the lookup throws something that is not an outage", async () => {
    lookupAnswers = () => {
      throw new TypeError("Cannot read properties of undefined (reading 'name')");
    };
    expect(await listClusters(readToken)).toMatchObject({ ...unavailable, retryAfter: "5" });
    expect(await pushEmpty(agentToken)).toEqual(unavailable);
    lookupAnswers = undefined;
  });

  it("answers 503, not 401, when the lookup's result cannot be right (holes, rows without fields)", async () => {
    const sparse: unknown[] = [];
    sparse[3] = { name: "grafana" };
    lookupAnswers = () => sparse;
    expect(await listClusters(readToken)).toMatchObject(unavailable);
    lookupAnswers = () => [{ unexpected: true }];
    expect(await listClusters(readToken)).toMatchObject(unavailable);
    expect(await pushEmpty(agentToken)).toEqual(unavailable);
    lookupAnswers = undefined;
  });

  it("answers 401 only when the database answered that there is no such token", async () => {
    lookupAnswers = () => [];
    expect(await listClusters(readToken)).toMatchObject({ status: 401, code: "UNAUTHORIZED" });
    lookupAnswers = undefined;
    expect(await listClusters("ptl_read_unknown")).toMatchObject({ status: 401, code: "UNAUTHORIZED" });
    expect((await listClusters(readToken)).status).toBe(200);
    expect((await pushEmpty(agentToken)).status).toBe(200);
  });
});
