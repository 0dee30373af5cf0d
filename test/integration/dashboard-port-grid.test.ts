/**
 * The cluster page's port grid reads without guessing: one legend for every cell and number, full
 * names on what is cut short, DaemonSet and static-pod rows worded as what they are, eligibility in
 * words, cordoned columns marked, and 24 node columns a page with the paging said.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SnapshotInput } from "../../src/contract/snapshot.js";
import { hostNetworkPod, node, snapshot } from "../fixtures/snapshots.js";
import { gridReader } from "../helpers/grid-reader.js";

const CLUSTER = "grid-wide-1";
const OBSERVED_AT = "2026-12-01T10:00:00.000Z";
/** 40 nodes: a control-plane node, 39 workers of which w07 is cordoned and w00, w01 are infra */
const WORKERS = Array.from({ length: 39 }, (_, i) => `w${String(i).padStart(2, "0")}`);
const INFRA = { "node-role.kubernetes.io/infra": "" };
const ROUTER_POD = "router-default-5d8f7c9b4-x7k2q";
const STATIC_POD = "etcd-cp-0";
const EXPORTER_PENDING = "node-exporter-pending";

function wideCluster(): SnapshotInput {
  const nodes = [
    node("cp-0", { taints: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }] }),
    ...WORKERS.map((name) =>
      node(name, { unschedulable: name === "w07", labels: ["w00", "w01"].includes(name) ? INFRA : {} }),
    ),
  ];
  const exporter = { kind: "DaemonSet", name: "node-exporter" };
  return snapshot(CLUSTER, OBSERVED_AT, nodes, [
    ...["cp-0", ...WORKERS.slice(1)].map((n) =>
      hostNetworkPod("monitoring", `node-exporter-${n}`, n, [9100], exporter, {
        tolerations: [{ operator: "Exists" }],
      }),
    ),
    hostNetworkPod("monitoring", EXPORTER_PENDING, null, [9100], exporter, {
      scheduling: {
        unschedulable: true,
        message: "0/40 nodes are available: 1 node(s) didn't have free ports for the requested pod ports.",
      },
    }),
    hostNetworkPod("kube-system", STATIC_POD, "cp-0", [2379], { kind: "Node", name: "cp-0" }),
    hostNetworkPod(
      "openshift-ingress",
      ROUTER_POD,
      "w00",
      [80],
      { kind: "Deployment", name: "router-default" },
      {
        nodeSelector: INFRA,
      },
    ),
  ]);
}

let reader: Awaited<ReturnType<typeof gridReader>>;
beforeAll(async () => {
  reader = await gridReader(CLUSTER, wideCluster(), new Date("2026-12-01T10:05:00.000Z"));
});
afterAll(() => reader.h.close());

const grid = (query = "") => reader.gridSection(`/clusters/${CLUSTER}${query}`);

/** The markup of the grid row whose port link reads `port` (e.g. "9100/TCP"). */
function row(html: string, port: string): string {
  const at = html.indexOf(`>${port}</a>`);
  expect(at, `no row ${port}`).toBeGreaterThan(-1);
  return html.slice(html.lastIndexOf("<tr>", at), html.indexOf("</tr>", at));
}

const decode = (html: string) =>
  html
    .replace(/&amp;/g, "&")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");

describe("the port grid's legend, names and wording", () => {
  it("explains every cell mark, column mark and header number in one legend", async () => {
    const html = await grid();
    const legend = decode(html.slice(html.indexOf('id="grid-legend"')));
    for (const sample of [
      'class="cell-held"',
      'class="cell-held cell-static"',
      'class="cell-declared"',
      'class="cell-free"',
      'class="cell-none"',
      'class="unobs"',
      'class="obs obs-declared"',
      'class="obs obs-undeclared"',
      'class="obs obs-risk"',
      'class="status status-observed"',
      'class="status status-none"',
      'class="node-state"',
    ]) {
      expect(legend, sample).toContain(sample);
    }
    for (const words of [
      "Held",
      "Free",
      "nodes eligible",
      "DaemonSet · on every eligible node",
      "static pod on",
    ]) {
      expect(legend, words).toContain(words);
    }
    expect(html.match(/<h3>Legend<\/h3>/g)).toHaveLength(1);
    expect(html).toContain('href="#grid-legend"');
  });

  it("shows 24 node columns a page and says which ones, with links to the others", async () => {
    const first = await grid();
    expect(first.match(/<th scope="col" class="node"/g)).toHaveLength(24);
    expect(decode(first)).toContain("Nodes 1–24 of 40</strong> (page 1 of 2, 24 node columns a page)");
    expect(first).toContain(`href="/clusters/${CLUSTER}?nodesAfter=w22">Next nodes →</a>`);
    expect(first).not.toContain("Previous nodes");
    // the columns run cp-0, w00, w01, …: the second page starts after the 24th, w22
    const second = await grid("?nodesAfter=w22");
    expect(second.match(/<th scope="col" class="node"/g)).toHaveLength(16);
    expect(decode(second)).toContain("Nodes 25–40 of 40</strong> (page 2 of 2");
    expect(second).toContain(">← Previous nodes</a>");
  });

  it("marks the cordoned node's column and names it beside the node counts", async () => {
    const html = decode(await grid());
    expect(html).toContain(
      'title="w07: cordoned, takes no new pods"><span>w07</span><span class="node-state">cordoned</span>',
    );
    expect(html).toContain("on 40 nodes, 39 schedulable (w07 cordoned)");
    expect(row(html, "80/TCP")).toContain('title="w07: cordoned, takes no new pods, so not eligible">–</td>');
  });

  it("words a DaemonSet row by what it is: no red Free 0, where it runs, its pending pod flagged", async () => {
    const html = decode(row(await grid(), "9100/TCP"));
    expect(html).toContain("DaemonSet · on every eligible node");
    expect(html).toContain("runs on 39 of the cluster's 40 nodes; 1 pending");
    expect(html).toContain(`pending ${EXPORTER_PENDING}`);
    expect(html).not.toContain('status-none">0<');
    expect(html).toMatch(
      /<td class="num muted" title="A DaemonSet runs one pod on each eligible node[^"]*">n\/a<\/td>/,
    );
  });

  it("words a static pod's row as bound to its node, never free elsewhere, with the pod's full name", async () => {
    const html = decode(row(await grid(), "2379/TCP"));
    expect(html).toContain("static pod on cp-0");
    expect(html).toContain("not schedulable elsewhere");
    expect(html).not.toContain(">free<");
    expect(html).toContain(`title="cp-0: static pod ${STATIC_POD} holds 2379/TCP">${STATIC_POD}`);
  });

  it("says how many nodes a workload may run on and why the others are left out", async () => {
    const html = decode(row(await grid(), "80/TCP"));
    expect(html).toContain("2 of 40 nodes eligible — 38 excluded by node selector, taints or cordon");
    expect(html).toContain('title="Eligible: nodes a pod of the holders may be scheduled on');
    // The holder's full name is the held cell's text and its tooltip (the stylesheet may cut it short).
    expect(html).toContain('title="w00: router-default holds 80/TCP">router-default');
  });
});
