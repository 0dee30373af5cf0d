/**
 * Small SVG charts rendered on the server, so a downloaded HTML report is one self-contained file:
 * no scripts, no external fonts or styles. Every text that reaches the markup (titles, series and bar
 * names, instants) goes through escapeHtml, since names come from clusters' own objects.
 */
import { firstKnownIndex } from "../domain/time-series.js";
import { escapeHtml } from "./escape.js";

export interface ChartSeries {
  name: string;
  /** one value per instant of the chart's `instants`; null is a gap */
  values: readonly (number | null)[];
}

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf"] as const;
const colour = (i: number) => PALETTE[i % PALETTE.length];

const PAD = { left: 48, right: 12, top: 28, bottom: 36 } as const;
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
  chart.series.forEach((s, k) => {
    const stroke = colour(k);
    let segment: string[] = [];
    const flush = () => {
      if (segment.length === 1) {
        const [px, py] = segment[0]?.split(",") ?? [];
        parts.push(`<circle cx="${px}" cy="${py}" r="2" fill="${stroke}"/>`);
      } else if (segment.length > 1)
        parts.push(
          `<polyline fill="none" stroke="${stroke}" stroke-width="1.5" points="${segment.join(" ")}"/>`,
        );
      segment = [];
    };
    s.values.forEach((v, i) => {
      if (v === null) flush();
      else segment.push(`${x(i)},${y(v)}`);
    });
    flush();
  });
  const legend = chart.series.map(
    (s, k) =>
      `<text x="${PAD.left + 8 + k * 140}" y="${height - 6}" fill="${colour(k)}">■ ${escapeHtml(clip(s.name, 22))}</text>`,
  );
  const first = chart.instants[0] ?? "";
  const last = chart.instants.at(-1) ?? "";
  return svg(width, height, chart.title, [
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
