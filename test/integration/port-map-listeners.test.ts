/**
 * Observed listeners beside the port map, through the HTTP app: ports.map's observed-only rows and
 * ports.mapListeners' cells (classified, the will-crash risk marked, unobserved nodes told apart),
 * now and as of an instant of the listeners' history.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GRID_CLUSTER, HOSTILE_PROCESS, observedGridSnapshot } from "../fixtures/observed-grid.js";
import { createHarness, dataOf, type Harness } from "../helpers/app.js";

const at = (minute: number) => new Date(Date.parse("2026-12-01T10:00:00Z") + minute * 60_000).toISOString();
const NODES = ["w0", "w1", "w2", "w3"];

describe("observed listeners beside the port map", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ now: () => new Date(at(30)) });
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    await h.reset();
    const token = await h.register(GRID_CLUSTER);
    // No listeners at 0, listeners from 10, none again from 20.
    for (const [minute, listening] of [
      [0, false],
      [10, true],
      [20, false],
    ] as const) {
      const res = await h.push(token, observedGridSnapshot(at(minute), listening));
      expect(res.status, await res.clone().text()).toBe(200);
    }
  });

  const map = async (asOf?: string, withObservedOnly = true) =>
    dataOf(
      await h.query("ports.map", {
        cluster: GRID_CLUSTER,
        withObservedOnly,
        ...(asOf ? { asOf } : {}),
      }),
    );
  const cells = async (asOf?: string) =>
    dataOf(
      await h.query("ports.mapListeners", {
        cluster: GRID_CLUSTER,
        ports: [22, 9100, 29103],
        nodes: NODES,
        ...(asOf ? { asOf } : {}),
      }),
    );

  it("adds a row marked observed-only for each port only listeners hold, in port order", async () => {
    const answer = await map(at(15));
    expect(answer.ports.map((r) => [r.hostPort, r.hostIP, r.observedOnly])).toEqual([
      [22, "", true],
      [9100, "0.0.0.0", false],
      [29103, "", true],
    ]);
    expect(answer.totalPorts).toBe(3);
    const ssh = answer.ports[0];
    expect(ssh?.observedListeners).toEqual({ listeners: 3, nodes: 3, nodeNames: ["w0", "w1", "w2"] });
    expect(ssh?.workloads).toEqual([]);
  });

  it("keeps the map of held rows only unless asked, and pages observed-only rows by their cursors", async () => {
    expect((await map(at(15), false)).ports.map((r) => r.hostPort)).toEqual([9100]);
    const first = dataOf(
      await h.query("ports.map", { cluster: GRID_CLUSTER, withObservedOnly: true, asOf: at(15), limit: 1 }),
    );
    expect(first.ports.map((r) => r.hostPort)).toEqual([22]);
    const second = dataOf(
      await h.query("ports.map", {
        cluster: GRID_CLUSTER,
        withObservedOnly: true,
        asOf: at(15),
        limit: 1,
        cursor: first.nextCursor ?? "",
      }),
    );
    expect(second.ports.map((r) => r.hostPort)).toEqual([9100]);
    const back = dataOf(
      await h.query("ports.map", {
        cluster: GRID_CLUSTER,
        withObservedOnly: true,
        asOf: at(15),
        limit: 1,
        before: second.prevCursor ?? "",
      }),
    );
    expect(back.ports.map((r) => r.hostPort)).toEqual([22]);
  });

  it("marks the undeclared listener on a node free for a hostNetwork holder as the will-crash risk", async () => {
    const answer = await cells(at(15));
    expect(answer.observedNodes).toEqual(["w0", "w1", "w2"]);
    const cell = (node: string, port: number) =>
      answer.cells.find((c) => c.node === node && c.hostPort === port);
    expect(cell("w2", 9100)).toMatchObject({
      undeclared: true,
      willCrash: true,
      listeners: [{ processes: [HOSTILE_PROCESS], class: "host-service", address: "0.0.0.0" }],
    });
    expect(cell("w0", 9100)).toMatchObject({
      undeclared: false,
      willCrash: false,
      listeners: [{ processes: ["node_exporter"], class: "declared" }],
    });
    expect(cell("w0", 29103)).toMatchObject({
      undeclared: true,
      willCrash: false,
      listeners: [{ scope: "loopback", processes: ["ovnkube"] }],
    });
    expect(cell("w3", 22)).toBeUndefined();
    expect(answer.cells.filter((c) => c.hostPort === 22).map((c) => c.node)).toEqual(["w0", "w1", "w2"]);
  });

  it("answers as of the instant: before the first report and after the last, nothing is observed", async () => {
    for (const instant of [at(5), undefined]) {
      expect((await map(instant)).ports.map((r) => r.hostPort)).toEqual([9100]);
      expect(await cells(instant)).toMatchObject({ observedNodes: [], cells: [] });
    }
  });

  it("writes observed listeners beside the holders in the port report, escaped, observed-only rows marked", async () => {
    const report = async (format: "markdown" | "csv" | "json") =>
      dataOf(await h.query("reports.portMap", { cluster: GRID_CLUSTER, format, asOf: at(15) })).content;
    const md = await report("markdown");
    expect(md).not.toContain(HOSTILE_PROCESS);
    expect(md).toContain(
      "| 9100 | TCP | 0.0.0.0 | monitoring/node-exporter (DaemonSet) | 2: w0, w1 | 2 | 3 nodes: &lt;img src=x\\|&gt;, node_exporter (host-service, declared); undeclared on 1 node a hostNetwork holder could take: a replica there would crash-loop |",
    );
    expect(md).toContain(
      "| 29103 | TCP | – | observed only: no pod or IngressController declares it | – | – | 2 nodes: ovnkube (host-service); loopback only, still in the way of a wildcard bind |",
    );
    expect(md).toContain("| 22 | TCP | – | observed only");
    const csv = (await report("csv")).split("\n");
    expect(csv).toContain(`${GRID_CLUSTER},${at(15)},22,TCP,,,0,0,,true,3,sshd,host-service`);
    const json = JSON.parse(await report("json")) as {
      clusters: {
        ports: { hostPort: number; observedOnly?: boolean; observed?: { nodes: number } | null }[];
      }[];
    };
    expect(json.clusters[0]?.ports.map((p) => [p.hostPort, p.observedOnly, p.observed?.nodes])).toEqual([
      [22, true, 3],
      [9100, false, 3],
      [29103, true, 2],
    ]);
    // Now nothing listens: the report is the declared holds alone, as before.
    const now = dataOf(
      await h.query("reports.portMap", { cluster: GRID_CLUSTER, format: "markdown" }),
    ).content;
    expect(now).not.toContain("observed only:");
    expect(now).toContain("| 2: w0, w1 | 2 | – |");
  });

  it("reads only the nodes asked about", async () => {
    const answer = dataOf(
      await h.query("ports.mapListeners", {
        cluster: GRID_CLUSTER,
        ports: [9100],
        nodes: ["w2", "w3"],
        asOf: at(15),
      }),
    );
    expect(answer.observedNodes).toEqual(["w2"]);
    expect(answer.cells.map((c) => `${c.node} ${c.hostPort}`)).toEqual(["w2 9100"]);
  });
});
