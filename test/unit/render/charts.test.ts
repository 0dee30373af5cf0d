import { describe, expect, it } from "vitest";
import type { TrendReport } from "../../../src/domain/trend-report-content.js";
import { toCsv } from "../../../src/render/csv.js";
import { labelledSparkline, renderSeriesText, sparkline } from "../../../src/render/sparkline.js";
import { barChartSvg, lineChartSvg } from "../../../src/render/svg-chart.js";
import { humanDuration, renderTrendReport } from "../../../src/render/trend-report.js";

const HOSTILE = "<img src=x onerror=alert(1)>";
const t = (h: number) => new Date(Date.UTC(2026, 10, 27, h)).toISOString();
const series = (values: (number | null)[]) => values.map((value, h) => ({ t: t(h), value }));

describe("sparkline", () => {
  it.each([
    ["rising from the floor to the top", [0, 1, 2, 3, 4, 5, 6, 7], 60, "▁▂▃▄▅▆▇█"],
    ["flat zero on the floor", [0, 0, 0], 60, "▁▁▁"],
    ["flat non-zero at mid-height", [4, 4], 60, "▄▄"],
    ["gaps as spaces", [1, null, 3], 60, "▁ █"],
    ["nothing known: all gaps", [null, null], 60, "  "],
    ["longer than the width: each column the bucket's highest", [0, 9, 0, 0, 0, 0], 3, "█▁▁"],
    ["a width over the bound is cut to it", Array.from({ length: 300 }, () => 1), 1000, "▄".repeat(200)],
  ])("%s", (_name, values, width, expected) => {
    expect(sparkline(values, width)).toBe(expected);
  });
});

describe("labelledSparkline: the ends are the first and last values, read left to right", () => {
  it.each([
    ["a drop reads from 2 down to 1", [2, 2, 2, 1, 1], "2 ███▁▁ 1"],
    ["a rise reads from 1 up to 2", [1, 1, 2], "1 ▁▁█ 2"],
    ["a peak in the middle: both ends are the same value, not min and max", [1, 5, 1], "1 ▁█▁ 1"],
    ["ends skip gaps: the first and last known values", [null, 3, 0, null], "3  █▁  0"],
    ["nothing known: no labels", [null, null], "  "],
  ])("%s", (_name, values, expected) => {
    expect(labelledSparkline(values, 60)).toBe(expected);
  });
});

describe("renderSeriesText", () => {
  it("prints the chart between its first and last values, the summary and the changes with instants", () => {
    const text = renderSeriesText("allocations 9100", series([2, 2, 5, 4]), { width: 40 });
    expect(text.split("\n")).toEqual([
      `allocations 9100  ${t(0)} → ${t(3)} (4 points)`,
      "2 ▁▁█▆ 4",
      `min 2 at ${t(0)} · max 5 at ${t(2)} · last 4 at ${t(3)}`,
      "biggest changes:",
      `      +3  ${t(2)}  2 → 5`,
      `      -1  ${t(3)}  5 → 4`,
    ]);
  });

  it("says when a series has no values or no changes", () => {
    expect(renderSeriesText("h", series([null, null]))).toMatch(/no values in this range$/);
    expect(renderSeriesText("h", series([1, 1]))).toMatch(/no changes$/);
  });
});

describe("toCsv", () => {
  it.each([
    [["a", "b"], [[1, "x"]], "a,b\n1,x"],
    [["name"], [['say "hi", then']], 'name\n"say ""hi"", then"'],
    [["v"], [[null], [true]], "v\n\ntrue"],
  ])("%j %j", (headers, rows, expected) => {
    expect(toCsv(headers, rows)).toBe(expected);
  });
});

describe("SVG charts", () => {
  it("escapes every name it draws: title, series, bars", () => {
    const line = lineChartSvg({
      title: HOSTILE,
      instants: [t(0), t(1)],
      series: [{ name: HOSTILE, values: [1, 2] }],
    });
    const bars = barChartSvg({ title: HOSTILE, bars: [{ label: HOSTILE, value: 3 }] });
    for (const svg of [line, bars]) {
      expect(svg).not.toContain("<img");
      expect(svg).toContain("&lt;img src=x");
      expect(svg).not.toMatch(/<script/i);
    }
  });

  it.each([
    ["a line through known points", [1, 2, 3], 1, 0],
    ["a gap splits the line", [1, 2, null, 3, 4], 2, 0],
    ["a lone point between gaps is a dot", [1, null, 2, null], 0, 2],
  ])("%s", (_name, values, polylines, dots) => {
    const svg = lineChartSvg({
      title: "c",
      instants: values.map((_, i) => t(i)),
      series: [{ name: "s", values }],
    });
    expect(svg.match(/<polyline /g)?.length ?? 0).toBe(polylines);
    expect(svg.match(/<circle /g)?.length ?? 0).toBe(dots);
  });

  it("starts the x-range at the first observation: no ramp from 0, the first instant labelled is the first known", () => {
    const svg = lineChartSvg({
      title: "c",
      instants: [t(0), t(1), t(2), t(3)],
      series: [{ name: "s", values: [null, null, 0, 10] }],
    });
    expect(svg).toContain('points="48,184 628,28"');
    expect(svg).toContain(`>${t(2)}</text>`);
    expect(svg).not.toContain(`>${t(0)}</text>`);
  });

  it("draws series with identical values distinctly: own dashes, markers, and a legend saying which coincide", () => {
    const svg = lineChartSvg({
      title: "c",
      instants: [t(0), t(1), t(2)],
      series: [
        { name: "router-default", values: [2, 2, 3] },
        { name: "router-internal", values: [2, 2, 3] },
        { name: "other", values: [0, 1, 0] },
      ],
    });
    const lines = [...svg.matchAll(/<polyline [^>]*>/g)].map((m) => m[0]);
    // the same points (values are not moved), told apart by their dashes
    expect(lines).toHaveLength(3);
    expect(/points="([^"]+)"/.exec(lines[0] ?? "")?.[1]).toBe(/points="([^"]+)"/.exec(lines[1] ?? "")?.[1]);
    expect(lines[0]).not.toContain("stroke-dasharray");
    expect(lines[1]).toContain('stroke-dasharray="7 4"');
    // markers on the two that coincide (3 points each: circles and squares), none on the other
    expect(svg.match(/<circle /g)).toHaveLength(3);
    expect(svg.match(/<rect /g)).toHaveLength(3);
    expect(svg).toContain(">router-internal (same as router-default)</text>");
    expect(svg).toContain(">router-default</text>");
  });

  it("marks events as numbered vertical lines at their instant, the text escaped as a tooltip", () => {
    const svg = lineChartSvg({
      title: "c",
      instants: [t(0), t(1), t(2)],
      series: [{ name: "s", values: [0, 1, 2] }],
      marks: [
        { at: t(1), label: `prod-eu-1: IngressController added ${HOSTILE}` },
        { at: t(9), label: "outside the chart: not drawn" },
      ],
    });
    expect(svg.match(/<g class="event">/g)).toHaveLength(1);
    expect(svg).toContain('<path d="M338 28V184" stroke="#777" stroke-dasharray="3 3"/>');
    expect(svg).toContain(`<title>1. ${t(1)} prod-eu-1: IngressController added &lt;img`);
    expect(svg).not.toContain("<img");
  });

  it("scales y from 0 to the highest value and labels both ends of x", () => {
    const svg = lineChartSvg({
      title: "c",
      instants: [t(0), t(1)],
      series: [{ name: "s", values: [0, 10] }],
    });
    expect(svg).toContain('points="48,184 628,28"');
    expect(svg).toContain(`>${t(0)}</text>`);
    expect(svg).toContain(`>${t(1)}</text>`);
  });

  it("draws bars proportional to the highest, a negative one as empty", () => {
    const svg = barChartSvg({
      title: "b",
      bars: [
        { label: "a", value: 4 },
        { label: "b", value: 2 },
        { label: "c", value: -1 },
      ],
    });
    expect([...svg.matchAll(/<rect [^>]*width="([\d.]+)"/g)].map((m) => Number(m[1]))).toEqual([328, 164, 0]);
  });
});

const empty = { items: [], more: 0 };
function report(overrides: Partial<TrendReport> = {}): TrendReport {
  return {
    from: t(0),
    to: t(4),
    step: 3600,
    scope: "the whole fleet",
    clusters: { added: empty, removed: empty, silent: empty },
    ports: { fleet: { appeared: empty, vanished: empty }, byCluster: { appeared: empty, vanished: empty } },
    workloads: { started: empty, stopped: empty },
    headroom: empty,
    conflicts: empty,
    events: empty,
    charts: {
      fleet: {
        name: "all host ports",
        points: series([0, 1, 2, 2, 1]).map((p) => ({ t: p.t, value: p.value ?? 0 })),
      },
      topPorts: [],
    },
    ...overrides,
  };
}

describe("the trend report", () => {
  const hostile = report({
    scope: `cluster ${HOSTILE}`,
    workloads: {
      started: {
        items: [{ cluster: "c", namespace: "ns", kind: "Deployment", name: HOSTILE, at: t(1) }],
        more: 0,
      },
      stopped: empty,
    },
    headroom: {
      items: [
        {
          cluster: "c",
          namespace: "ns",
          kind: "Deployment",
          name: HOSTILE,
          lowest: 0,
          at: t(2),
          status: "none",
        },
      ],
      more: 3,
    },
  });

  it.each(["markdown", "html"] as const)("escapes names in %s", (format) => {
    const text = renderTrendReport(hostile, format);
    expect(text).not.toContain("<img");
    expect(text).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });

  it("keeps a pipe inside a Markdown cell", () => {
    const text = renderTrendReport(
      report({
        clusters: { added: { items: [{ name: "a|b", at: t(1) }], more: 0 }, removed: empty, silent: empty },
      }),
      "markdown",
    );
    expect(text).toContain(`| a\\|b | ${t(1)} |`);
  });

  it("says how many rows a list left out, and when a list is empty", () => {
    const markdown = renderTrendReport(hostile, "markdown");
    expect(markdown).toContain("… and 3 more");
    expect(markdown).toMatch(/### Added\n\n_none_/);
    const html = renderTrendReport(hostile, "html");
    expect(html).toContain('<p class="more">… and 3 more</p>');
  });

  it("is one HTML file: inline style and SVG, no script, link or external source", () => {
    const low = {
      cluster: "c",
      namespace: "ns",
      kind: "Deployment",
      name: "router",
      lowest: 1,
      at: t(2),
      status: "low",
    };
    const html = renderTrendReport(report({ headroom: { items: [low], more: 0 } }), "html");
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain("<style>");
    expect(html.match(/<svg /g)).toHaveLength(2); // allocations and headroom lows (no top ports)
    expect(html).not.toMatch(/<script|<link|<img|src=|href=/i);
  });

  it.each([
    [
      "a rise and a fall: first 0, last 1, low 0, high 2",
      [0, 1, 2, 2, 1],
      "| all host ports | 0 | `▁▅██▅` | 1 | 0 | 2 |",
    ],
    ["a drop: first 2, last 1", [2, 2, 2, 1, 1], "| all host ports | 2 | `███▁▁` | 1 | 1 | 2 |"],
  ])("charts the allocations as a Markdown row: %s", (_name, values, row) => {
    const points = values.map((value, h) => ({ t: t(h), value }));
    const markdown = renderTrendReport(
      report({ charts: { fleet: { name: "all host ports", points }, topPorts: [] } }),
      "markdown",
    );
    expect(markdown).toContain("| Series | First | Over the period | Last | Min | Max |");
    expect(markdown).toContain(row);
  });
});

describe("the trend report's events", () => {
  const events = {
    items: [
      { at: t(1), kind: "conflict-started" as const, cluster: "dev-eu-1", subject: "apps/apm-0 (8126/TCP)" },
      {
        at: t(3),
        kind: "cluster-silent" as const,
        cluster: "edge-ap-1",
        subject: "last push 2026-11-27T00:00:00Z",
      },
    ],
    more: 4,
  };

  it("lists them in Markdown, numbered as on the chart, with how many more", () => {
    const markdown = renderTrendReport(report({ events }), "markdown");
    expect(markdown).toContain("## Events");
    expect(markdown).toContain(`| 1 | ${t(1)} | dev-eu-1 | conflict started apps/apm-0 (8126/TCP) |`);
    expect(markdown).toContain(`| 2 | ${t(3)} | edge-ap-1 | cluster silent last push 2026-11-27T00:00:00Z |`);
    expect(markdown).toContain("… and 4 more");
  });

  it("marks them on the HTML report's allocation chart", () => {
    const html = renderTrendReport(report({ events }), "html");
    expect(html.match(/<g class="event">/g)).toHaveLength(2);
    expect(html).toContain("<title>1. ");
  });
});

describe("durations", () => {
  it.each([
    [40, "40s"],
    [300, "5m"],
    [7200, "2h"],
    [7500, "2h 5m"],
    [86_400 * 3 + 3600 * 4, "3d 4h"],
  ])("%i s reads %s", (seconds, text) => {
    expect(humanDuration(seconds)).toBe(text);
  });
});
