/**
 * The Worker as `npm run dev:worker` serves it (wrangler's local workerd, Hyperdrive binding to a
 * local PostgreSQL), driven from Node: the README walk-through answers exactly as the Node app's,
 * nothing stays connected after the requests, and the cron handler prunes the snapshot log.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { unstable_startWorker } from "wrangler";
import { createApp } from "../../src/app.js";
import { createPostgresDatabase } from "../../src/db/postgres.js";
import { rawRows } from "../../src/db/raw.js";
import type { DatabaseHandle } from "../../src/db/types.js";
import { repoRoot } from "./tools/wrangler-config.js";
import { comparable, runWalkthrough, type WalkthroughAnswers } from "./walkthrough.js";

const url = inject("workerDatabaseUrl");

describe.skipIf(!url)("the Worker under wrangler's local workerd", () => {
  let worker: Awaited<ReturnType<typeof unstable_startWorker>>;
  let base: URL;
  let database: DatabaseHandle;
  let onWorker: WalkthroughAnswers;

  beforeAll(async () => {
    process.env.CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE = url ?? "";
    // Offline: no Request.cf download, no update check behind the banner.
    process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
    process.env.WRANGLER_HIDE_BANNER = "true";
    // Named, so the connection check can tell this client from the Worker's.
    database = createPostgresDatabase(`${url}?application_name=portolan-test-probe`, { max: 2 });
    worker = await unstable_startWorker({
      config: `${repoRoot}wrangler.toml`,
      envFiles: [],
      bindings: { PORTOLAN_OPEN_ACCESS: { type: "plain_text", value: "true" } },
      dev: {
        server: { hostname: "127.0.0.1", port: 0 },
        inspector: false,
        remote: false,
        persist: false,
        watch: false,
        // "warn" would repeat a spurious nodejs_compat warning of startWorker's bundler (the flag is
        // in wrangler.toml and in effect: the walk-through needs node:buffer).
        logLevel: "error",
      },
    });
    await worker.ready;
    base = await worker.url;
    onWorker = await runWalkthrough((path, init) => fetch(new URL(path, base), init));
  }, 90_000);

  afterAll(async () => {
    await worker?.dispose();
    await database?.close();
  });

  it("answers the README walk-through exactly as the Node app does", async () => {
    expect(onWorker.push).toEqual({
      status: 200,
      body: { changed: true, opened: 4, closed: 0, snapshotId: 1 },
    });
    await database.db.execute(
      sql.raw(
        "TRUNCATE clusters, snapshots, node_versions, pod_versions, port_allocations RESTART IDENTITY CASCADE",
      ),
    );
    const app = createApp({
      database,
      auth: { adminToken: undefined, openAccess: true },
      staleAfterSeconds: 600,
      maxSnapshotBytes: 64 * 1024 * 1024,
    });
    const onNode = await runWalkthrough(async (path, init) => app.request(path, init));
    expect(comparable(onWorker)).toEqual(comparable(onNode));
  });

  it("serves concurrent requests, each through its own request's database client", async () => {
    // The app is the isolate's, its database the request's: a client shared across requests would
    // make workerd refuse the I/O ("Cannot perform I/O on behalf of a different request") with a 500.
    const paths = Array.from({ length: 12 }, (_, i) =>
      i % 2 === 0 ? "/readyz" : `/trpc/clusters.list?input=${encodeURIComponent("{}")}`,
    );
    const answers = await Promise.all(paths.map((path) => fetch(new URL(path, base))));
    expect(answers.map((answer) => answer.status)).toEqual(paths.map(() => 200));
  });

  it("leaves no database connection open once its requests are over", async () => {
    for (let i = 0; i < 20; i++) expect((await fetch(new URL("/readyz", base))).status).toBe(200);
    let others = Number.POSITIVE_INFINITY;
    for (let attempt = 0; attempt < 30 && others > 0; attempt++) {
      const [row] = await rawRows<{ n: number }>(
        database.db,
        sql`SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid()
              AND application_name <> 'portolan-test-probe'`,
      );
      others = row?.n ?? 0;
      if (others > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(others).toBe(0);
  });

  it("prunes old snapshot log rows on the cron trigger but keeps each cluster's last one", async () => {
    const [cluster] = await rawRows<{ id: number; last: number }>(
      database.db,
      sql`SELECT id, last_snapshot_id AS last FROM clusters WHERE name = 'prod-eu-1'`,
    );
    expect(cluster).toBeDefined();
    // Two pushes' log rows from long before the retention, plus the current one made old too.
    await database.db.execute(sql`
      INSERT INTO snapshots (cluster_id, observed_at, received_at, hash, changed, node_count, pod_count,
                             allocation_count, opened, closed)
      SELECT ${cluster?.id}, t, t, 'old', false, 0, 0, 0, 0, 0
      FROM unnest(ARRAY[now() - interval '90 days', now() - interval '60 days']) AS t`);
    await database.db.execute(
      sql`UPDATE snapshots SET received_at = now() - interval '45 days' WHERE id = ${cluster?.last}`,
    );
    // How wrangler's local server runs a cron trigger (worker.scheduled() cannot find the Worker by name).
    const ran = await fetch(
      new URL(`/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("*/15 * * * *")}`, base),
    );
    expect(ran.status).toBe(200);
    const left = await rawRows<{ id: number }>(database.db, sql`SELECT id FROM snapshots ORDER BY id`);
    expect(left.map((r) => Number(r.id))).toEqual([Number(cluster?.last)]);
  });
});
