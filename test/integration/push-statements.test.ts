/**
 * What a small push costs the database: a heartbeat, and a delta whose base state the server holds,
 * are each ONE statement with no transaction around it (no BEGIN, lock, writes, COMMIT as separate
 * round trips), and that statement carries no parameters (postgres.js would describe a parametrised
 * one first: a second round trip). What they write is checked elsewhere (delta-push, delta-truth).
 */

import { sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { rawRows } from "../../src/db/raw.js";
import type { Db } from "../../src/db/types.js";
import { projectionTables, tableName } from "../../src/services/history-tables.js";
import { createHarness, type Harness } from "../helpers/app.js";
import { canonical, deltaBody } from "../helpers/delta-body.js";
import { type StateInput, snapshotOf } from "../property/states.js";

const CLUSTER = "prod-eu-1";
const T0 = Date.parse("2026-01-01T00:00:00Z");
const at = (step: number) => new Date(T0 + step * 60_000).toISOString();

const node = (name: string) => ({ name, ready: true });
const exporter = (name: string, nodeName: string) => ({
  namespace: "monitoring",
  name,
  node: nodeName,
  phase: "Running" as const,
  owner: { kind: "DaemonSet", name: "node-exporter" },
  ports: [{ container: "exporter", containerPort: 9100, hostPort: 9100 }],
});
const state: StateInput = {
  nodes: [node("n0"), node("n1")],
  pods: [exporter("e0", "n0"), exporter("e1", "n1")],
};

let h: Harness;
let app: ReturnType<typeof createApp>;
const dialect = new PgDialect();
const calls = { execute: 0, transaction: 0, parametrised: 0 };
/** the text of the statements executed, in order */
let texts: string[] = [];

beforeAll(async () => {
  h = await createHarness();
  // The same database, its statements and transactions counted.
  const db = new Proxy(h.database.db, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (key === "execute") {
        return (query: { queryChunks?: unknown[] }) => {
          calls.execute++;
          const rendered = dialect.sqlToQuery(query as never);
          if (rendered.params.length > 0) calls.parametrised++;
          texts.push(rendered.sql);
          return (value as (q: unknown) => unknown).call(target, query);
        };
      }
      if (key === "transaction") {
        return (...args: unknown[]) => {
          calls.transaction++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return value;
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

const push = (token: string, body: unknown) =>
  app.request("/v1/snapshots", {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

describe("a small push", () => {
  it("is one statement without parameters and without a transaction: a heartbeat, then a delta", async () => {
    const token = await h.register(CLUSTER);
    const first = snapshotOf(CLUSTER, at(0), state);
    expect((await push(token, first)).status).toBe(200);
    const { hash } = canonical(first);
    const heartbeat = {
      schemaVersion: 1,
      cluster: CLUSTER,
      observedAt: at(1),
      delta: { base: hash, hash },
    };
    Object.assign(calls, { execute: 0, transaction: 0, parametrised: 0 });
    expect((await push(token, heartbeat)).status).toBe(200);
    expect(calls).toEqual({ execute: 1, transaction: 0, parametrised: 0 });

    const next = snapshotOf(CLUSTER, at(2), { ...state, pods: [exporter("e0", "n0"), exporter("e2", "n1")] });
    Object.assign(calls, { execute: 0, transaction: 0, parametrised: 0 });
    const res = await push(token, deltaBody(first, next));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ changed: true, opened: 2, closed: 2 });
    expect(calls).toEqual({ execute: 1, transaction: 0, parametrised: 0 });
  });

  it("carries only the projection rows that change when a delta moves the projections (a replica added)", async () => {
    const cluster = "moved-1";
    const token = await h.register(cluster);
    const web = (name: string, node: string) => ({
      namespace: "shop",
      name,
      node,
      phase: "Running" as const,
      owner: { kind: "Deployment", name: "web" },
      ports: [{ container: "web", containerPort: 8080, hostPort: 8080 }],
    });
    const first = snapshotOf(cluster, at(0), { ...state, pods: [...state.pods, web("web-0", "n0")] });
    expect((await push(token, first)).status).toBe(200);
    // A web replica added: its headroom and the counts of its port move, the exporters' rows stay.
    const next = snapshotOf(cluster, at(1), {
      ...state,
      pods: [...state.pods, web("web-0", "n0"), web("web-1", "n1")],
    });
    texts = [];
    expect((await push(token, deltaBody(first, next))).status).toBe(200);
    expect(texts).toHaveLength(1);
    const statement = texts[0] ?? "";
    const open = async (since: string) => {
      const rows = await Promise.all(
        projectionTables.map((p) =>
          rawRows<{ fp: string }>(
            h.database.db,
            sql`SELECT fp FROM ${sql.raw(tableName(p))} WHERE valid_to IS NULL
                  AND cluster_id = (SELECT id FROM clusters WHERE name = ${cluster})
                  AND valid_from ${sql.raw(since === at(1) ? "=" : "<")} ${at(1)}::timestamptz`,
          ),
        ),
      );
      return rows.flat().map((r) => r.fp);
    };
    const kept = await open(at(0));
    const begun = await open(at(1));
    expect(kept.length, "projection rows the move left as they were").toBeGreaterThan(0);
    expect(begun.length, "projection rows the move began").toBeGreaterThan(0);
    for (const fp of kept) expect(statement, `unchanged row ${fp} travelled`).not.toContain(fp);
    for (const fp of begun) expect(statement).toContain(fp);
  });
});
