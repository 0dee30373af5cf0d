/**
 * The agent's Kubernetes client (agents/src/kube/) against the test API server: paginated LIST,
 * watch from the list's version, bookmarks, 410 Gone, reconnects and resyncs.
 */
import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { KubePod } from "../../agents/src/collect/kube-types.js";
import { podKey, toSnapshotPod } from "../../agents/src/collect/pod.js";
import { createKubeClient, type KubeClient } from "../../agents/src/kube/client.js";
import { loadKubeConfig } from "../../agents/src/kube/config.js";
import { listAll } from "../../agents/src/kube/list.js";
import { ListWatch } from "../../agents/src/kube/list-watch.js";
import { silentLogger } from "../../agents/src/ops/log.js";
import { realDelay } from "../../agents/src/util/time.js";
import type { SnapshotPod } from "../../src/contract/snapshot.js";
import { fixturePod, fixturePods } from "./helpers/fixtures.js";
import { type KubeTestServer, startKubeTestServer } from "./helpers/kube-test-server.js";
import { nextEvent, until } from "./helpers/wait.js";

const TOKEN = "kube-test-token";
let dir: string;
let server: KubeTestServer;
let client: KubeClient;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "portolan-lw-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(async () => {
  server = await startKubeTestServer({ token: TOKEN });
  for (const pod of fixturePods()) server.apply("pods", pod);
  const kubeconfig = server.writeKubeconfig(join(dir, "kubeconfig"));
  client = createKubeClient((await loadKubeConfig({ kubeconfig })).access);
});
afterEach(() => server.close());

const convertPod = (o: unknown) => toSnapshotPod(o as KubePod);
const keyOfPod = (o: unknown) => podKey(o as KubePod);

describe("paginated LIST", () => {
  it("pages with limit and continue, sends the kubeconfig's token, and keeps only host-port pods", async () => {
    const result = await listAll(client, "pods", {
      pageSize: 4,
      convert: (o) => {
        const pod = convertPod(o);
        return pod ? { key: keyOfPod(o), value: pod } : null;
      },
    });
    expect(result.seen).toBe(18);
    expect(result.items.size).toBe(15); // two finished Jobs and one ordinary pod left out
    expect(result.pages).toBe(5);
    const lists = server.requests.filter((r) => r.path === "/api/v1/pods");
    expect(lists.map((r) => r.query.limit)).toEqual(["4", "4", "4", "4", "4"]);
    expect(lists.slice(1).every((r) => r.query.continue)).toBe(true);
    expect(lists.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it("passes the field selector to the API server", async () => {
    const result = await listAll(client, "pods", {
      pageSize: 500,
      fieldSelector: "status.phase!=Succeeded,status.phase!=Failed",
      convert: () => null,
    });
    expect(result.seen).toBe(16);
    expect(server.requests.at(-1)?.query.fieldSelector).toBe("status.phase!=Succeeded,status.phase!=Failed");
  });

  it("starts the list over when a continue token has expired (410 Gone)", async () => {
    server.failNext(/continue=/, 410);
    const result = await listAll(client, "pods", {
      pageSize: 5,
      convert: (o) => ({ key: keyOfPod(o), value: 1 }),
    });
    expect(result.items.size).toBe(18);
    const firstPages = server.requests.filter((r) => r.path === "/api/v1/pods" && !r.query.continue);
    expect(firstPages).toHaveLength(2);
  });

  it("reports other API errors with their status", async () => {
    server.failNext(/\/api\/v1\/pods/, 500);
    await expect(listAll(client, "pods", { pageSize: 5, convert: () => null })).rejects.toMatchObject({
      status: 500,
    });
  });
});

describe("list, then watch", () => {
  function watchPods(options: { idleTimeoutMs?: number } = {}) {
    const events = new EventEmitter();
    const state = new Map<string, SnapshotPod>();
    const relists: string[] = [];
    const waits: number[] = [];
    const controller = new AbortController();
    const lw = new ListWatch<SnapshotPod>({
      client,
      resource: "pods",
      pageSize: 5,
      convert: convertPod,
      keyOf: keyOfPod,
      sink: {
        replace: (items) => {
          state.clear();
          for (const [k, v] of items) state.set(k, v);
          events.emit("change");
        },
        upsert: (key, value) => {
          if (value) state.set(key, value);
          else state.delete(key);
          events.emit("change");
        },
      },
      delay: (ms, signal) => {
        waits.push(ms);
        return realDelay(Math.min(ms, 5), signal);
      },
      backoff: { initialMs: 100, maxMs: 1000 },
      watchTimeoutSeconds: 60,
      ...options,
      logger: silentLogger,
      onRelist: (reason) => {
        relists.push(reason);
        events.emit("relist", reason);
      },
    });
    const running = lw.run(controller.signal);
    return {
      lw,
      state,
      events,
      relists,
      waits,
      stop: async () => {
        controller.abort();
        await running;
      },
    };
  }

  const newPod = (name: string, hostPort: number) => {
    const pod = fixturePod("datadog-agent");
    pod.metadata.name = name;
    pod.spec.containers = [{ name: "c", image: "x", ports: [{ containerPort: hostPort, hostPort }] }];
    return pod;
  };

  it("applies added, modified and deleted pods after the initial list", async () => {
    const w = watchPods();
    await w.lw.synced;
    await server.watching("pods");
    expect(w.state.size).toBe(15);
    server.apply("pods", newPod("new-1", 7001));
    await until(() => w.state.has("datadog/new-1"), w.events, "change", "the added pod");
    server.apply("pods", newPod("new-1", 7002));
    await until(
      () => w.state.get("datadog/new-1")?.ports[0]?.hostPort === 7002,
      w.events,
      "change",
      "the update",
    );
    server.remove("pods", "datadog/new-1");
    await until(() => !w.state.has("datadog/new-1"), w.events, "change", "the delete");
    // A host-port pod that finishes no longer holds its port.
    const job = fixturePod("job-running");
    server.apply("pods", { ...job, status: { ...job.status, phase: "Succeeded" } });
    await until(
      () => !w.state.has("netperf/iperf-server-28871340-7xk2f"),
      w.events,
      "change",
      "the finished job",
    );
    expect(w.relists).toEqual(["initial"]);
    await w.stop();
  });

  it("resumes from a bookmark's version after a reconnect instead of listing again", async () => {
    const w = watchPods();
    await w.lw.synced;
    await server.watching("pods");
    server.apply("nodes", { metadata: { name: "elsewhere" } }); // moves the version past the list's
    server.sendBookmarks();
    server.compact(); // history before the bookmark is gone: only the bookmark's version is still valid
    const rewatch = nextEvent(server.events, "watch");
    // The bookmark is read before the stream closes: both travel the same connection in order.
    server.closeWatches();
    await rewatch;
    server.apply("pods", newPod("after-bookmark", 7100));
    await until(
      () => w.state.has("datadog/after-bookmark"),
      w.events,
      "change",
      "the pod after the bookmark",
    );
    expect(w.relists).toEqual(["initial"]);
    await w.stop();
  });

  it("lists again when the watch's version has expired (410 Gone) and misses nothing", async () => {
    const w = watchPods();
    await w.lw.synced;
    await server.watching("pods");
    const ended = nextEvent(server.events, "unwatch");
    server.closeWatches();
    await ended;
    // While the agent is away, a pod appears and another goes, then history is compacted.
    server.apply("pods", newPod("while-away", 7200));
    server.remove("pods", "kube-system/kube-proxy-9zq6t");
    server.compact();
    await nextEvent(w.events, "relist", (reason) => reason === "gone");
    expect(w.state.has("datadog/while-away")).toBe(true);
    expect(w.state.has("kube-system/kube-proxy-9zq6t")).toBe(false);
    await w.stop();
  });

  it("reconnects with growing backoff while the API server fails", async () => {
    const w = watchPods();
    await w.lw.synced;
    await server.watching("pods");
    server.failNext(/watch=true/, 500, 3);
    const ended = nextEvent(server.events, "unwatch");
    server.sendBookmarks(); // the stream was a healthy one: only the failures that follow count
    server.closeWatches();
    await ended;
    server.apply("pods", newPod("after-outage", 7300));
    await until(() => w.state.has("datadog/after-outage"), w.events, "change", "the pod after the outage");
    expect(w.waits).toHaveLength(3);
    expect(w.waits[0]).toBeGreaterThanOrEqual(50);
    expect(w.waits[0]).toBeLessThanOrEqual(100);
    expect(w.waits[2]).toBeGreaterThanOrEqual(200);
    await w.stop();
  });

  it("re-lists on request (periodic resync)", async () => {
    const w = watchPods();
    await w.lw.synced;
    w.lw.requestResync();
    await nextEvent(w.events, "relist", (reason) => reason === "resync");
    expect(w.state.size).toBe(15);
    await w.stop();
  });

  it("re-opens a watch that stays silent past the idle timeout", async () => {
    const w = watchPods({ idleTimeoutMs: 200 });
    await w.lw.synced;
    await server.watching("pods");
    await nextEvent(server.events, "unwatch");
    await server.watching("pods");
    expect(server.requests.filter((r) => r.query.watch === "true").length).toBeGreaterThanOrEqual(2);
    await w.stop();
  });
});

describe("discovery", () => {
  it("says whether the API serves a resource: core always, ingresscontrollers only on OpenShift", async () => {
    expect(await client.serves("pods")).toBe(true);
    expect(await client.serves("ingresscontrollers")).toBe(false);
    server.serveOpenShift(true);
    expect(await client.serves("ingresscontrollers")).toBe(true);
    expect(server.requests.filter((r) => r.path === "/apis/operator.openshift.io/v1")).toHaveLength(2);
  });

  it("fails on anything but an answer or 404, so the agent retries instead of guessing", async () => {
    server.failNext(/^\/apis\/operator\.openshift\.io\/v1$/, 503);
    await expect(client.serves("ingresscontrollers")).rejects.toMatchObject({ status: 503 });
  });
});
