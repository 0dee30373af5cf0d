/**
 * Reader → agent, for real: a node reader on a fixture /proc (a bare-metal capture's node) posts to a
 * watch-mode agent, which reviews the token through its Kubernetes client against the test API server
 * (TokenReview, then the token's pod for its node) and feeds the report into its cluster state.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { httpPost } from "../../agents/src/node-reader/http-post.js";
import { runReaderLoop, type ScanEvent } from "../../agents/src/node-reader/loop.js";
import { sendReport } from "../../agents/src/node-reader/send.js";
import { silentLogger } from "../../agents/src/ops/log.js";
import { realDelay, systemClock } from "../../agents/src/util/time.js";
import type { ObservedListener } from "../../src/contract/listeners.js";
import { startTestAgent, type TestAgent } from "./helpers/agent.js";
import { FakePortolan, type ReceivedPush } from "./helpers/fake-portolan.js";
import { fixtureNodes, fixturePods } from "./helpers/fixtures.js";
import { type KubeTestServer, startKubeTestServer } from "./helpers/kube-test-server.js";
import { BARE_METAL_RUN, captureNodes, NODE_LISTENERS, writeProcFixture } from "./helpers/proc-fixture.js";
import { until } from "./helpers/wait.js";

const READER = "system:serviceaccount:portolan-node-reader:portolan-node-reader";

let kube: KubeTestServer;
let api: FakePortolan;
let dir: string;
let agent: TestAgent | undefined;
const readers: AbortController[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "node-reader-agent-"));
  kube = await startKubeTestServer({
    // An API server before node-name extras: the token names its pod, the agent reads the pod.
    reviewToken: (token, audiences) =>
      token === "reader-on-worker-1" && audiences.includes("portolan-agent")
        ? {
            authenticated: true,
            audiences: ["portolan-agent"],
            user: {
              username: READER,
              extra: { "authentication.kubernetes.io/pod-name": ["portolan-node-reader-w1"] },
            },
          }
        : { authenticated: false, error: "invalid bearer token" },
  });
  for (const node of fixtureNodes()) kube.apply("nodes", node);
  for (const pod of fixturePods()) kube.apply("pods", pod);
  kube.apply("pods", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "portolan-node-reader-w1", namespace: "portolan-node-reader" },
    spec: { nodeName: "worker-1", hostNetwork: true, containers: [{ name: "reader", image: "x" }] },
    status: { phase: "Running" },
  });
  api = await new FakePortolan().start();
  agent = await startTestAgent(
    [
      "--cluster",
      "prod-eu-1",
      "--server",
      api.url,
      "--kubeconfig",
      kube.writeKubeconfig(join(dir, "kubeconfig")),
    ],
    {},
    { env: { PORTOLAN_LISTENER_PORT: "0", PORTOLAN_LISTENER_HOST: "127.0.0.1" } },
  );
});

afterEach(async () => {
  for (const reader of readers.splice(0)) reader.abort();
  await agent?.agent.stop();
  await kube.close();
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

function startReader(node: string, listeners: ObservedListener[], token: string) {
  const procRoot = join(dir, `proc-${node}`);
  writeProcFixture(procRoot, listeners);
  const tokenFile = join(dir, `token-${node}`);
  writeFileSync(tokenFile, `${token}\n`);
  const events: ScanEvent[] = [];
  const stop = new AbortController();
  readers.push(stop);
  const url = `${agent?.agent.listeners()?.url}/v1/node-listeners`;
  void runReaderLoop(
    {
      scan: { procRoot, node, attribution: "none", byteOrder: "little" },
      scanMs: 50,
      heartbeatMs: 600_000,
      clock: systemClock,
      delay: realDelay,
      logger: silentLogger,
      send: (report, signal) =>
        sendReport(
          report,
          {
            url,
            tokenFile,
            heartbeatMs: 600_000,
            requestTimeoutMs: 5000,
            maxAttempts: 3,
            maxBodyBytes: 4 * 1024 * 1024,
            backoff: { initialMs: 10, maxMs: 50 },
            post: httpPost,
            delay: realDelay,
            random: Math.random,
            logger: silentLogger,
          },
          signal,
        ),
      onScan: (event) => events.push(event),
    },
    stop.signal,
  );
  return events;
}

const sampleListeners = (): ObservedListener[] =>
  NODE_LISTENERS.present
    ? (captureNodes(BARE_METAL_RUN)[0]?.listeners ?? [])
    : [{ protocol: "TCP", address: "127.0.0.1", family: 4, port: 29103, scope: "loopback", processes: [] }];

describe("a node reader reporting to the agent", () => {
  it("is authenticated by TokenReview and its pod's node, and its report becomes the node's", async () => {
    const t = agent as TestAgent;
    await until(() => t.agent.listeners() !== undefined, t.agent.events, "synced", "the receiver");
    const events = startReader("worker-1", sampleListeners(), "reader-on-worker-1");
    const book = t.agent.listeners()?.book;
    await until(
      () => book?.passedOn("worker-1") === true && events.length > 0,
      t.agent.events,
      "snapshot",
      "the report",
      10_000,
    );
    expect(t.agent.metrics.observedNodes.get()).toBe(1);
    expect(events[0]).toMatchObject({ kind: "change", outcome: { kind: "sent" } });
    // The next snapshot (or delta) carries worker-1's report, and only it.
    const carries = (p: ReceivedPush) => p.status === 200 && (p.snapshot.nodeListeners ?? []).length > 0;
    await until(() => api.pushes.some(carries), api.events, "push", "a push carrying the report", 10_000);
    const pushed = api.pushes.find(carries) as ReceivedPush;
    expect(pushed.snapshot.nodeListeners?.map((r) => [r.node, r.attribution])).toEqual([
      ["worker-1", "none"],
    ]);
    expect(pushed.snapshot.nodeListeners?.[0]?.listeners.length).toBe(
      new Set(sampleListeners().map((l) => `${l.protocol}|${l.family}|${l.address}|${l.port}`)).size,
    );
    expect(t.agent.metrics.listenerReports.get({ result: "accepted" })).toBeGreaterThanOrEqual(1);
    // TokenReview and the pod read went to the API server.
    const paths = kube.requests.map((r) => `${r.method} ${r.path}`);
    expect(paths).toContain("POST /apis/authentication.k8s.io/v1/tokenreviews");
    expect(paths).toContain("GET /api/v1/namespaces/portolan-node-reader/pods/portolan-node-reader-w1");
  });

  it("is refused when it claims another node, and when its token is not valid", async () => {
    const t = agent as TestAgent;
    await until(() => t.agent.listeners() !== undefined, t.agent.events, "synced", "the receiver");
    const wrongNode = startReader("worker-2", sampleListeners(), "reader-on-worker-1");
    const forged = startReader("worker-3", sampleListeners(), "forged");
    await until(
      () => wrongNode.length > 0 && forged.length > 0,
      t.agent.events,
      "snapshot",
      "both readers' first scans",
      10_000,
    );
    expect(wrongNode[0]).toMatchObject({ kind: "change", outcome: { kind: "refused", status: 403 } });
    // 401 may pass (a token being rotated): retried, then given up until the next scan.
    expect(forged[0]).toMatchObject({ kind: "change", outcome: { kind: "failed" } });
    expect(t.agent.listeners()?.book.size).toBe(0);
    expect(t.agent.metrics.listenerRefusals.get({ reason: "wrong-node" })).toBeGreaterThanOrEqual(1);
    expect(t.agent.metrics.listenerRefusals.get({ reason: "unauthenticated" })).toBeGreaterThanOrEqual(1);
  });
});
