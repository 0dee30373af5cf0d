/**
 * The cluster page's port grid with observed listeners, as the server renders it: each cell's mark,
 * the will-crash cell, observed-only rows, unobserved nodes apart from free ones, the legend, a
 * process name with markup as text, and the page as of an instant before any report.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GRID_CLUSTER, HOSTILE_PROCESS, observedGridSnapshot } from "../fixtures/observed-grid.js";
import { createHarness, type Harness } from "../helpers/app.js";

const at = (minute: number) => new Date(Date.parse("2026-12-01T10:00:00Z") + minute * 60_000).toISOString();

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ now: () => new Date(at(15)) });
  await h.reset();
  const token = await h.register(GRID_CLUSTER);
  for (const [minute, listening] of [
    [0, false],
    [10, true],
  ] as const) {
    const res = await h.push(token, observedGridSnapshot(at(minute), listening));
    expect(res.status, await res.clone().text()).toBe(200);
  }
});
afterAll(() => h.close());

async function page(path: string) {
  const res = await h.app.request(path, { headers: h.admin });
  expect(res.status).toBe(200);
  return res.text();
}

/** The grid row of a port: the <tr> whose header links to it. */
function gridRow(html: string, port: string): string {
  const link = html.indexOf(`>${port}</a>`);
  expect(link, `no row ${port}`).toBeGreaterThan(-1);
  return html.slice(html.lastIndexOf("<tr>", link), html.indexOf("</tr>", link));
}

/** The row's node cells in column order (the six first cells are the row's own). */
const nodeCells = (row: string) => row.split("<td").slice(6);

describe("the port grid with observed listeners", () => {
  it("outlines the free node where an undeclared listener would crash a replica, its name as text", async () => {
    const html = await page(`/clusters/${GRID_CLUSTER}`);
    const [w0, w1, w2, w3] = nodeCells(gridRow(html, "9100/TCP"));
    expect(w0).toMatch(/class="cell-held".*node-exporter.*class="obs obs-declared"/s);
    expect(w1).toContain("obs obs-declared");
    expect(w2).toContain('class="cell-free cell-risk"');
    expect(w2).toContain('class="obs obs-risk"');
    expect(w2).toContain("⚠ &lt;img src=x|&gt;");
    expect(html).not.toContain(HOSTILE_PROCESS);
    // w3 sends no report: free for the scheduler, marked not observed.
    expect(w3).toContain('class="cell-free cell-unobserved"');
    expect(w3).toContain("n/o");
  });

  it("lists the ports only listeners hold as observed-only rows, loopback ones included", async () => {
    const html = await page(`/clusters/${GRID_CLUSTER}`);
    for (const port of ["22/TCP", "29103/TCP"]) {
      expect(gridRow(html, port)).toContain('class="status status-observed">observed only');
    }
    // No holder: no held count, no free slots (a free count of 0 would read as full).
    expect(gridRow(html, "29103/TCP").match(/<td class="num muted">–<\/td>/g)).toHaveLength(2);
    const [w0, , w2, w3] = nodeCells(gridRow(html, "29103/TCP"));
    expect(w0).toContain("obs ovnkube");
    expect(w2).toMatch(/class="cell-none".*–/s);
    expect(w3).toMatch(/class="cell-unobserved".*n\/o/s);
    expect(gridRow(html, "22/TCP")).toContain("listening on 3 observed nodes");
  });

  it("marks the unobserved node's column and explains every mark in the legend", async () => {
    const html = await page(`/clusters/${GRID_CLUSTER}`);
    const header = html.slice(html.indexOf("<thead>"), html.indexOf("</thead>"));
    expect(
      header.match(/<th scope="col" class="node"[^>]*>.*?<\/th>/gs)?.map((th) => th.includes("n/o")),
    ).toEqual([false, false, false, true]);
    const legend = html.slice(html.indexOf('class="legend"'));
    for (const mark of [
      "obs obs-declared",
      "obs obs-undeclared",
      "obs obs-risk",
      "status-observed",
      "unobs",
    ]) {
      expect(legend).toContain(mark);
    }
    expect(legend).toContain("a wildcard bind of the port (0.0.0.0) fails on them");
  });

  it("shows declared holds only, and says so, as of an instant before any node reported", async () => {
    const html = await page(`/clusters/${GRID_CLUSTER}?asOf=${encodeURIComponent(at(5))}`);
    expect(html).not.toContain("observed only</div>");
    expect(html).toContain("None of these nodes sends listener reports");
    const [, , w2, w3] = nodeCells(gridRow(html, "9100/TCP"));
    expect(w2).toMatch(/class="cell-free".*free/s);
    expect(w2).not.toContain("obs");
    expect(w3).not.toContain("n/o");
  });
});
