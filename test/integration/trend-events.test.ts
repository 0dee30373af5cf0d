/**
 * trends.events over the demo fleet (src/demo) seeded through the real app: the events the charts
 * mark are those the generator put in (the afternoon conflict, the shard-b IngressController, the
 * silent edge cluster), at their instants, bounded by `limit` with a count of the rest.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoEvent, demoFleet } from "../../src/demo/fleet.js";
import type { Harness } from "../helpers/app.js";
import { seededDemo } from "../helpers/demo.js";
import type { OutputOf } from "../helpers/trpc-types.js";

const NOW = new Date("2026-11-30T12:00:00Z");
/** After every cluster's first push (heartbeats start up to 35 minutes into the history). */
const FROM = new Date(NOW.getTime() - 30 * 86_400_000 + 3_600_000).toISOString();

let h: Harness;
let demoEvents: DemoEvent[];
let answer: OutputOf<"trends.events">;

beforeAll(async () => {
  ({ h } = await seededDemo(NOW));
  demoEvents = demoFleet({ now: NOW }).events;
  const result = await h.query("trends.events", { from: FROM, to: NOW.toISOString() });
  if (!result.ok) throw new Error(result.error.message);
  answer = result.data;
}, 180_000);
afterAll(() => h.close());

function demoEvent(cluster: string, kind: string): DemoEvent {
  const found = demoEvents.find((e) => e.cluster === cluster && e.kind === kind);
  if (!found) throw new Error(`no ${kind} event in ${cluster}`);
  return found;
}

describe("trends.events on the demo fleet", () => {
  it("marks the afternoon conflict's start and end: apm-collector Pending on 8126 in dev-eu-1", () => {
    const conflict = demoEvent("dev-eu-1", "conflict");
    const started = answer.events.find(
      (e) => e.kind === "conflict-started" && e.cluster === "dev-eu-1" && e.subject.includes("apm-collector"),
    );
    expect(started).toMatchObject({ at: conflict.at.toISOString() });
    expect(started?.subject).toContain("8126/TCP");
    const ended = answer.events.find(
      (e) => e.kind === "conflict-ended" && e.cluster === "dev-eu-1" && e.subject.includes("apm-collector"),
    );
    expect(Date.parse(ended?.at ?? "")).toBeGreaterThan(conflict.at.getTime());
  });

  it("marks the shard-b IngressController added on prod-eu-1, and internal on prod-us-1", () => {
    const shardB = demoEvent("prod-eu-1", "new-ingress-controller");
    expect(answer.events).toContainEqual(
      expect.objectContaining({
        kind: "ingress-controller-added",
        cluster: "prod-eu-1",
        at: shardB.at.toISOString(),
        subject: expect.stringMatching(/\/shard-b$/),
      }),
    );
    const internal = demoEvent("prod-us-1", "new-ingress-controller");
    expect(answer.events).toContainEqual(
      expect.objectContaining({
        kind: "ingress-controller-added",
        cluster: "prod-us-1",
        at: internal.at.toISOString(),
      }),
    );
  });

  it("marks edge-ap-1 silent once its last push is older than the staleness threshold, and no other", () => {
    const silent = demoEvent("edge-ap-1", "agent-silent");
    const marks = answer.events.filter((e) => e.kind === "cluster-silent");
    expect(marks.map((e) => e.cluster)).toEqual(["edge-ap-1"]);
    expect(Date.parse(marks[0]?.at ?? "")).toBeGreaterThan(silent.at.getTime());
    expect(marks[0]?.subject).toBe(`last push ${silent.at.toISOString().replace(".000Z", "Z")}`);
  });

  it("lists the events earliest first, and no IngressController as added at its cluster's first push", () => {
    const times = answer.events.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(answer.more).toBe(0);
    const early = await0(FROM);
    expect(
      answer.events.filter((e) => e.kind === "ingress-controller-added" && Date.parse(e.at) < early),
    ).toEqual([]);
  });

  it("does not mark an IngressController as added at its cluster's first push, in a window from before it", async () => {
    const whole = await h.query("trends.events", {
      from: new Date(NOW.getTime() - 31 * 86_400_000).toISOString(),
      to: NOW.toISOString(),
      cluster: "prod-eu-1",
    });
    if (!whole.ok) throw new Error(whole.error.message);
    const added = whole.data.events.filter((e) => e.kind === "ingress-controller-added");
    expect(added.map((e) => e.subject)).toEqual([expect.stringMatching(/\/shard-b$/)]);
  });

  it("keeps to the limit and counts the rest; keeps to a cluster", async () => {
    const capped = await h.query("trends.events", { from: FROM, to: NOW.toISOString(), limit: 3 });
    if (!capped.ok) throw new Error(capped.error.message);
    expect(capped.data.events).toEqual(answer.events.slice(0, 3));
    expect(capped.data.more).toBe(answer.events.length - 3);
    const over = await h.rawQuery("trends.events", { from: FROM, to: NOW.toISOString(), limit: 201 });
    expect(over).toMatchObject({ ok: false, error: { data: { code: "BAD_REQUEST" } } });
    const one = await h.query("trends.events", { from: FROM, to: NOW.toISOString(), cluster: "prod-eu-1" });
    if (!one.ok) throw new Error(one.error.message);
    expect(one.data.events.length).toBeGreaterThan(0);
    expect(one.data.events.every((e) => e.cluster === "prod-eu-1")).toBe(true);
  });

  it("reach the dashboard's trend chart: its data and the numbered list under it", async () => {
    const created = await h.mutate("tokens.createRead", { name: "dashboard" });
    if (!created.ok) throw new Error(created.error.message);
    const res = await h.app.request("/trends?cluster=prod-eu-1&window=30d", {
      headers: { cookie: `portolan_token=${created.data.token}` },
    });
    const html = await res.text();
    const data = /data-chart="([^"]*)"/.exec(html)?.[1] ?? "";
    const chart = JSON.parse(data.replace(/&quot;/g, '"')) as { events: { x: number; label: string }[] };
    const shardB = demoEvent("prod-eu-1", "new-ingress-controller");
    expect(chart.events).toContainEqual({
      x: shardB.at.getTime() / 1000,
      label: expect.stringMatching(/^prod-eu-1: IngressController added .*\/shard-b$/),
    });
    expect(html).toContain('<ol class="chart-events">');
    expect(html).toMatch(/<li>[^<]*prod-eu-1: IngressController added [^<]*shard-b<\/li>/);
  });

  it("refuses a window starting before the history kept", async () => {
    const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();
    const old = await h.rawQuery("trends.events", { from: daysAgo(401), to: daysAgo(390) });
    expect(old).toMatchObject({ ok: false, error: { data: { reason: "AS_OF_BEYOND_RETENTION" } } });
  });
});

/** A day after the window's start: the clusters' first pushes are all before it. */
const await0 = (from: string) => Date.parse(from) + 86_400_000;
