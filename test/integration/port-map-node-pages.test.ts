/**
 * ports.map built from the page's holds grouped in SQL (src/services/port-map-held.ts) answers what the
 * map over the whole cluster view answers (buildPortMap), now and as of past instants, on a cluster with
 * several host IPs on one port, Pending pods, an IngressController's declared ports, observed listeners
 * and a reservation; as of an instant inside a push's interval it is the map of that push's snapshot.
 * Its node page (nodeLimit, nodeCursor) says of each row which of the page's nodes hold it and which
 * are free, walking the node pages names every node once, and the bound is refused beyond it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalState } from "../../src/contract/canonical.js";
import { parseSnapshot } from "../../src/contract/parse.js";
import type { SnapshotInput } from "../../src/contract/snapshot.js";
import { factsFromState } from "../../src/domain/history.js";
import { boundedEntry, boundedPortMap, buildPortMap, type PortMap } from "../../src/domain/port-map.js";
import { findCluster } from "../../src/services/cluster-selection.js";
import { loadClusterView } from "../../src/services/cluster-view.js";
import { MAX_MAP_NODE_PAGE } from "../../src/services/ports.js";
import { generatedSnapshot } from "../fixtures/generated-fleet.js";
import { tcpListener } from "../fixtures/listeners.js";
import { createHarness, type Harness } from "../helpers/app.js";

const CLUSTER = "paged-map";
const PUSHES = ["08:00", "09:00", "10:00"].map((t) => `2026-11-27T${t}:00Z`);
const NOW = new Date("2026-11-27T12:00:00Z");
/** inside each push's interval: the map then is that push's snapshot's */
const INSTANTS = ["08:30", "09:30"].map((t) => new Date(`2026-11-27T${t}:00Z`));
const label = (asOf: Date | undefined) => (asOf ? `as of ${asOf.toISOString().slice(11, 16)}` : "now");

/**
 * The generated cluster plus a hostNetwork pod on a port the others hold on a specific IP, and two
 * nodes' listener reports: sshd on 22 (a port nothing declares) and node_exporter's socket on 9100.
 */
function snapshotAt(observedAt: string, i: number): SnapshotInput {
  const base = generatedSnapshot(CLUSTER, observedAt, 11 + i);
  const first = base.nodes[i]?.name ?? null;
  return {
    ...base,
    nodeListeners: base.nodes.slice(0, 2).map((n) => ({
      node: n.name,
      attribution: "process" as const,
      listeners: [tcpListener(22, "0.0.0.0"), tcpListener(9100, "0.0.0.0")],
    })),
    pods: [
      ...base.pods,
      {
        namespace: "edge",
        name: `wide-${i}`,
        node: first,
        phase: "Running",
        hostNetwork: true,
        ports: [{ container: "main", containerPort: 80, hostPort: 80, hostIP: "10.0.0.9" }],
      },
    ],
  };
}

const snapshots = PUSHES.map((at, i) => snapshotAt(at, i));

let clock = NOW;
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ now: () => clock });
  const token = await h.register(CLUSTER);
  for (const [i, at] of PUSHES.entries()) {
    clock = new Date(at);
    expect((await h.push(token, snapshots[i] as SnapshotInput)).status).toBe(200);
  }
  clock = NOW;
  const reserved = await h.mutate("reservations.create", {
    protocol: "TCP",
    portFrom: 30000,
    portTo: 30010,
    clusters: [CLUSTER],
    owner: "team",
    purpose: "test",
  });
  if (!reserved.ok) throw new Error(reserved.error.message);
}, 120_000);
afterAll(() => h.close());

async function wholeViewMap(asOf: Date | undefined) {
  const cluster = await findCluster(h.database.db, CLUSTER, { asOf });
  return buildPortMap(await loadClusterView(h.database.db, { cluster, asOf }));
}

type MapAnswer = Awaited<ReturnType<typeof readMap>>;
async function readMap(input: {
  asOf?: Date | undefined;
  limit?: number;
  cursor?: string;
  nodeLimit?: number;
  nodeCursor?: string;
}) {
  const { asOf, ...rest } = input;
  const answer = await h.query("ports.map", {
    cluster: CLUSTER,
    ...rest,
    ...(asOf ? { asOf: asOf.toISOString() } : {}),
  });
  if (!answer.ok) throw new Error(answer.error.message);
  return answer.data;
}

/** What a row should say of a node page: the page's nodes among its holders and among its free nodes. */
function cellsOf(map: PortMap, names: readonly string[]) {
  return map.rows.map((row) => ({
    key: `${row.hostPort}/${row.protocol}/${row.hostIP}`,
    held: names.filter((n) => row.nodes.includes(n)),
    free: names.filter((n) => row.freeNodes.includes(n)),
  }));
}
/** The answer's rows as boundedPortMap gives them (without the node page and the listeners beside). */
const rowsOf = (answer: MapAnswer) =>
  answer.ports.map(({ pageNodes: _p, observedListeners: _o, observedOnly: _x, ...row }) => row);
const answerCells = (answer: MapAnswer) =>
  answer.ports.map((row) => ({ key: `${row.hostPort}/${row.protocol}/${row.hostIP}`, ...row.pageNodes }));

describe("ports.map from grouped holds", () => {
  for (const asOf of [...INSTANTS, undefined]) {
    it(`answers the whole view's map ${label(asOf)}`, async () => {
      const map = await wholeViewMap(asOf);
      // a port held on several host IPs, a free node somewhere: the cases the grouping must keep
      const ipsByPort = new Map<string, Set<string>>();
      for (const r of map.rows)
        ipsByPort.set(
          `${r.hostPort}/${r.protocol}`,
          (ipsByPort.get(`${r.hostPort}/${r.protocol}`) ?? new Set()).add(r.hostIP),
        );
      expect([...ipsByPort.values()].some((ips) => ips.size > 1)).toBe(true);
      expect(map.rows.some((r) => r.freeNodes.length > 0)).toBe(true);
      const answer = await readMap({ asOf });
      expect(answer.schedulableNodes).toBe(map.schedulableNodes.length);
      expect(rowsOf(answer)).toEqual(map.rows.map((row) => boundedEntry(row)));
    });

    it(`walks the node pages, each row's cells those of the whole view ${label(asOf)}`, async () => {
      const map = await wholeViewMap(asOf);
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let guard = 0; guard < 50; guard++) {
        const answer = await readMap({ asOf, nodeLimit: 4, ...(cursor ? { nodeCursor: cursor } : {}) });
        expect(answer.nodePage.names.length).toBeLessThanOrEqual(4);
        expect(answer.nodePage.offset).toBe(seen.length);
        expect(answer.nodePage.total).toBe(answer.nodes);
        expect(answerCells(answer)).toEqual(cellsOf(map, answer.nodePage.names));
        seen.push(...answer.nodePage.names);
        if (answer.nodePage.nextCursor === null) break;
        cursor = answer.nodePage.nextCursor;
      }
      const cluster = await findCluster(h.database.db, CLUSTER, { asOf });
      const view = await loadClusterView(h.database.db, { cluster, asOf });
      expect(seen).toEqual(view.nodes.map((n) => n.name).sort((a, b) => a.localeCompare(b)));
      expect(new Set(seen).size).toBe(seen.length);
    });
  }

  for (const [i, asOf] of INSTANTS.entries()) {
    it(`${label(asOf)} is the map of the snapshot pushed then`, async () => {
      const parsed = parseSnapshot(snapshots[i]);
      if (!parsed.ok) throw new Error("fixture snapshot refused");
      const facts = factsFromState(canonicalState(parsed.snapshot));
      const fromSnapshot = boundedPortMap({
        nodes: facts.nodes,
        pods: facts.pods,
        allocations: facts.allocations,
      });
      const answer = await readMap({ asOf });
      expect(rowsOf(answer)).toEqual(fromSnapshot.ports);
      expect(answer.schedulableNodes).toBe(fromSnapshot.schedulableNodes);
    });
  }

  it("walks the port pages with a node page, every port once", async () => {
    const map = await wholeViewMap(undefined);
    const keys: string[] = [];
    let cursor: string | undefined;
    for (let guard = 0; guard < 50; guard++) {
      const answer = await readMap({ limit: 2, nodeLimit: 3, ...(cursor ? { cursor } : {}) });
      expect(answerCells(answer)).toEqual(
        cellsOf(map, answer.nodePage.names).filter((c) => answerCells(answer).some((a) => a.key === c.key)),
      );
      keys.push(...answer.ports.map((r) => `${r.hostPort}/${r.protocol}/${r.hostIP}`));
      if (answer.nextCursor === null) break;
      cursor = answer.nextCursor;
    }
    expect(keys).toEqual(map.rows.map((r) => `${r.hostPort}/${r.protocol}/${r.hostIP}`));
  });

  it("gives a port only listeners hold a row held nowhere and free nowhere on the node page", async () => {
    const map = await wholeViewMap(undefined);
    const answer = await h.query("ports.map", { cluster: CLUSTER, withObservedOnly: true, nodeLimit: 10 });
    if (!answer.ok) throw new Error(answer.error.message);
    const observedOnly = answer.data.ports.filter((r) => r.observedOnly);
    expect(observedOnly.map((r) => r.hostPort)).toEqual([22]);
    expect(observedOnly[0]?.pageNodes).toEqual({ held: [], free: [] });
    expect(answer.data.ports.find((r) => r.hostPort === 9100)?.observedListeners?.nodes).toBe(2);
    expect(answerCells(answer.data).filter((c) => !c.key.startsWith("22/"))).toEqual(
      cellsOf(map, answer.data.nodePage.names),
    );
  });

  it("refuses a node page beyond its bound with 400 BAD_REQUEST, and takes the bound itself", async () => {
    for (const nodeLimit of [0, MAX_MAP_NODE_PAGE + 1]) {
      const input = encodeURIComponent(JSON.stringify({ cluster: CLUSTER, nodeLimit }));
      const res = await h.app.request(`/trpc/ports.map?input=${input}`, { headers: h.admin });
      expect(res.status, String(nodeLimit)).toBe(400);
      expect(await res.text()).toContain("BAD_REQUEST");
    }
    const answer = await readMap({ nodeLimit: MAX_MAP_NODE_PAGE });
    expect(answer.nodePage.names.length).toBe(Math.min(MAX_MAP_NODE_PAGE, answer.nodes));
  });
});
