/**
 * Item 8 of issue 8: when the database is away, answers come quickly and say so (503
 * DATABASE_UNAVAILABLE with Retry-After, /readyz 503), and everything works again once it is back.
 * The app talks to PostgreSQL through a TCP proxy that can refuse connections or swallow them
 * (blackhole, a silent partition). PostgreSQL only: the embedded database has no connection to
 * lose; CI runs the suite on PostgreSQL too.
 */

import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { createPostgresDatabase, DEFAULT_TIMEOUTS, type PostgresHandle } from "../../src/db/postgres.js";
import { rawRows } from "../../src/db/raw.js";
import type { DatabaseHandle } from "../../src/db/types.js";
import { watchedSocket } from "../../src/db/watched-socket.js";
import { ADMIN_TOKEN } from "../helpers/app.js";
import { createTestDatabase, onRealPostgres } from "../helpers/database.js";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.js";

/** Short limits, so the bounded waits below stay short. */
const timeouts = { ...DEFAULT_TIMEOUTS, connectTimeoutSeconds: 2, statementTimeoutMs: 1_000 };
const SILENCE_LIMIT_MS = 1_500;

/** Liveness bound: fails if `work` has not settled within `ms`. */
async function within<T>(ms: number, work: T | Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe.skipIf(!onRealPostgres())("the database away (PostgreSQL)", () => {
  let target: DatabaseHandle & { url?: string };
  let proxy: TcpProxy;
  let database: PostgresHandle;
  let app: ReturnType<typeof createApp>;

  const who = () =>
    app.request(`/trpc/ports.who?input=${encodeURIComponent(JSON.stringify({ hostPort: 9100 }))}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });

  /** Bounded wait until the app answers 200 again (postgres.js reconnects with a backoff). */
  async function untilAnswering(): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt++) {
      if ((await who()).status === 200) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("never answered 200 again");
  }

  async function expectUnavailable(res: Response) {
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    const body = (await res.json()) as {
      error: { message: string; data: { reason: string; requestId: string } };
    };
    expect(body.error.data.reason).toBe("DATABASE_UNAVAILABLE");
    expect(body.error.data.requestId).toBe(res.headers.get("x-request-id"));
  }

  beforeAll(async () => {
    target = await createTestDatabase();
    const url = new URL(target.url ?? "");
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    database = createPostgresDatabase(proxy.url(target.url ?? ""), {
      timeouts,
      socket: watchedSocket(SILENCE_LIMIT_MS),
    });
    app = createApp({
      database,
      auth: { adminToken: ADMIN_TOKEN, openAccess: false },
      staleAfterSeconds: 600,
      maxSnapshotBytes: 1024 * 1024,
    });
  });
  afterEach(async () => {
    await proxy.setMode("pass");
    await untilAnswering();
  });
  afterAll(async () => {
    await database?.close();
    await proxy?.close();
    await target?.close();
  });

  it("sets the server-side timeouts on every session", async () => {
    const [row] = await rawRows<{ statement: string; lock: string; idle: string }>(
      database.db,
      sql`SELECT current_setting('statement_timeout') AS statement, current_setting('lock_timeout') AS lock,
                 current_setting('idle_in_transaction_session_timeout') AS idle`,
    );
    expect(row).toEqual({ statement: "1s", lock: "10s", idle: "1min" });
  });

  it("answers 503 DATABASE_UNAVAILABLE with Retry-After quickly while connections are refused, 200 after", async () => {
    expect((await who()).status).toBe(200);
    await proxy.setMode("refuse");
    proxy.cut();
    await expectUnavailable(await within(timeouts.connectTimeoutSeconds * 1000, who()));
    await proxy.setMode("pass");
    await untilAnswering();
  });

  it("answers 503 within the silence limit when the database goes silent (blackhole), 200 after", async () => {
    expect((await who()).status).toBe(200);
    await proxy.setMode("blackhole");
    // Open connections now go nowhere; new ones are accepted and never answered.
    await expectUnavailable(await within(SILENCE_LIMIT_MS + 2_000, who()));
    await proxy.setMode("pass");
    proxy.cut();
    await untilAnswering();
  });

  it("says not ready while the database is away, quickly, and ready again after", async () => {
    await proxy.setMode("blackhole");
    const notReady = await within(3_000, app.request("/readyz"));
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ status: "not ready" });
    await proxy.setMode("refuse");
    proxy.cut();
    const refused = await within(3_000, app.request("/readyz"));
    expect(refused.status).toBe(503);
    // The check meets either a pooled connection closing under the cut or the refused reconnect: which
    // comes first is a race between the proxy's cut and the pool's close event, and both name the cause.
    expect(((await refused.json()) as { reason: string }).reason).toMatch(
      /unreachable \((ECONNREFUSED|CONNECTION_CLOSED)\)/,
    );
    await proxy.setMode("pass");
    await untilAnswering();
    expect((await app.request("/readyz")).status).toBe(200);
  });
});
