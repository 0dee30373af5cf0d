import { EventEmitter } from "node:events";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../agents/src/ops/log.js";
import { createAgentMetrics } from "../../agents/src/ops/metrics.js";
import { keyedState } from "../../agents/src/push/delta.js";
import { Pusher, type PushResult } from "../../agents/src/push/pusher.js";
import { Spool } from "../../agents/src/push/spool.js";
import { httpTransport, type PushOutcome, type SnapshotTransport } from "../../agents/src/push/transport.js";
import { retryAfterMs } from "../../src/contract/retry-after.js";
import type { Snapshot } from "../../src/contract/snapshot.js";
import { until } from "./helpers/wait.js";

const at = (second: number) => new Date(Date.UTC(2026, 10, 27, 10, 0, second)).toISOString();
const snapshotAt = (second: number, pods = 0): Snapshot => ({
  schemaVersion: 1,
  cluster: "prod-eu-1",
  observedAt: at(second),
  nodes: [{ name: "n1", labels: {}, unschedulable: false, ready: true, taints: [], addresses: [] }],
  pods: Array.from({ length: pods }, (_, i) => ({
    namespace: "ns",
    name: `p${i}`,
    node: "n1",
    phase: "Running" as const,
    hostNetwork: true,
    owner: null,
    ports: [],
    nodeSelector: {},
    tolerations: [],
    requiredNodeAffinity: null,
    scheduling: null,
  })),
  ingressControllers: [],
});

describe("Retry-After", () => {
  const now = Date.parse("2026-11-27T10:00:00Z");
  it.each([
    ["120", 120_000],
    ["0", 0],
    ["Fri, 27 Nov 2026 10:00:30 GMT", 30_000],
    ["Fri, 27 Nov 2026 09:00:00 GMT", 0],
    ["soon", undefined],
    [null, undefined],
  ])("%s → %s ms", (header, ms) => {
    expect(retryAfterMs(header, now)).toBe(ms);
  });
});

describe("the HTTP transport", () => {
  let received: { headers: IncomingMessage["headers"]; body: Buffer }[] = [];
  let answer: (res: ServerResponse) => void = (res) => res.end();
  let url: string;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      answer(res);
    });
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const send = async (status: number, body: unknown, headers: Record<string, string> = {}) => {
    received = [];
    answer = (res) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };
    const transport = httpTransport({ server: `${url}/`, token: "ptl_agent_x" }, fetch, () =>
      Date.parse("2026-11-27T10:00:00Z"),
    );
    return transport(gzipSync(JSON.stringify(snapshotAt(1))));
  };

  it("posts the gzipped snapshot with the agent token to /v1/snapshots", async () => {
    const outcome = await send(200, { changed: true, opened: 3, closed: 1, snapshotId: 7 });
    expect(outcome).toEqual({ kind: "accepted", status: 200, changed: true, opened: 3, closed: 1 });
    const [request] = received;
    expect(request?.headers).toMatchObject({
      authorization: "Bearer ptl_agent_x",
      "content-encoding": "gzip",
      "content-type": "application/json",
    });
    expect(JSON.parse(gunzipSync(request!.body).toString("utf8"))).toEqual(snapshotAt(1));
  });

  it.each([
    [401, { error: { code: "UNAUTHORIZED", message: "unknown token" } }, {}, { kind: "fatal", status: 401 }],
    [403, { error: { code: "FORBIDDEN", message: "wrong cluster" } }, {}, { kind: "fatal", status: 403 }],
    [
      409,
      { error: { code: "STALE_SNAPSHOT", message: "older" } },
      {},
      { kind: "rejected", status: 409, code: "STALE_SNAPSHOT" },
    ],
    [
      400,
      { error: { code: "OBSERVED_AT_IN_FUTURE", message: "ahead" } },
      {},
      { kind: "rejected", code: "OBSERVED_AT_IN_FUTURE" },
    ],
    [422, "not json", {}, { kind: "rejected", code: "HTTP_422" }],
    [408, { error: { code: "REQUEST_TIMEOUT", message: "slow body" } }, {}, { kind: "retry", status: 408 }],
    [
      429,
      { error: { code: "PUSH_IN_PROGRESS", message: "another push of this cluster" } },
      { "retry-after": "2" },
      { kind: "retry", status: 429, retryAfterMs: 2000 },
    ],
    [
      400,
      { error: { code: "UNKNOWN_NODE", message: "bad", issues: [{ path: "pods.0.node" }] } },
      {},
      {
        kind: "rejected",
        code: "UNKNOWN_NODE",
        issues: [{ path: "pods.0.node" }],
      },
    ],
    [413, { error: { code: "PAYLOAD_TOO_LARGE", message: "big" } }, {}, { kind: "rejected", status: 413 }],
    [
      503,
      { error: { code: "UNAVAILABLE", message: "db down" } },
      {},
      { kind: "retry", status: 503, retryAfterMs: undefined },
    ],
    [
      429,
      { error: { code: "TOO_MANY", message: "slow down" } },
      { "retry-after": "7" },
      {
        kind: "retry",
        status: 429,
        retryAfterMs: 7000,
      },
    ],
  ])("answers %i as %o", async (status, body, headers, expected) => {
    expect(await send(status, body, headers)).toMatchObject(expected);
  });

  it("turns a refused connection into a retry, never a throw", async () => {
    const transport = httpTransport({ server: "http://127.0.0.1:1", token: "t" });
    expect(await transport(new Uint8Array([1]))).toMatchObject({ kind: "retry", status: undefined });
  });
});

/** A transport that answers from a script and records what it was sent (decoded). */
function scripted(answers: PushOutcome[]) {
  const sent: Snapshot[] = [];
  const transport: SnapshotTransport = async (body) => {
    sent.push(JSON.parse(gunzipSync(body).toString("utf8")));
    return answers.shift() ?? { kind: "accepted", status: 200, changed: true, opened: 0, closed: 0 };
  };
  return { sent, transport };
}

const unavailable: PushOutcome = { kind: "retry", status: 503, message: "down", retryAfterMs: undefined };
const stale: PushOutcome = {
  kind: "rejected",
  status: 409,
  code: "STALE_SNAPSHOT",
  message: "older",
  issues: [],
};
const future: PushOutcome = {
  kind: "rejected",
  status: 400,
  code: "OBSERVED_AT_IN_FUTURE",
  message: "ahead of the server clock",
  issues: [],
};

async function pusherWith(
  answers: PushOutcome[],
  options: {
    maxEntries?: number;
    dir?: string;
    rejectedKept?: number;
    transport?: SnapshotTransport;
    deltas?: boolean;
    authRetryMs?: number;
    beforeAuthRetry?: () => Promise<void>;
  } = {},
) {
  const scriptedTransport = scripted(answers);
  const { sent } = scriptedTransport;
  const transport = options.transport ?? scriptedTransport.transport;
  const waits: number[] = [];
  const results: PushResult[] = [];
  const events = new EventEmitter();
  const metrics = createAgentMetrics();
  const spool = await Spool.open({
    maxEntries: options.maxEntries ?? 100,
    maxBytes: 1 << 24,
    ...(options.dir ? { dir: options.dir } : {}),
    ...(options.rejectedKept ? { rejectedKept: options.rejectedKept } : {}),
    logger: silentLogger,
  });
  const pusher = new Pusher({
    cluster: "prod-eu-1",
    transport,
    spool,
    delay: async (ms) => {
      waits.push(ms);
    },
    clock: { now: () => new Date("2026-11-27T10:05:00Z") },
    backoff: { initialMs: 1000, maxMs: 8000 },
    random: () => 1, // the top of each jitter range, so waits are exact
    logger: silentLogger,
    metrics,
    deltas: options.deltas ?? false,
    ...(options.authRetryMs === undefined ? {} : { authRetryMs: options.authRetryMs }),
    ...(options.beforeAuthRetry ? { beforeAuthRetry: options.beforeAuthRetry } : {}),
    onResult: (r) => {
      results.push(r);
      events.emit("result");
    },
  });
  return { pusher, sent, waits, results, metrics, spool, events };
}

const offered = (second: number, kind: "change" | "heartbeat", pods = 0) => ({
  observedAt: at(second),
  hash: kind === "heartbeat" ? "h".repeat(64) : String(second).padStart(64, "0"),
  kind,
  body: gzipSync(JSON.stringify(snapshotAt(second, pods))),
});
const offerChange = (pusher: Pusher, second: number, pods = 0) =>
  pusher.offer(offered(second, "change", pods));

describe("the pusher", () => {
  it("retries 5xx and network errors with exponential backoff, then delivers in order", async () => {
    const network: PushOutcome = {
      kind: "retry",
      status: undefined,
      message: "ECONNREFUSED",
      retryAfterMs: undefined,
    };
    const p = await pusherWith([unavailable, network, unavailable, unavailable, unavailable]);
    await offerChange(p.pusher, 1);
    await offerChange(p.pusher, 2);
    await p.pusher.run(new AbortController().signal, { untilEmpty: true });
    expect(p.waits).toEqual([1000, 2000, 4000, 8000, 8000]);
    expect(p.sent.map((s) => s.observedAt)).toEqual([at(1), at(1), at(1), at(1), at(1), at(1), at(2)]);
    expect(p.metrics.pushFailures.get({ reason: "server" })).toBe(4);
    expect(p.metrics.pushFailures.get({ reason: "network" })).toBe(1);
    expect(p.metrics.pushes.get({ result: "accepted" })).toBe(2);
    expect(p.metrics.lastSuccess.get()).toBe(Date.parse("2026-11-27T10:05:00Z") / 1000);
  });

  describe("honours 429 with Retry-After from the API", () => {
    let answers: { status: number; retryAfter: string }[] = [];
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        const answer = answers.shift();
        if (!answer) return res.writeHead(200, { "content-type": "application/json" }).end("{}");
        res.writeHead(answer.status, {
          "content-type": "application/json",
          "retry-after": answer.retryAfter,
        });
        res.end(JSON.stringify({ error: { code: "PUSH_IN_PROGRESS", message: "another push" } }));
      });
    });
    let transport: SnapshotTransport;
    beforeAll(async () => {
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      transport = httpTransport({
        server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        token: "t",
      });
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it.each([
      ["2", 2_000],
      ["86400", 600_000], // a day is capped at ten minutes
      ["0", 1_000], // never below the first backoff step
    ])("Retry-After: %s waits %i ms before the retry", async (retryAfter, wait) => {
      answers = [{ status: 429, retryAfter }];
      const p = await pusherWith([], { transport });
      await offerChange(p.pusher, 1);
      await p.pusher.run(new AbortController().signal, { untilEmpty: true });
      expect(p.waits).toEqual([wait]);
      expect(p.results.map((r) => r.outcome.kind)).toEqual(["retry", "accepted"]);
    });
  });

  it("honours Retry-After on 429 instead of its own backoff", async () => {
    const p = await pusherWith([{ kind: "retry", status: 429, message: "slow", retryAfterMs: 30_000 }]);
    await offerChange(p.pusher, 1);
    await p.pusher.run(new AbortController().signal, { untilEmpty: true });
    expect(p.waits).toEqual([30_000]);
    expect(p.metrics.pushFailures.get({ reason: "throttled" })).toBe(1);
  });

  it("sets a stale snapshot (409) aside and goes on with the next, without retrying it", async () => {
    const p = await pusherWith([stale]);
    await offerChange(p.pusher, 1);
    await offerChange(p.pusher, 2);
    await p.pusher.run(new AbortController().signal, { untilEmpty: true });
    expect(p.results.map((r) => [r.observedAt, r.outcome.kind])).toEqual([
      [at(1), "rejected"],
      [at(2), "accepted"],
    ]);
    expect(p.waits).toEqual([]);
    expect(p.metrics.snapshotsRejected.get({ code: "STALE_SNAPSHOT" })).toBe(1);
  });

  it("with a spool directory, moves a refused snapshot to rejected/ with a sidecar saying why", async () => {
    const dir = mkdtempSync(join(tmpdir(), "portolan-push-"));
    try {
      const p = await pusherWith([future], { dir });
      await offerChange(p.pusher, 1);
      await offerChange(p.pusher, 2);
      await p.pusher.run(new AbortController().signal, { untilEmpty: true });
      expect(p.sent.map((s) => s.observedAt)).toEqual([at(1), at(2)]);
      expect(p.spool.size).toBe(0);
      expect(readdirSync(dir)).toEqual(["rejected"]);
      const files = readdirSync(join(dir, "rejected")).sort();
      expect(files).toHaveLength(2);
      const [snapshot, sidecar] = files as [string, string];
      expect(sidecar).toMatch(/\.rejection\.json$/);
      expect(JSON.parse(gunzipSync(readFileSync(join(dir, "rejected", snapshot))).toString())).toEqual(
        snapshotAt(1),
      );
      expect(JSON.parse(readFileSync(join(dir, "rejected", sidecar), "utf8"))).toEqual({
        status: 400,
        code: "OBSERVED_AT_IN_FUTURE",
        message: "ahead of the server clock",
        rejectedAt: "2026-11-27T10:05:00.000Z",
        observedAt: at(1),
        hash: String(1).padStart(64, "0"),
      });
      expect(p.metrics.snapshotsRejected.get({ code: "OBSERVED_AT_IN_FUTURE" })).toBe(1);
      // A restart does not take rejected/ for a spooled snapshot.
      expect((await Spool.open({ dir, maxEntries: 10, maxBytes: 1 << 20, logger: silentLogger })).size).toBe(
        0,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps only the newest refused snapshots in rejected/", async () => {
    const dir = mkdtempSync(join(tmpdir(), "portolan-push-"));
    try {
      const p = await pusherWith([future, future, future, future], { dir, rejectedKept: 2 });
      for (const second of [1, 2, 3, 4]) await offerChange(p.pusher, second);
      await p.pusher.run(new AbortController().signal, { untilEmpty: true });
      const kept = readdirSync(join(dir, "rejected")).filter((f) => f.endsWith(".json.gz"));
      expect(kept.map((f) => Number(f.split("-")[1]))).toEqual([Date.parse(at(3)), Date.parse(at(4))]);
      expect(readdirSync(join(dir, "rejected"))).toHaveLength(4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("drops a snapshot the API refuses (400) and goes on", async () => {
    const p = await pusherWith([
      { kind: "rejected", status: 400, code: "UNKNOWN_NODE", message: "x", issues: [] },
    ]);
    await offerChange(p.pusher, 1);
    await offerChange(p.pusher, 2);
    await p.pusher.run(new AbortController().signal, { untilEmpty: true });
    expect(p.sent).toHaveLength(2);
    expect(p.metrics.pushes.get({ result: "rejected" })).toBe(1);
  });

  it.each([
    [401, /refused the agent token \(401 Unauthorized\)/],
    [403, /does not let this token push cluster "prod-eu-1" \(403 Forbidden\)/],
  ])("stops on %i with a message that says what to check, keeping what waits", async (status, message) => {
    const p = await pusherWith([{ kind: "fatal", status, code: "UNAUTHORIZED", message: "no" }]);
    await offerChange(p.pusher, 1);
    await offerChange(p.pusher, 2);
    await p.pusher.run(new AbortController().signal);
    expect(p.pusher.fatal?.message).toMatch(message);
    expect(p.sent).toHaveLength(1);
    expect(p.spool.size).toBe(2);
  });

  it("with authRetryMs, waits that long after 401/403 and tries again, keeping every change", async () => {
    const refused = (status: number): PushOutcome => ({ kind: "fatal", status, code: "X", message: "no" });
    let rereads = 0;
    const p = await pusherWith([refused(401), refused(403), refused(401)], {
      authRetryMs: 300_000,
      beforeAuthRetry: async () => {
        rereads += 1;
      },
    });
    await offerChange(p.pusher, 1);
    await offerChange(p.pusher, 2);
    await p.pusher.run(new AbortController().signal, { untilEmpty: true });
    expect(p.pusher.fatal).toBeUndefined();
    expect(p.waits).toEqual([300_000, 300_000, 300_000]);
    expect(rereads).toBe(3);
    expect(p.sent.map((s) => s.observedAt)).toEqual([at(1), at(1), at(1), at(1), at(2)]);
    expect(p.metrics.authFailures.get({ status: "401" })).toBe(2);
    expect(p.metrics.authFailures.get({ status: "403" })).toBe(1);
    expect(p.spool.size).toBe(0);
  });

  it("sends a heartbeat only when nothing waits, and only the newest", async () => {
    const p = await pusherWith([unavailable]);
    await offerChange(p.pusher, 1);
    await p.pusher.offer(offered(2, "heartbeat")); // ignored: a change waits
    await p.pusher.run(new AbortController().signal, { untilEmpty: true });
    await p.pusher.offer(offered(3, "heartbeat"));
    await p.pusher.offer(offered(4, "heartbeat"));
    await p.pusher.run(new AbortController().signal, { untilEmpty: true });
    expect(p.sent.map((s) => s.observedAt)).toEqual([at(1), at(1), at(4)]);
    expect(p.results.map((r) => r.kind)).toEqual(["change", "change", "heartbeat"]);
  });

  it("after an outage replays every waiting change with its own observedAt", async () => {
    const p = await pusherWith([unavailable, unavailable, unavailable]);
    const controller = new AbortController();
    const running = p.pusher.run(controller.signal);
    await offerChange(p.pusher, 1, 1);
    await offerChange(p.pusher, 2, 2);
    await offerChange(p.pusher, 3, 3);
    await until(
      () => p.results.filter((r) => r.outcome.kind === "accepted").length === 3,
      p.events,
      "result",
      "3 deliveries",
    );
    controller.abort();
    await running;
    const delivered = p.results.filter((r) => r.outcome.kind === "accepted");
    expect(delivered.map((r) => r.observedAt)).toEqual([at(1), at(2), at(3)]);
    expect(p.sent.at(-1)?.pods).toHaveLength(3);
  });

  it("counts snapshots dropped from a full spool", async () => {
    const p = await pusherWith([], { maxEntries: 2 });
    await offerChange(p.pusher, 1);
    await offerChange(p.pusher, 2);
    await offerChange(p.pusher, 3);
    expect(p.metrics.spoolDropped.get()).toBe(1);
    expect(p.metrics.spoolSnapshots.get()).toBe(2);
  });
});

/** A change offered with its state, as the producer offers it in watch mode. */
const withState = (second: number, pods: number) => {
  const snapshot = snapshotAt(second, pods);
  const { nodes, pods: list, ...header } = snapshot;
  return { ...offered(second, "change", pods), state: { header, keyed: keyedState(nodes, list) } };
};

const baseMismatch: PushOutcome = {
  kind: "rejected",
  status: 409,
  code: "BASE_MISMATCH",
  message: "not the last state",
  issues: [],
};

type SentDelta = {
  delta?: { base: string; hash: string; pods: { upsert: { name: string }[]; remove: unknown[] } };
};

describe("the pusher with deltas", () => {
  it("sends the changes against the last accepted state once the API has accepted one", async () => {
    const p = await pusherWith([], { deltas: true });
    await p.pusher.offer(withState(1, 1));
    await p.pusher.offer(withState(2, 3));
    await p.pusher.run(new AbortController().signal, { untilEmpty: true });
    const [first, second] = p.sent as SentDelta[];
    expect(first?.delta).toBeUndefined();
    expect(second?.delta).toMatchObject({ base: "1".padStart(64, "0"), hash: "2".padStart(64, "0") });
    expect(second?.delta?.pods.upsert.map((pod) => pod.name)).toEqual(["p1", "p2"]);
    expect(second?.delta?.pods.remove).toEqual([]);
  });

  it("follows a refused delta (409 BASE_MISMATCH) with the whole snapshot, which becomes the next base", async () => {
    const p = await pusherWith(
      [{ kind: "accepted", status: 200, changed: true, opened: 1, closed: 0 }, baseMismatch],
      {
        deltas: true,
      },
    );
    await p.pusher.offer(withState(1, 1));
    await p.pusher.offer(withState(2, 2));
    await p.pusher.offer(withState(3, 0));
    await p.pusher.run(new AbortController().signal, { untilEmpty: true });
    const sent = p.sent as (SentDelta & Snapshot)[];
    expect(sent.map((body) => (body.delta ? "delta" : "whole"))).toEqual([
      "whole",
      "delta",
      "whole",
      "delta",
    ]);
    expect(sent[3]?.delta).toMatchObject({
      base: "2".padStart(64, "0"),
      pods: {
        remove: [
          ["ns", "p0"],
          ["ns", "p1"],
        ],
      },
    });
    expect(p.results.map((r) => r.outcome.kind)).toEqual(["accepted", "accepted", "accepted"]);
  });

  it("sends whole snapshots when deltas are off, or when the state is not known", async () => {
    const off = await pusherWith([]);
    await off.pusher.offer(withState(1, 1));
    await off.pusher.offer(withState(2, 2));
    await off.pusher.run(new AbortController().signal, { untilEmpty: true });
    expect((off.sent as SentDelta[]).some((body) => body.delta)).toBe(false);
    const unknown = await pusherWith([], { deltas: true });
    await unknown.pusher.offer(withState(1, 1));
    await offerChange(unknown.pusher, 2, 2);
    await unknown.pusher.run(new AbortController().signal, { untilEmpty: true });
    expect((unknown.sent as SentDelta[]).some((body) => body.delta)).toBe(false);
  });
});
