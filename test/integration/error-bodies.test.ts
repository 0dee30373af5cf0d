/**
 * A failure tells the client a code, a message and a request id, never SQL or parameters (a token's
 * hash travelled in them); the log line carries the request id, the statement's kind and sizes, never
 * the parameters. A token lookup that fails is 503 (the client should retry, not drop its token);
 * any other unexpected failure is 500.
 */
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setLogSink } from "../../src/logging/logger.js";
import { hashToken } from "../../src/services/tokens.js";
import { createHarness, type Harness } from "../helpers/app.js";

const UNKNOWN_TOKEN = "ptl_read_this-token-is-not-registered";

describe("answers to unexpected failures", () => {
  let h: Harness;
  let logged: string[];
  let restoreSink: () => void;
  beforeEach(async () => {
    h = await createHarness();
    // A missing table makes the token lookup fail with a query carrying the token's hash.
    await h.database.db.execute(sql`DROP TABLE read_tokens`);
    logged = [];
    restoreSink = setLogSink((_level, line) => logged.push(line));
  });
  afterEach(async () => {
    restoreSink();
    await h.close();
  });

  async function expectNothingLeaked(body: string) {
    const hash = await hashToken(UNKNOWN_TOKEN);
    expect(body).not.toContain(hash);
    expect(body).not.toMatch(/select|read_tokens|params/i);
    for (const line of logged) expect(line).not.toContain(hash);
  }

  it("answers a tRPC call whose token lookup fails with 503 and the request id, and logs the statement's kind and sizes only", async () => {
    const res = await h.app.request("/trpc/ports.who?input=%7B%22hostPort%22%3A9100%7D", {
      headers: { authorization: `Bearer ${UNKNOWN_TOKEN}` },
    });
    const text = await res.text();
    expect(res.status).toBe(503);
    const requestId = res.headers.get("x-request-id");
    expect(requestId).toBeTruthy();
    const body = JSON.parse(text) as {
      error: { message: string; data: { reason: string; requestId: string } };
    };
    expect(body.error.data).toMatchObject({ reason: "DATABASE_UNAVAILABLE", requestId });
    await expectNothingLeaked(text);
    const line = logged
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.requestId === requestId);
    expect(line).toMatchObject({
      // The verb and the table, however the statement quotes it; never the values.
      statement: expect.stringMatching(/^select "?read_tokens"?$/),
      paramCount: 1,
      paramBytes: 64,
    });
  });

  it("answers any other unexpected failure with INTERNAL, a generic message and the request id", async () => {
    // The admin token needs no lookup: the failure comes from the procedure's own query.
    await h.database.db.execute(sql`DROP TABLE cluster_port_count_versions`);
    const res = await h.app.request("/trpc/ports.who?input=%7B%22hostPort%22%3A9100%7D", {
      headers: { authorization: `Bearer ${h.adminToken}` },
    });
    const text = await res.text();
    expect(res.status).toBe(500);
    const requestId = res.headers.get("x-request-id");
    const body = JSON.parse(text) as {
      error: { message: string; data: { reason: string; requestId: string } };
    };
    expect(body.error.data).toMatchObject({ reason: "INTERNAL", requestId });
    expect(body.error.message).toMatch(/^internal error/);
    expect(text).not.toMatch(/select|cluster_port_count_versions|params/i);
    const line = logged
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.requestId === requestId);
    expect(line).toMatchObject({ level: "error", statement: expect.stringMatching(/^select /) });
  });

  it("answers a REST call with {error:{code,message,requestId}} and nothing of the query", async () => {
    const res = await h.push(UNKNOWN_TOKEN, {});
    const text = await res.text();
    expect(res.status).toBe(503);
    const requestId = res.headers.get("x-request-id");
    expect(JSON.parse(text)).toEqual({
      error: { code: "DATABASE_UNAVAILABLE", message: expect.any(String), requestId },
    });
    await expectNothingLeaked(text);
    expect(logged.some((l) => l.includes(`"requestId":"${requestId}"`))).toBe(true);
  });

  it("keeps a request id the client sent, when it is short and plain, and puts it in refusals too", async () => {
    const res = await h.app.request("/v1/nowhere", { headers: { "x-request-id": "agent-42-push-7" } });
    expect(res.status).toBe(404);
    expect(res.headers.get("x-request-id")).toBe("agent-42-push-7");
    expect(((await res.json()) as { error: { requestId: string } }).error.requestId).toBe("agent-42-push-7");
  });
});
