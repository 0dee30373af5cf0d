/**
 * The cluster page's node columns are ports.map's node page: on a cluster with more nodes holding or
 * free for a port than ports.map's 50-name samples list, walking the node pages shows every node once,
 * each cell says exactly whether its node holds the port (and who), and the paging counts every node.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SnapshotInput } from "../../src/contract/snapshot.js";
import { hostNetworkPod, node, snapshot } from "../fixtures/snapshots.js";
import { gridReader } from "../helpers/grid-reader.js";

const CLUSTER = "grid-many-nodes";
const OBSERVED_AT = "2026-12-01T10:00:00.000Z";
/** 75 nodes; one port held on 60 of them (every fifth left free), one shared by two workloads on 70 */
const NODES = Array.from({ length: 75 }, (_, i) => `node-${String(i).padStart(3, "0")}`);
const AGENT_NODES = NODES.filter((_, i) => i % 5 !== 0);
const ALPHA_NODES = NODES.slice(1, 31);
const BETA_NODES = NODES.slice(31, 71);

function manyNodes(): SnapshotInput {
  const agent = { kind: "DaemonSet", name: "agent" };
  return snapshot(
    CLUSTER,
    OBSERVED_AT,
    NODES.map((name) => node(name)),
    [
      ...AGENT_NODES.map((n) => hostNetworkPod("monitoring", `agent-${n}`, n, [9400], agent)),
      ...ALPHA_NODES.map((n) =>
        hostNetworkPod("apps", `alpha-${n}`, n, [9500], { kind: "Deployment", name: "alpha" }),
      ),
      ...BETA_NODES.map((n) =>
        hostNetworkPod("apps", `beta-${n}`, n, [9500], { kind: "Deployment", name: "beta" }),
      ),
    ],
  );
}

let reader: Awaited<ReturnType<typeof gridReader>>;
beforeAll(async () => {
  reader = await gridReader(CLUSTER, manyNodes(), new Date("2026-12-01T10:05:00.000Z"));
});
afterAll(() => reader.h.close());

async function grid(path: string) {
  return (await reader.gridSection(path)).replace(/&amp;/g, "&");
}

const columns = (html: string) =>
  [...html.matchAll(/<th scope="col" class="node" title="[^"]*"><span>([^<]+)<\/span>/g)].map((m) => m[1]);
const pager = (html: string) => /<strong>(Nodes [^<]*)<\/strong>/.exec(html)?.[1];
const nextLink = (html: string) => /<a href="([^"]*)">Next nodes →<\/a>/.exec(html)?.[1];
const prevLink = (html: string) => /<a href="([^"]*)">← Previous nodes<\/a>/.exec(html)?.[1];

/** The node cells of the row whose port link reads `port`, in column order: [node, class, text]. */
function cells(html: string, port: string) {
  const at = html.indexOf(`>${port}</a>`);
  expect(at, `no row ${port}`).toBeGreaterThan(-1);
  const row = html.slice(at, html.indexOf("</tr>", at));
  return [...row.matchAll(/<td class="(cell-[^"]*)" title="([^":]+): [^"]*">([^<]*)/g)].map((m) => ({
    node: m[2],
    kind: m[1],
    text: m[3]?.trim(),
  }));
}

describe("the port grid's node columns on a cluster past the 50-name samples", () => {
  it("walks every node once over the node pages, each cell on its own node, counting all nodes", async () => {
    const seen: string[] = [];
    const pagers: string[] = [];
    let path: string | undefined = `/clusters/${CLUSTER}`;
    const visited: string[] = [];
    while (path) {
      visited.push(path);
      const html = await grid(path);
      const shown = columns(html);
      pagers.push(pager(html) ?? "");
      const agent = cells(html, "9400/TCP");
      expect(agent.map((c) => c.node)).toEqual(shown);
      for (const cell of agent) {
        const held = AGENT_NODES.includes(cell.node ?? "");
        expect(cell.kind, cell.node).toBe(held ? "cell-held" : "cell-free");
        expect(cell.text, cell.node).toBe(held ? "agent" : "free");
      }
      const shared = cells(html, "9500/TCP");
      expect(shared.map((c) => c.node)).toEqual(shown);
      for (const cell of shared) {
        const holder = ALPHA_NODES.includes(cell.node ?? "")
          ? "alpha"
          : BETA_NODES.includes(cell.node ?? "")
            ? "beta"
            : "free";
        expect(cell.text, cell.node).toBe(holder);
      }
      seen.push(...(shown as string[]));
      path = nextLink(html);
      expect(visited.length).toBeLessThan(10);
    }
    expect(seen).toEqual(NODES);
    expect(pagers).toEqual([
      "Nodes 1–24 of 75",
      "Nodes 25–48 of 75",
      "Nodes 49–72 of 75",
      "Nodes 73–75 of 75",
    ]);

    // Previous from the last page leads back a page at a time to the first, which has no Previous.
    let back = prevLink(await grid(visited[3] ?? ""));
    for (const expected of [NODES.slice(48, 72), NODES.slice(24, 48), NODES.slice(0, 24)]) {
      const html = await grid(back ?? "");
      expect(columns(html)).toEqual(expected);
      back = prevLink(html);
    }
    expect(back).toBeUndefined();
  });

  it("opens the node page after the node the URL names; an old page number or a malformed name opens the first", async () => {
    const second = await grid(`/clusters/${CLUSTER}?nodesAfter=node-023`);
    expect(columns(second)).toEqual(NODES.slice(24, 48));
    expect(pager(second)).toBe("Nodes 25–48 of 75");
    const old = await grid(`/clusters/${CLUSTER}?nodes=2`);
    expect(columns(old)).toEqual(NODES.slice(0, 24));
    const malformed = await grid(`/clusters/${CLUSTER}?nodesAfter=${encodeURIComponent("Not A Node!")}`);
    expect(columns(malformed)).toEqual(NODES.slice(0, 24));
  });
});
