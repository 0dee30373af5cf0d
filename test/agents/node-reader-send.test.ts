/**
 * Delivering a report: the projected token is read again for every attempt (the kubelet rotates it),
 * transient failures are retried a bounded number of times with backoff, refusals are not, a hung
 * request times out, and a body above the bound is never sent.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Post } from "../../agents/src/node-reader/http-post.js";
import { type SendOptions, sendReport } from "../../agents/src/node-reader/send.js";
import { silentLogger } from "../../agents/src/ops/log.js";
import type { NodeListeners } from "../../src/contract/listeners.js";

const work = mkdtempSync(join(tmpdir(), "node-reader-send-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const tokenFile = join(work, "token");

const report: NodeListeners = {
  node: "worker-1",
  attribution: "none",
  listeners: [{ protocol: "TCP", address: "0.0.0.0", family: 4, port: 22, scope: "wildcard", processes: [] }],
};

interface Call {
  authorization: string | null;
  heartbeat: string | null;
  body: string;
}

interface Answer {
  status: number;
  text?: string;
}

function options(answers: (Answer | Error | "hang")[], overrides: Partial<SendOptions> = {}) {
  const calls: Call[] = [];
  const waits: number[] = [];
  const post: Post = async (_url, request) => {
    calls.push({
      authorization: request.headers.authorization ?? null,
      heartbeat: request.headers["portolan-heartbeat-seconds"] ?? null,
      body: request.body,
    });
    // The token rotates between attempts.
    writeFileSync(tokenFile, `token-${calls.length + 1}\n`);
    const answer = answers.shift() ?? { status: 204 };
    if (answer === "hang") {
      return new Promise((_, reject) =>
        request.signal.addEventListener("abort", () => reject(request.signal.reason), { once: true }),
      );
    }
    if (answer instanceof Error) throw answer;
    return { status: answer.status, text: answer.text ?? "" };
  };
  const sendOptions: SendOptions = {
    url: "http://agent.test/v1/node-listeners",
    tokenFile,
    heartbeatMs: 600_000,
    requestTimeoutMs: 50,
    maxAttempts: 4,
    maxBodyBytes: 64 * 1024,
    backoff: { initialMs: 1000, maxMs: 8000 },
    post,
    delay: async (ms) => {
      waits.push(ms);
    },
    random: () => 0.5,
    logger: silentLogger,
    ...overrides,
  };
  return { sendOptions, calls, waits };
}

describe("sending a report", () => {
  it("posts the report with the current token and the reader's heartbeat", async () => {
    writeFileSync(tokenFile, "token-1\n");
    const { sendOptions, calls } = options([]);
    expect(await sendReport(report, sendOptions, new AbortController().signal)).toEqual({
      kind: "sent",
      attempts: 1,
    });
    expect(calls).toEqual([
      { authorization: "Bearer token-1", heartbeat: "600", body: JSON.stringify(report) },
    ]);
  });

  it("retries network errors, 5xx, 429 and 401 with growing waits, reading the token each time", async () => {
    writeFileSync(tokenFile, "token-1\n");
    const { sendOptions, calls, waits } = options([
      new Error("connect ECONNREFUSED"),
      { status: 503, text: "down" },
      { status: 401 },
    ]);
    expect(await sendReport(report, sendOptions, new AbortController().signal)).toEqual({
      kind: "sent",
      attempts: 4,
    });
    expect(calls.map((c) => c.authorization)).toEqual([
      "Bearer token-1",
      "Bearer token-2",
      "Bearer token-3",
      "Bearer token-4",
    ]);
    // Equal jitter with random 0.5: three quarters of each exponential step.
    expect(waits).toEqual([750, 1500, 3000]);
  });

  it("gives up after maxAttempts and says why", async () => {
    writeFileSync(tokenFile, "t\n");
    const { sendOptions, calls } = options(Array.from({ length: 4 }, () => ({ status: 502, text: "x" })));
    const outcome = await sendReport(report, sendOptions, new AbortController().signal);
    expect(outcome).toEqual({ kind: "failed", attempts: 4, reason: "HTTP 502: x" });
    expect(calls).toHaveLength(4);
  });

  it("does not retry a refusal (400, 403, 413)", async () => {
    for (const status of [400, 403, 413]) {
      writeFileSync(tokenFile, "t\n");
      const { sendOptions, calls } = options([{ status, text: '{"code":"wrong-node"}' }]);
      const outcome = await sendReport(report, sendOptions, new AbortController().signal);
      expect(outcome).toMatchObject({ kind: "refused", status });
      expect(calls).toHaveLength(1);
    }
  });

  it("abandons a request that hangs past the timeout, then retries", async () => {
    writeFileSync(tokenFile, "t\n");
    const { sendOptions, calls } = options(["hang"]);
    expect(await sendReport(report, sendOptions, new AbortController().signal)).toEqual({
      kind: "sent",
      attempts: 2,
    });
    expect(calls).toHaveLength(2);
  });

  it("never sends a body above the bound", async () => {
    const { sendOptions, calls } = options([], { maxBodyBytes: 100 });
    const outcome = await sendReport(report, sendOptions, new AbortController().signal);
    expect(outcome).toMatchObject({ kind: "refused", status: undefined });
    expect(calls).toHaveLength(0);
  });
});
