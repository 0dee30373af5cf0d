import { describe, expect, it } from "vitest";
import { promtoolInputSeries, seriesName } from "../prometheus/series.js";

const scrape = [
  "# HELP portolan_cluster_stale 1 when silent",
  "# TYPE portolan_cluster_stale gauge",
  'portolan_cluster_stale{cluster="b"} 0',
  'portolan_cluster_stale{cluster="a"} 1',
  "# HELP portolan_cluster_last_seen_timestamp_seconds not read by the rules",
  "# TYPE portolan_cluster_last_seen_timestamp_seconds gauge",
  'portolan_cluster_last_seen_timestamp_seconds{cluster="a"} 1764500000',
  "# HELP portolan_workload_headroom headroom",
  "# TYPE portolan_workload_headroom gauge",
  'portolan_workload_headroom{name="r",cluster="a",namespace="n",kind="Deployment"} 2',
  "",
].join("\n");

describe("promtool input series from a scrape", () => {
  it("keeps only the rules' inputs, each constant, sorted, labels in name order", () => {
    expect(promtoolInputSeries(scrape, 30)).toEqual([
      { series: 'portolan_cluster_stale{cluster="a"}', values: "1+0x30" },
      { series: 'portolan_cluster_stale{cluster="b"}', values: "0+0x30" },
      {
        series: 'portolan_workload_headroom{cluster="a",kind="Deployment",name="r",namespace="n"}',
        values: "2+0x30",
      },
    ]);
  });

  it.each([
    [{ cluster: "plain" }, 'm{cluster="plain"}'],
    [{ cluster: 'quo"te' }, 'm{cluster="quo\\"te"}'],
    [{ cluster: "back\\slash" }, 'm{cluster="back\\\\slash"}'],
    [{ cluster: "new\nline" }, 'm{cluster="new\\nline"}'],
    [{}, "m{}"],
  ])("writes the labels %j as %s", (labels, expected) => {
    expect(seriesName({ name: "m", labels })).toBe(expected);
  });
});
