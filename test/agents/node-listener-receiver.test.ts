/**
 * The agent's receiver for node readers, over real HTTP with a fake TokenReview / pod API: a report
 * is accepted only from the readers' ServiceAccount, for the node its token is bound to, valid and
 * within the size bound; accepted reports reach the cluster state's sink, expire after missed
 * heartbeats and go when their node leaves.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { ListenerTarget } from "../../agents/src/listeners/book.js";
import { ReceiverConfigError, receiverConfigFromEnv } from "../../agents/src/listeners/config.js";
import { PodOwnerIndex } from "../../agents/src/listeners/pod-owners.js";
import type { ReviewApi, TokenReviewStatus } from "../../agents/src/listeners/review-api.js";
import { type ListenerService, startListenerService } from "../../agents/src/listeners/service.js";
import { silentLogger } from "../../agents/src/ops/log.js";
import { createAgentMetrics } from "../../agents/src/ops/metrics.js";
import type { NodeListeners } from "../../src/contract/listeners.js";

const READER = "system:serviceaccount:portolan-node-reader:portolan-node-reader";

/** Tokens the fake API server knows: token → its review. */
const TOKENS: Record<string, TokenReviewStatus> = {
  "worker-1": {
    authenticated: true,
    username: READER,
    audiences: ["portolan-agent"],
    extra: {
      "authentication.kubernetes.io/node-name": ["worker-1"],
      "authentication.kubernetes.io/pod-name": ["portolan-node-reader-abcde"],
    },
  },
  // An older API server: the token names its pod only.
  "pod-only": {
    authenticated: true,
    username: READER,
    extra: {
      "authentication.kubernetes.io/pod-name": ["portolan-node-reader-fghij"],
      "authentication.kubernetes.io/pod-uid": ["uid-2"],
    },
  },
  "stale-pod": {
    authenticated: true,
    username: READER,
    extra: {
      "authentication.kubernetes.io/pod-name": ["portolan-node-reader-fghij"],
      "authentication.kubernetes.io/pod-uid": ["uid-old"],
    },
  },
  unbound: { authenticated: true, username: READER },
  "other-sa": {
    authenticated: true,
    username: "system:serviceaccount:kube-system:default",
    extra: { "authentication.kubernetes.io/node-name": ["worker-1"] },
  },
  "other-audience": { authenticated: true, username: READER, audiences: ["https://kubernetes.default.svc"] },
};

function fakeApi() {
  const calls = { reviews: 0, pods: [] as string[] };
  const api: ReviewApi = {
    reviewToken: async (token, audiences) => {
      calls.reviews++;
      expect(audiences).toEqual(["portolan-agent"]);
      if (token === "api-down") throw new Error("connect ECONNREFUSED");
      return TOKENS[token] ?? { authenticated: false, error: "invalid bearer token" };
    },
    readPod: async (namespace, name) => {
      calls.pods.push(`${namespace}/${name}`);
      return name === "portolan-node-reader-fghij" ? { uid: "uid-2", nodeName: "worker-2" } : undefined;
    },
  };
  return { api, calls };
}

function fakeState(nodes: string[]) {
  const upserts: [string, NodeListeners | null][] = [];
  const target: ListenerTarget & { nodes: Map<string, unknown> } = {
    nodes: new Map(nodes.map((n) => [n, {}])),
    nodeListenerSink: { upsert: (node, report) => upserts.push([node, report]) },
  };
  return { target, upserts };
}

const report = (node: string, extra: Record<string, unknown> = {}) => ({
  node,
  attribution: "none",
  localPortRange: { from: 32768, to: 60999 },
  listeners: [
    { protocol: "TCP", address: "127.0.0.1", port: 29103, processes: [] },
    { protocol: "TCP", address: "::", port: 10250, processes: [] },
  ],
  ...extra,
});

let service: ListenerService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

async function start(
  env: Record<string, string> = {},
  extra: Pick<Parameters<typeof startListenerService>[1], "listNodePods" | "nodePodsIntervalMs"> = {},
) {
  const { api, calls } = fakeApi();
  const metrics = createAgentMetrics();
  let now = Date.parse("2026-01-01T00:00:00Z");
  const config = receiverConfigFromEnv({
    PORTOLAN_LISTENER_PORT: "1",
    PORTOLAN_LISTENER_HOST: "127.0.0.1",
    ...env,
  });
  if (!config) throw new Error("no config");
  service = await startListenerService(
    { ...config, port: 0 },
    { api, metrics, logger: silentLogger, now: () => now, ...extra },
  );
  const url = `${service.url}/v1/node-listeners`;
  const post = (token: string | undefined, body: unknown, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const advance = (ms: number) => {
    now += ms;
  };
  return { service, post, calls, metrics, advance };
}

describe("the node listener receiver", () => {
  it("accepts a report of the token's node and passes it to the cluster state, normalised", async () => {
    const { service, post, metrics } = await start();
    const { target, upserts } = fakeState(["worker-1", "worker-2"]);
    service.attach(target);
    const response = await post("worker-1", report("worker-1"));
    expect(response.status).toBe(204);
    expect(upserts).toHaveLength(1);
    const [node, sent] = upserts[0] ?? [];
    expect(node).toBe("worker-1");
    expect(sent?.listeners).toEqual([
      { protocol: "TCP", address: "127.0.0.1", family: 4, port: 29103, scope: "loopback", processes: [] },
      { protocol: "TCP", address: "::", family: 6, port: 10250, scope: "wildcard", processes: [] },
    ]);
    expect(metrics.listenerReports.get({ result: "accepted" })).toBe(1);
    expect(metrics.observedNodes.get()).toBe(1);
  });

  it("takes the node from the token's pod when the token carries no node name", async () => {
    const { service, post, calls } = await start();
    const { target, upserts } = fakeState(["worker-2"]);
    service.attach(target);
    expect((await post("pod-only", report("worker-2"))).status).toBe(204);
    expect(calls.pods).toEqual(["portolan-node-reader/portolan-node-reader-fghij"]);
    expect(upserts.map(([n]) => n)).toEqual(["worker-2"]);
  });

  it("reviews a token once within the cache's lifetime, and again after it", async () => {
    const { post, calls, advance } = await start({ PORTOLAN_LISTENER_REVIEW_CACHE: "60s" });
    for (let i = 0; i < 3; i++) expect((await post("worker-1", report("worker-1"))).status).toBe(204);
    expect(calls.reviews).toBe(1);
    advance(61_000);
    expect((await post("worker-1", report("worker-1"))).status).toBe(204);
    expect(calls.reviews).toBe(2);
  });

  it.each([
    ["no token", undefined, report("worker-1"), 401, "no-token"],
    ["an invalid token", "forged", report("worker-1"), 401, "unauthenticated"],
    ["a token for another audience", "other-audience", report("worker-1"), 401, "unauthenticated"],
    ["another ServiceAccount", "other-sa", report("worker-1"), 403, "wrong-service-account"],
    ["a token bound to no pod", "unbound", report("worker-1"), 403, "no-node-binding"],
    [
      "a token of a deleted pod whose name came back",
      "stale-pod",
      report("worker-2"),
      403,
      "no-node-binding",
    ],
    ["a report claiming another node", "worker-1", report("worker-2"), 403, "wrong-node"],
    ["a body that is not JSON", "worker-1", "{not json", 400, "bad-body"],
    [
      "a listener on port 0",
      "worker-1",
      report("worker-1", { listeners: [{ protocol: "TCP", address: "0.0.0.0", port: 0 }] }),
      400,
      "bad-body",
    ],
    [
      "an address that is none",
      "worker-1",
      report("worker-1", { listeners: [{ protocol: "TCP", address: "999.1.1.1", port: 22 }] }),
      400,
      "bad-body",
    ],
    ["the API server down", "api-down", report("worker-1"), 503, "review-failed"],
  ])("refuses %s", async (_what, token, body, status, reason) => {
    const { service, post, metrics } = await start();
    const { target, upserts } = fakeState(["worker-1", "worker-2"]);
    service.attach(target);
    const response = await post(token, body);
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ code: reason });
    expect(upserts).toEqual([]);
    expect(metrics.listenerRefusals.get({ reason })).toBe(1);
    expect(metrics.listenerReports.get({ result: "refused" })).toBe(1);
  });

  it("refuses a body above the bound, whether its length is declared or not", async () => {
    const { post, metrics, calls } = await start({ PORTOLAN_LISTENER_MAX_BODY_KB: "16" });
    const listeners = Array.from({ length: 400 }, (_, i) => ({
      protocol: "TCP",
      address: "10.0.0.1",
      port: i + 1,
    }));
    const declared = await post("worker-1", report("worker-1", { listeners }));
    expect(declared.status).toBe(413);
    // Refused on its Content-Length, before any TokenReview.
    expect(calls.reviews).toBe(0);
    const body = JSON.stringify(report("worker-1", { listeners }));
    const chunked = await fetch(`${service?.url}/v1/node-listeners`, {
      method: "POST",
      headers: { authorization: "Bearer worker-1", "content-type": "application/json" },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(body));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(metrics.listenerRefusals.get({ reason: "too-big" })).toBe(2);
  });

  it("answers 429 with Retry-After beyond the reports it handles at once", async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered: () => void = () => {};
    const inReview = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const config = receiverConfigFromEnv({
      PORTOLAN_LISTENER_PORT: "1",
      PORTOLAN_LISTENER_HOST: "127.0.0.1",
    });
    if (!config) throw new Error("no config");
    const metrics = createAgentMetrics();
    service = await startListenerService(
      { ...config, port: 0, maxInFlight: 1 },
      {
        api: {
          reviewToken: async () => {
            entered();
            await held;
            return TOKENS["worker-1"] as TokenReviewStatus;
          },
          readPod: async () => undefined,
        },
        metrics,
        logger: silentLogger,
      },
    );
    const post = () =>
      fetch(`${service?.url}/v1/node-listeners`, {
        method: "POST",
        headers: { authorization: "Bearer worker-1", "content-type": "application/json" },
        body: JSON.stringify(report("worker-1")),
      });
    const first = post();
    await inReview;
    const second = await post();
    expect(second.status).toBe(429);
    expect(second.headers.get("retry-after")).toBe("5");
    release();
    expect((await first).status).toBe(204);
    expect(metrics.listenerRefusals.get({ reason: "busy" })).toBeGreaterThanOrEqual(1);
  });

  it("answers 404 and 405 elsewhere", async () => {
    const { service } = await start();
    expect((await fetch(`${service.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${service.url}/v1/node-listeners`)).status).toBe(405);
  });
});

describe("the receiver's report book", () => {
  it("expires a report after three of its reader's heartbeats without a new one", async () => {
    const { service, post, advance, metrics } = await start();
    const { target, upserts } = fakeState(["worker-1"]);
    service.attach(target);
    await post("worker-1", report("worker-1"), { "portolan-heartbeat-seconds": "60" });
    advance(179_000);
    service.sweep();
    expect(upserts.map(([, r]) => r === null)).toEqual([false]);
    advance(1000);
    service.sweep();
    expect(upserts.map(([n, r]) => [n, r === null])).toEqual([
      ["worker-1", false],
      ["worker-1", true],
    ]);
    expect(metrics.observedNodes.get()).toBe(0);
  });

  it("counts missed heartbeats as configured, from the default heartbeat when the reader gives none", async () => {
    const { service, post, advance } = await start({
      PORTOLAN_LISTENER_MISSED_HEARTBEATS: "2",
      PORTOLAN_LISTENER_HEARTBEAT: "5m",
    });
    const { target, upserts } = fakeState(["worker-1"]);
    service.attach(target);
    await post("worker-1", report("worker-1"));
    advance(599_000);
    service.sweep();
    expect(upserts).toHaveLength(1);
    advance(1000);
    service.sweep();
    expect(upserts.at(-1)).toEqual(["worker-1", null]);
  });

  it("a new report restarts the count", async () => {
    const { service, post, advance } = await start();
    const { target, upserts } = fakeState(["worker-1"]);
    service.attach(target);
    await post("worker-1", report("worker-1"), { "portolan-heartbeat-seconds": "60" });
    advance(170_000);
    await post("worker-1", report("worker-1"), { "portolan-heartbeat-seconds": "60" });
    advance(170_000);
    service.sweep();
    expect(upserts.every(([, r]) => r !== null)).toBe(true);
  });

  it("drops the report of a node that left the cluster", async () => {
    const { service, post } = await start();
    const { target, upserts } = fakeState(["worker-1"]);
    service.attach(target);
    await post("worker-1", report("worker-1"));
    target.nodes.delete("worker-1");
    service.sweep();
    expect(upserts.at(-1)).toEqual(["worker-1", null]);
    expect(service.book.has("worker-1")).toBe(false);
  });

  it("holds a report until the watch lists its node, and until the cluster state exists", async () => {
    const { service, post } = await start();
    expect((await post("worker-1", report("worker-1"))).status).toBe(204);
    const { target, upserts } = fakeState([]);
    service.attach(target);
    expect(upserts).toEqual([]);
    expect(service.book.passedOn("worker-1")).toBe(false);
    target.nodes.set("worker-1", {});
    service.sweep();
    expect(upserts.map(([n]) => n)).toEqual(["worker-1"]);
    expect(service.book.passedOn("worker-1")).toBe(true);
  });
});

describe("the receiver with the pod tier", () => {
  const uid = "6d0c5a1e-8f3b-4e2a-9c7d-0a1b2c3d4e5f";
  const containerId = "a".repeat(64);
  const router = {
    uid,
    namespace: "openshift-ingress",
    name: "router-default-5d9f",
    containers: [{ id: containerId, name: "router" }],
  };
  const podTierReport = report("worker-1", {
    attribution: "pod",
    listeners: [
      { protocol: "TCP", address: "0.0.0.0", port: 22, processes: [{ name: "sshd", pid: 10 }] },
      { protocol: "TCP", address: "0.0.0.0", port: 443, processes: [{ name: "haproxy", pid: 20 }] },
    ],
    owners: [{ pid: 10 }, { pid: 20, pod: { uid, containerId } }],
  });

  function podState() {
    const state = fakeState(["worker-1"]);
    const podOwners = new PodOwnerIndex();
    return { ...state, podOwners, target: { ...state.target, podOwners } };
  }

  it("names each listener's pod from the cluster's pods before the state sees the report", async () => {
    const { service, post } = await start();
    const { target, upserts, podOwners } = podState();
    podOwners.upsert("openshift-ingress/router-default-5d9f", router);
    service.attach(target);
    expect((await post("worker-1", podTierReport)).status).toBe(204);
    const sent = upserts.at(-1)?.[1];
    expect(sent?.attribution).toBe("pod");
    expect(sent?.listeners.map((l) => [l.port, l.pod])).toEqual([
      [22, undefined],
      [443, { namespace: "openshift-ingress", name: "router-default-5d9f", container: "router" }],
    ]);
    expect(sent && "owners" in sent).toBe(false);
  });

  it("passes a report on as processes only while a pod is unknown, and names it at the sweep after the pods change", async () => {
    const { service, post } = await start();
    const { target, upserts, podOwners } = podState();
    service.attach(target);
    await post("worker-1", podTierReport);
    expect(upserts.map(([, r]) => r?.attribution)).toEqual(["process"]);
    service.sweep(); // nothing new about pods: not resolved again
    expect(upserts).toHaveLength(1);
    podOwners.upsert("openshift-ingress/router-default-5d9f", router);
    service.sweep();
    expect(upserts.map(([, r]) => r?.attribution)).toEqual(["process", "pod"]);
    expect(upserts.at(-1)?.[1]?.listeners[1]?.pod?.name).toBe("router-default-5d9f");
    service.sweep();
    expect(upserts).toHaveLength(2);
  });

  it("lists the node's pods for an owner the watch's pods cannot name, once, and keeps what it found", async () => {
    const listed: string[] = [];
    const shared = {
      uid,
      namespace: "shop",
      name: "cache-0",
      containers: [{ id: containerId, name: "memcached" }],
    };
    const other = {
      uid: "00000000-0000-4000-8000-000000000001",
      namespace: "shop",
      name: "web",
      containers: [],
    };
    const { service, post, advance } = await start(
      {},
      {
        listNodePods: async (node) => {
          listed.push(node);
          return [other, shared];
        },
        nodePodsIntervalMs: 60_000,
      },
    );
    const { target, upserts } = podState(); // an empty index: the watch keeps no such pod
    service.attach(target);
    await post("worker-1", podTierReport);
    expect(upserts.map(([, r]) => r?.attribution)).toEqual(["process"]);
    await new Promise((resolve) => setImmediate(resolve));
    service.sweep();
    expect(listed).toEqual(["worker-1"]);
    expect(upserts.map(([, r]) => r?.attribution)).toEqual(["process", "pod"]);
    expect(upserts.at(-1)?.[1]?.listeners[1]?.pod).toEqual({
      namespace: "shop",
      name: "cache-0",
      container: "memcached",
    });
    // The reader's next report is named at once, with no new LIST.
    advance(1000);
    await post("worker-1", podTierReport);
    expect(upserts.at(-1)?.[1]?.attribution).toBe("pod");
    expect(listed).toEqual(["worker-1"]);
  });

  it("lists the node's pods again after the interval when the pod was not there yet", async () => {
    const answers = [
      [],
      [{ uid, namespace: "shop", name: "cache-0", containers: [{ id: containerId, name: "m" }] }],
    ];
    let lists = 0;
    const { service, post, advance } = await start(
      {},
      { listNodePods: async () => answers[lists++] ?? [], nodePodsIntervalMs: 60_000 },
    );
    const { target, upserts } = podState();
    service.attach(target);
    await post("worker-1", podTierReport);
    const settle = async () => {
      await new Promise((resolve) => setImmediate(resolve));
      service.sweep();
    };
    await settle();
    await settle();
    expect([lists, upserts.at(-1)?.[1]?.attribution]).toEqual([1, "process"]);
    advance(30_000);
    await settle();
    expect(lists).toBe(1); // not before the interval
    advance(31_000);
    await settle();
    await settle();
    expect([lists, upserts.at(-1)?.[1]?.attribution]).toEqual([2, "pod"]);
  });

  it.each([
    ["a container id that is not 64 hex digits", [{ pid: 20, pod: { containerId: "abc" } }]],
    ["a pod UID that is not a UID", [{ pid: 20, pod: { uid: "router" } }]],
    ["a pid of 0", [{ pid: 0 }]],
  ])("refuses owners with %s", async (_name, owners) => {
    const { post } = await start();
    const response = await post("worker-1", { ...podTierReport, owners });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe("bad-body");
  });
});

describe("the receiver's settings", () => {
  it("are off without PORTOLAN_LISTENER_PORT", () => {
    expect(receiverConfigFromEnv({})).toBeUndefined();
  });

  it("default to the portolan-node-reader ServiceAccount, 3 missed heartbeats of 10 min, 4 MiB", () => {
    expect(receiverConfigFromEnv({ PORTOLAN_LISTENER_PORT: "9091" })).toEqual({
      port: 9091,
      host: "0.0.0.0",
      serviceAccount: { namespace: "portolan-node-reader", name: "portolan-node-reader" },
      missedHeartbeats: 3,
      defaultHeartbeatMs: 600_000,
      maxBodyBytes: 4 * 1024 * 1024,
      reviewCacheMs: 60_000,
      maxInFlight: 32,
    });
  });

  it.each([
    [{ PORTOLAN_LISTENER_PORT: "http" }, "PORTOLAN_LISTENER_PORT: must be a whole number"],
    [
      { PORTOLAN_NODE_READER_SERVICE_ACCOUNT: "reader" },
      'PORTOLAN_NODE_READER_SERVICE_ACCOUNT: must be "<namespace>:<name>"',
    ],
    [{ PORTOLAN_LISTENER_MISSED_HEARTBEATS: "0" }, "PORTOLAN_LISTENER_MISSED_HEARTBEATS: must be at least 1"],
    [{ PORTOLAN_LISTENER_HEARTBEAT: "often" }, 'PORTOLAN_LISTENER_HEARTBEAT: "often" is not a duration'],
  ])("refuse %j naming the variable", (env, message) => {
    expect(() => receiverConfigFromEnv({ PORTOLAN_LISTENER_PORT: "9091", ...env })).toThrow(
      ReceiverConfigError,
    );
    expect(() => receiverConfigFromEnv({ PORTOLAN_LISTENER_PORT: "9091", ...env })).toThrow(message);
  });
});
