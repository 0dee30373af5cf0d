/**
 * Every per-cluster answer is a page, whatever the cluster holds: on a cluster of 6 hostNetwork pods
 * holding together the most distinct host ports a snapshot may declare (MAX_DISTINCT_HOST_PORTS; a
 * cluster of 6 × 10,000 distinct ports is no longer accepted), ports.map, ports.node,
 * reports.portMap (Markdown and JSON) and the dashboard's cluster page each answer at most a page of
 * rows under a stated size, say how many there are and where the next page starts, and walking the
 * pages yields every port exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GRID_PORTS_PER_PAGE } from "../../src/api/dashboard/pages/cluster.js";
import { MAX_DISTINCT_HOST_PORTS } from "../../src/contract/snapshot.js";
import { DEFAULT_PORT_MAP_ROWS, MAX_PORT_MAP_ROWS } from "../../src/services/port-map-page.js";
import { MAX_NODE_ALLOCATIONS } from "../../src/services/ports.js";
import { hostNetworkPod, node, snapshot } from "../fixtures/snapshots.js";
import { createHarness, type Harness } from "../helpers/app.js";

const PODS = 6;
const PORTS_PER_POD = Math.floor(MAX_DISTINCT_HOST_PORTS / PODS);
const TOTAL = PODS * PORTS_PER_POD;
const NODES = ["node-a", "node-b", "node-c"];
/** docs/reliability.md: the size of one default page of each answer is under these. */
const MAP_PAGE_BYTES = 512 * 1024;
const NODE_PAGE_BYTES = 512 * 1024;
const REPORT_PAGE_BYTES = 512 * 1024;
const DASHBOARD_PAGE_BYTES = 512 * 1024;
const TIMEOUT = 600_000;

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ maxSnapshotBytes: 64 * 1024 * 1024 });
  await h.reset();
  const token = await h.register("big");
  // Pod i holds ports i*PORTS_PER_POD+1 … (i+1)*PORTS_PER_POD on node i mod 3: one row each.
  const pods = Array.from({ length: PODS }, (_, i) =>
    hostNetworkPod(
      "load",
      `listener-${i}`,
      NODES[i % NODES.length] ?? "node-a",
      Array.from({ length: PORTS_PER_POD }, (_, j) => i * PORTS_PER_POD + j + 1),
    ),
  );
  const res = await h.push(
    token,
    snapshot(
      "big",
      "2026-11-27T10:00:00Z",
      NODES.map((n) => node(n)),
      pods,
    ),
  );
  expect(res.status).toBe(200);
}, TIMEOUT);
afterAll(() => h.close());

async function get(path: string) {
  const res = await h.app.request(path, { headers: h.admin });
  const body = await res.text();
  expect(res.status, body.slice(0, 300)).toBe(200);
  return body;
}
const trpcPath = (path: string, input: unknown) =>
  `/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`;
async function trpc<T>(path: string, input: unknown): Promise<{ data: T; bytes: number }> {
  const body = await get(trpcPath(path, input));
  return { data: (JSON.parse(body) as { result: { data: T } }).result.data, bytes: Buffer.byteLength(body) };
}

interface MapPage {
  ports: { hostPort: number; protocol: string; hostIP: string; heldCount: number }[];
  totalPorts: number;
  nextCursor: string | null;
  prevCursor: string | null;
}

/** Every page's ports in order; each page checked against the limit. */
async function walk<P>(
  first: string | undefined,
  read: (cursor: string | undefined) => Promise<{ page: P; ports: number[]; next: string | null }>,
  limit: number,
) {
  const seen: number[] = [];
  let cursor = first;
  let pages = 0;
  do {
    const { ports, next } = await read(cursor);
    expect(ports.length).toBeLessThanOrEqual(limit);
    seen.push(...ports);
    cursor = next ?? undefined;
    pages++;
  } while (cursor !== undefined);
  return { seen, pages };
}

/** Every port 1…TOTAL exactly once, in order. */
function expectEveryPortOnce(seen: readonly number[]) {
  expect(seen.length).toBe(TOTAL);
  expect(new Set(seen).size).toBe(TOTAL);
  expect(seen.every((port, i) => port === i + 1)).toBe(true);
}

describe(`a cluster of ${PODS} pods × ${PORTS_PER_POD} host ports`, () => {
  it(
    "ports.map answers a page of rows with the total and the cursors, and its pages cover every port once",
    async () => {
      const { data: first, bytes } = await trpc<MapPage>("ports.map", { cluster: "big" });
      expect(first.ports).toHaveLength(DEFAULT_PORT_MAP_ROWS);
      expect(bytes).toBeLessThan(MAP_PAGE_BYTES);
      expect(first).toMatchObject({ totalPorts: TOTAL, prevCursor: null });
      expect(first.nextCursor).not.toBeNull();
      expect(first.ports[0]).toMatchObject({ hostPort: 1, protocol: "TCP", heldCount: 1 });

      const { seen } = await walk(
        undefined,
        async (cursor) => {
          const { data } = await trpc<MapPage>("ports.map", {
            cluster: "big",
            limit: MAX_PORT_MAP_ROWS,
            cursor,
          });
          expect(data.totalPorts).toBe(TOTAL);
          return { page: data, ports: data.ports.map((p) => p.hostPort), next: data.nextCursor };
        },
        MAX_PORT_MAP_ROWS,
      );
      expectEveryPortOnce(seen);

      // The page before the second is the first.
      const second = await trpc<MapPage>("ports.map", { cluster: "big", cursor: first.nextCursor });
      expect(second.data.ports[0]?.hostPort).toBe(DEFAULT_PORT_MAP_ROWS + 1);
      const back = await trpc<MapPage>("ports.map", { cluster: "big", before: second.data.prevCursor });
      expect(back.data.ports.map((p) => p.hostPort)).toEqual(first.ports.map((p) => p.hostPort));
      expect(back.data.prevCursor).toBeNull();
    },
    TIMEOUT,
  );

  it("ports.map refuses a limit past its bound and a malformed cursor", async () => {
    const tooMany = await h.rawQuery("ports.map", { cluster: "big", limit: MAX_PORT_MAP_ROWS + 1 });
    expect(tooMany).toMatchObject({ ok: false, status: 400 });
    const bad = await h.rawQuery("ports.map", { cluster: "big", cursor: "80/TCP/0.0.0.0';--" });
    expect(bad).toMatchObject({ ok: false, status: 400 });
  });

  it(
    "ports.node answers a page of the node's allocations with their count, and its pages cover them once",
    async () => {
      interface NodePage {
        allocations: { hostPort: number }[];
        allocationCount: number;
        nextCursor: string | null;
      }
      const { data: first, bytes } = await trpc<NodePage>("ports.node", { cluster: "big", node: "node-a" });
      expect(first.allocations).toHaveLength(1000);
      expect(bytes).toBeLessThan(NODE_PAGE_BYTES);
      expect(first.allocationCount).toBe(2 * PORTS_PER_POD);
      expect(first.nextCursor).not.toBeNull();

      // node-a runs pods 0 and 3.
      const { seen } = await walk(
        undefined,
        async (cursor) => {
          const { data } = await trpc<NodePage>("ports.node", {
            cluster: "big",
            node: "node-a",
            limit: MAX_NODE_ALLOCATIONS,
            cursor,
          });
          return { page: data, ports: data.allocations.map((a) => a.hostPort), next: data.nextCursor };
        },
        MAX_NODE_ALLOCATIONS,
      );
      const expected = [
        ...Array.from({ length: PORTS_PER_POD }, (_, j) => j + 1),
        ...Array.from({ length: PORTS_PER_POD }, (_, j) => 3 * PORTS_PER_POD + j + 1),
      ];
      expect(seen).toEqual(expected);
    },
    TIMEOUT,
  );

  it(
    "reports.portMap in Markdown comes a page of rows at a time, the pages concatenating into the document",
    async () => {
      interface ReportPage {
        content: string;
        nextCursor: string | null;
      }
      const rowPorts = (content: string) =>
        content
          .split("\n")
          .map((line) => /^\| (\d+) \| TCP \|/.exec(line)?.[1])
          .filter((port) => port !== undefined)
          .map(Number);
      const { data: first, bytes } = await trpc<ReportPage>("reports.portMap", {
        cluster: "big",
        format: "markdown",
      });
      expect(rowPorts(first.content)).toHaveLength(DEFAULT_PORT_MAP_ROWS);
      expect(bytes).toBeLessThan(REPORT_PAGE_BYTES);
      expect(first.content).toContain(`${TOTAL} host ports held`);
      expect(first.nextCursor).toMatch(/^big\//);

      const contents: string[] = [];
      const { seen } = await walk(
        undefined,
        async (cursor) => {
          const { data } = await trpc<ReportPage>("reports.portMap", {
            cluster: "big",
            format: "markdown",
            portLimit: MAX_PORT_MAP_ROWS,
            cursor,
          });
          contents.push(data.content);
          return { page: data, ports: rowPorts(data.content), next: data.nextCursor };
        },
        MAX_PORT_MAP_ROWS,
      );
      expectEveryPortOnce(seen);
      const document = contents.join("");
      expect(document.match(/^## big$/gm)).toHaveLength(1);
      expect(document.match(/^\| Port \|/gm)).toHaveLength(1);
      // One table: no line between the first row and the last is anything but a row.
      const lines = document.trimEnd().split("\n");
      const firstRow = lines.findIndex((line) => /^\| 1 \|/.test(line));
      expect(lines.slice(firstRow).every((line) => /^\| \d+ \|/.test(line))).toBe(true);
    },
    TIMEOUT,
  );

  it(
    "reports.portMap in JSON comes a page of rows at a time, and its pages cover every port once",
    async () => {
      interface JsonPage {
        content: string;
        nextCursor: string | null;
      }
      interface JsonMap {
        clusters: {
          cluster: string;
          continued: boolean;
          totalPorts: number;
          ports: { hostPort: number }[];
        }[];
      }
      const { data: first, bytes } = await trpc<JsonPage>("reports.portMap", {
        cluster: "big",
        format: "json",
      });
      const parsed = JSON.parse(first.content) as JsonMap;
      expect(parsed.clusters[0]?.ports).toHaveLength(DEFAULT_PORT_MAP_ROWS);
      expect(parsed.clusters[0]).toMatchObject({ totalPorts: TOTAL, continued: false });
      expect(bytes).toBeLessThan(REPORT_PAGE_BYTES);
      expect(first.nextCursor).not.toBeNull();

      const { seen } = await walk(
        undefined,
        async (cursor) => {
          const { data } = await trpc<JsonPage>("reports.portMap", {
            cluster: "big",
            format: "json",
            portLimit: MAX_PORT_MAP_ROWS,
            cursor,
          });
          const clusters = (JSON.parse(data.content) as JsonMap).clusters;
          expect(clusters).toHaveLength(1);
          expect(clusters[0]?.continued).toBe(cursor !== undefined);
          return {
            page: data,
            ports: clusters.flatMap((c) => c.ports.map((p) => p.hostPort)),
            next: data.nextCursor,
          };
        },
        MAX_PORT_MAP_ROWS,
      );
      expectEveryPortOnce(seen);
    },
    TIMEOUT,
  );

  it(
    "the fleet report bounds its rows per page too, and goes on inside a cluster",
    async () => {
      const first = await trpc<{ content: string; nextCursor: string | null }>("reports.portMap", {
        format: "csv",
        portLimit: 10,
      });
      expect(first.data.content.trimEnd().split("\n")).toHaveLength(11);
      expect(first.data.nextCursor).toBe("big/10/TCP/0.0.0.0");
    },
    TIMEOUT,
  );

  it(
    "the dashboard's cluster page shows one page of port rows, its next and previous links keeping the URL state",
    async () => {
      const gridPorts = (html: string) =>
        [...html.matchAll(/<th scope="row"><a href="[^"]*">(\d+)\/TCP<\/a>/g)].map((m) => Number(m[1]));
      const nextLink = (html: string) =>
        /<a href="([^"]*)">Next ports<\/a>/.exec(html)?.[1]?.replaceAll("&amp;", "&");
      const prevLink = (html: string) =>
        /<a href="([^"]*)">Previous ports<\/a>/.exec(html)?.[1]?.replaceAll("&amp;", "&");

      const firstHtml = await get("/clusters/big?nodesAfter=node-a");
      expect(Buffer.byteLength(firstHtml)).toBeLessThan(DASHBOARD_PAGE_BYTES);
      expect(gridPorts(firstHtml)).toHaveLength(GRID_PORTS_PER_PAGE);
      expect(firstHtml).toContain(`${TOTAL} host ports`);
      expect(prevLink(firstHtml)).toBeUndefined();
      const secondPath = nextLink(firstHtml);
      expect(secondPath).toMatch(/^\/clusters\/big\?nodesAfter=node-a&after=/);

      // Previous from the second page is the first page again, the node page kept.
      const secondHtml = await get(secondPath ?? "");
      const back = prevLink(secondHtml);
      expect(back).toMatch(/^\/clusters\/big\?nodesAfter=node-a&before=/);
      expect(gridPorts(await get(back ?? ""))).toEqual(gridPorts(firstHtml));

      // Following "Next ports" from the first page: each page takes up where the last ended. (Every
      // page of 600 would take minutes here; the last page is reached by its cursor instead.)
      const seen: number[] = [];
      let path: string | undefined = "/clusters/big";
      for (let i = 0; i < 5 && path !== undefined; i++) {
        const html = await get(path);
        expect(Buffer.byteLength(html)).toBeLessThan(DASHBOARD_PAGE_BYTES);
        seen.push(...gridPorts(html));
        path = nextLink(html);
      }
      expect(seen).toEqual(Array.from({ length: 5 * GRID_PORTS_PER_PAGE }, (_, i) => i + 1));
      const lastHtml = await get(`/clusters/big?after=${encodeURIComponent(`${TOTAL - 50}/TCP/0.0.0.0`)}`);
      expect(gridPorts(lastHtml)).toEqual(Array.from({ length: 50 }, (_, i) => TOTAL - 49 + i));
      expect(nextLink(lastHtml)).toBeUndefined();
      expect(prevLink(lastHtml)).toBeDefined();
    },
    TIMEOUT,
  );
});
