/**
 * Small SVG charts rendered on the server, so a downloaded HTML report is one self-contained file:
 * no scripts, no external fonts or styles. Every text that reaches the markup (titles, series and bar
 * names, instants) goes through escapeHtml, since names come from clusters' own objects.
 */
import { coincidingSet, legendLabels } from "../domain/coinciding-series.js";
import { firstKnownIndex } from "../domain/time-series.js";
import { escapeHtml } from "./escape.js";

export interface ChartSeries {
  name: string;
  /** one value per instant of the chart's `instants`; null is a gap */
  values: readonly (number | null)[];
}

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf"] as const;
const colour = (i: number) => PALETTE[i % PALETTE.length];

/**
 * Each series its own dash pattern (the first solid), so series drawn over one another still show
 * each other's colour in the gaps; never offsets, which would misstate values.
 */
const DASHES = ["", "7 4", "2 3", "10 3 2 3", "4 4", "1 5", "12 6"] as const;
const dash = (i: number) => DASHES[i % DASHES.length] ?? "";
const dashAttr = (i: number) => (dash(i) ? ` stroke-dasharray="${dash(i)}"` : "");

/** Point markers by series, drawn where series coincide: a circle, a square, a triangle, a diamond. */
function marker(i: number, x: number, y: number, fill: string): string {
  const d = 3;
  switch (i % 4) {
    case 0:
      return `<circle cx="${x}" cy="${y}" r="${d}" fill="none" stroke="${fill}"/>`;
    case 1:
      return `<rect x="${x - d}" y="${y - d}" width="${2 * d}" height="${2 * d}" fill="none" stroke="${fill}"/>`;
    case 2:
      return `<path d="M${x} ${y - d - 1}L${x + d + 1} ${y + d}H${x - d - 1}Z" fill="none" stroke="${fill}"/>`;
    default:
      return `<path d="M${x} ${y - d - 1}L${x + d + 1} ${y}L${x} ${y + d + 1}L${x - d - 1} ${y}Z" fill="none" stroke="${fill}"/>`;
  }
}

const PAD = { left: 48, right: 12, top: 28, bottom: 36 } as const;
const LEGEND_ROW = 14;
const round = (n: number) => Math.round(n * 10) / 10;

/**
 * Lines over shared instants, y from 0 to the highest value. A gap (null) breaks a line into
 * segments; a single known point between gaps is drawn as a dot. The x-range starts at the first
 * instant a series knows a value at (the first observation), not at a run of unknowns.
 */
export function lineChartSvg(whole: {
  title: string;
  instants: readonly string[];
  series: readonly ChartSeries[];
  /** events drawn as numbered vertical lines (their text is the line's tooltip) */
  marks?: readonly { at: string; label: string }[];
  width?: number;
  height?: number;
}): string {
  const start = firstKnownIndex(whole.series.map((s) => s.values));
  const chart = {
    ...whole,
    instants: whole.instants.slice(start),
    series: whole.series.map((s) => ({ ...s, values: s.values.slice(start) })),
  };
  const width = chart.width ?? 640;
  const height = chart.height ?? 220;
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const known = chart.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const high = Math.max(1, ...known);
  const low = Math.min(0, ...known);
  const n = chart.instants.length;
  const x = (i: number) => round(PAD.left + (n <= 1 ? plotW / 2 : (i * plotW) / (n - 1)));
  const y = (v: number) => round(PAD.top + plotH - ((v - low) / (high - low)) * plotH);
  const parts: string[] = [];
  const marked = coincidingSet(chart.series.map((s) => s.values));
  chart.series.forEach((s, k) => {
    const stroke = colour(k);
    let segment: string[] = [];
    const flush = () => {
      if (segment.length === 1) {
        const [px, py] = segment[0]?.split(",") ?? [];
        parts.push(`<circle cx="${px}" cy="${py}" r="2" fill="${stroke}"/>`);
      } else if (segment.length > 1)
        parts.push(
          `<polyline fill="none" stroke="${stroke}" stroke-width="1.5"${dashAttr(k)} points="${segment.join(" ")}"/>`,
        );
      segment = [];
    };
    s.values.forEach((v, i) => {
      if (v === null) flush();
      else {
        segment.push(`${x(i)},${y(v)}`);
        if (marked[k]) parts.push(marker(k, x(i), y(v), stroke ?? "#000"));
      }
    });
    flush();
  });
  // Events: a dashed vertical line each, numbered as the report's Events list, the text as its tooltip.
  const t0 = Date.parse(chart.instants[0] ?? "");
  const t1 = Date.parse(chart.instants.at(-1) ?? "");
  (whole.marks ?? []).forEach((m, i) => {
    const at = Date.parse(m.at);
    if (!(at >= t0 && at <= t1) || t1 <= t0) return;
    const mx = round(PAD.left + ((at - t0) / (t1 - t0)) * plotW);
    parts.push(
      `<g class="event"><title>${escapeHtml(`${i + 1}. ${m.at} ${m.label}`)}</title><path d="M${mx} ${PAD.top}V${PAD.top + plotH}" stroke="#777" stroke-dasharray="3 3"/><text x="${mx}" y="${PAD.top - 3}" text-anchor="middle" font-size="9">${i + 1}</text></g>`,
    );
  });
  // One legend row per series: a sample of its line (colour and dashes) and its name, saying which coincide.
  const legend = legendLabels(chart.series).map((label, k) => {
    const row = height + k * LEGEND_ROW - 6;
    return `<path d="M${PAD.left} ${row - 4}h24" stroke="${colour(k)}" stroke-width="1.5"${dashAttr(k)}/><text x="${PAD.left + 30}" y="${row}" fill="${colour(k)}">${escapeHtml(clip(label, 90))}</text>`;
  });
  const first = chart.instants[0] ?? "";
  const last = chart.instants.at(-1) ?? "";
  return svg(width, height + LEGEND_ROW * Math.max(0, chart.series.length - 1), chart.title, [
    axes(width, height),
    `<text x="${PAD.left - 4}" y="${PAD.top + 4}" text-anchor="end">${high}</text>`,
    `<text x="${PAD.left - 4}" y="${PAD.top + plotH}" text-anchor="end">${low}</text>`,
    `<text x="${PAD.left}" y="${PAD.top + plotH + 14}">${escapeHtml(first)}</text>`,
    `<text x="${width - PAD.right}" y="${PAD.top + plotH + 14}" text-anchor="end">${escapeHtml(last)}</text>`,
    ...parts,
    ...legend,
  ]);
}

/** Horizontal bars from 0, one per labelled value, in the order given. */
export function barChartSvg(chart: {
  title: string;
  bars: readonly { label: string; value: number }[];
  width?: number;
}): string {
  const width = chart.width ?? 640;
  const rowH = 18;
  const labelW = 260;
  const height = PAD.top + chart.bars.length * rowH + 12;
  const high = Math.max(1, ...chart.bars.map((b) => b.value));
  const plotW = width - labelW - PAD.right - 40;
  const rows = chart.bars.map((b, i) => {
    const top = PAD.top + i * rowH;
    const w = round((Math.max(0, b.value) / high) * plotW);
    return [
      `<text x="${labelW - 6}" y="${top + 13}" text-anchor="end">${escapeHtml(clip(b.label, 40))}</text>`,
      `<rect x="${labelW}" y="${top + 3}" width="${w}" height="${rowH - 6}" fill="${colour(0)}"/>`,
      `<text x="${labelW + w + 4}" y="${top + 13}">${b.value}</text>`,
    ].join("");
  });
  return svg(width, height, chart.title, rows);
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function axes(width: number, height: number): string {
  const bottom = height - PAD.bottom;
  return `<path d="M${PAD.left} ${PAD.top}V${bottom}H${width - PAD.right}" fill="none" stroke="#888"/>`;
}

function svg(width: number, height: number, title: string, body: readonly string[]): string {
  const t = escapeHtml(title);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${t}" font-family="sans-serif" font-size="11">`,
    `<title>${t}</title>`,
    `<text x="${PAD.left}" y="16" font-size="13" font-weight="bold">${t}</text>`,
    ...body,
    "</svg>",
  ].join("");
}
