/**
 * Drain checks against what the other nodes really listen on, through the HTTP app and the CLI: a
 * node the scheduler counts as free but where a listener nobody declares holds the router's port is
 * no destination, and the answer says the scheduler may still put the pod there.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { NodeListeners } from "../../src/contract/listeners.js";
import type { SnapshotInput } from "../../src/contract/snapshot.js";
import { tcpListener } from "../fixtures/listeners.js";
import { createHarness, dataOf, type Harness } from "../helpers/app.js";
import { runCli } from "../helpers/cli.js";

const NOW = new Date("2026-12-01T10:05:00Z");
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ now: () => NOW });
});
afterAll(() => h.close());
beforeEach(() => h.reset());

const httpdOn80 = (node: string): NodeListeners => ({
  node,
  attribution: "process",
  listeners: [tcpListener(80, "0.0.0.0", { processes: [{ name: "httpd" }] })],
});

/** worker-1 runs a hostNetwork router on 80; worker-2 and worker-3 are free by the scheduler's count. */
function cluster(reports: NodeListeners[]): SnapshotInput {
  return {
    schemaVersion: 1,
    cluster: "edge",
    observedAt: "2026-12-01T10:00:00Z",
    nodes: ["worker-1", "worker-2", "worker-3"].map((name) => ({ name, ready: true })),
    pods: [
      {
        namespace: "ingress",
        name: "router-1",
        node: "worker-1",
        phase: "Running",
        hostNetwork: true,
        owner: { kind: "ReplicaSet", name: "router-5d8f9" },
        ports: [{ container: "router", containerPort: 80, hostPort: 80 }],
      },
    ],
    nodeListeners: reports,
  };
}

async function pushed(reports: NodeListeners[]) {
  const token = await h.register("edge");
  expect((await h.push(token, cluster(reports))).status).toBe(200);
}

const cli = (...argv: string[]) =>
  runCli(
    [...argv, "--url", "http://portolan.test", "--token", h.adminToken],
    {},
    {
      fetch: (input, init) => Promise.resolve(h.app.fetch(new Request(input, init))),
    },
  );

describe("capacity.drainCheck with observed listeners", () => {
  it("leaves out a node where an undeclared listener holds the port, and names it", async () => {
    await pushed([httpdOn80("worker-2"), { node: "worker-3", attribution: "process", listeners: [] }]);
    const answer = dataOf(await h.query("capacity.drainCheck", { cluster: "edge", node: "worker-1" }));
    expect(answer.drainable).toBe(true);
    const [router] = answer.pods;
    expect(router).toMatchObject({ disposition: "movable", destinations: ["worker-3"], listenedNodes: 1 });
    expect(router?.listenedOn).toEqual([
      {
        node: "worker-2",
        ports: [
          expect.objectContaining({
            hostPort: 80,
            effect: "crash-loop-eaddrinuse",
            listeners: [
              expect.objectContaining({ address: "0.0.0.0", processes: ["httpd"], class: "host-service" }),
            ],
          }),
        ],
      },
    ]);
  });

  it("is not drainable when every free node listens on the port, and the CLI says why (exit 3)", async () => {
    await pushed([httpdOn80("worker-2"), httpdOn80("worker-3")]);
    const answer = dataOf(await h.query("capacity.drainCheck", { cluster: "edge", node: "worker-1" }));
    expect(answer.drainable).toBe(false);
    expect(answer.pods[0]).toMatchObject({ disposition: "stuck", destinations: [], listenedNodes: 2 });
    const run = await cli("drain-check", "edge", "worker-1");
    expect(run.code).toBe(3);
    expect(run.out).toContain("edge/worker-1: NOT drainable");
    expect(run.out).toContain(
      "ingress/router-1: nowhere safe to go: 2 nodes free by the scheduler's count have a listener in the way",
    );
    expect(run.out).toContain("worker-2 (80/TCP listened on by httpd on 0.0.0.0:80");
  });

  it("takes a node without a listener report as free (not observed)", async () => {
    await pushed([httpdOn80("worker-2")]);
    const answer = dataOf(await h.query("capacity.drainCheck", { cluster: "edge", node: "worker-1" }));
    expect(answer.pods[0]).toMatchObject({ destinations: ["worker-3"], listenedNodes: 1 });
  });
});
