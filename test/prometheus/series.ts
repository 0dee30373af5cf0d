/**
 * A /metrics scrape as promtool's input series: the families the alerting rules read, each sample a
 * constant series. Parsed with a text-format parser, never with regular expressions.
 */
import parsePrometheusTextFormat from "parse-prometheus-text-format";

/** What deploy/prometheus/portolan-rules.yaml reads. */
export const RULE_INPUTS = [
  "portolan_workload_headroom",
  "portolan_workload_shared_port_set",
  "portolan_shared_port_set_headroom",
  "portolan_cluster_stale",
  "portolan_cluster_host_port_pending_pods",
  "portolan_cluster_undeclared_listeners",
] as const;

/** The promtool unit tests; the first one's input series are a scrape of the demo fleet. */
export const RULES_TEST_FILE = new URL(
  "../../deploy/prometheus/tests/portolan-rules.test.yaml",
  import.meta.url,
);
export const DEMO_SERIES_MINUTES = 60;

export interface InputSeries {
  series: string;
  values: string;
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseScrape(text: string): Sample[] {
  return parsePrometheusTextFormat(text).flatMap((family) =>
    family.metrics.map((m) => ({ name: family.name, labels: m.labels ?? {}, value: Number(m.value) })),
  );
}

/** `name{k="v",…}` with the labels sorted, escaped as the exposition format and PromQL both read. */
export function seriesName(sample: Pick<Sample, "name" | "labels">): string {
  const labels = Object.entries(sample.labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}="${v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`);
  return `${sample.name}{${labels.join(",")}}`;
}

/** Each rule input sample held constant for `minutes` minutes (promtool's `a+0xN`). */
export function promtoolInputSeries(text: string, minutes: number): InputSeries[] {
  const wanted = new Set<string>(RULE_INPUTS);
  return parseScrape(text)
    .filter((s) => wanted.has(s.name))
    .map((s) => ({ series: seriesName(s), values: `${s.value}+0x${minutes}` }))
    .sort((a, b) => (a.series < b.series ? -1 : a.series > b.series ? 1 : 0));
}
