/**
 * The demo fleet (pure: no I/O): five clusters shaped like real ones and 30 days of pushes, one push
 * whenever a cluster's state changes plus a daily heartbeat, chronological, ending at `now` (or at the
 * silent agent's last push).
 */
import type { SnapshotInput } from "../contract/snapshot.js";
import { devEu1, edgeAp1, stageEu1 } from "./clusters-kubernetes.js";
import { prodEu1, prodUs1 } from "./clusters-openshift.js";
import type { ClusterScript } from "./script.js";
import { DAY_MS, type DemoEvent, Timeline } from "./timeline.js";

export { HTML_PROBE } from "./clusters-kubernetes.js";
export type { DemoEvent } from "./timeline.js";

export const DEFAULT_DEMO_SEED = 12;
export const DEFAULT_DEMO_DAYS = 30;
/** What the demo's agents report themselves as. */
export const DEMO_AGENT = { version: "demo", mode: "demo" } as const;

export interface DemoPush {
  cluster: string;
  at: Date;
  snapshot: SnapshotInput;
}

export interface DemoFleet {
  clusters: { name: string; labels: Record<string, string> }[];
  pushes: DemoPush[];
  events: DemoEvent[];
}

export function demoScripts(options: { now: Date; seed?: number; days?: number }): ClusterScript[] {
  const context = {
    seed: options.seed ?? DEFAULT_DEMO_SEED,
    timeline: new Timeline(options.now, options.days ?? DEFAULT_DEMO_DAYS),
  };
  return [prodEu1, prodUs1, stageEu1, edgeAp1, devEu1].map((script) => script(context));
}

/** Daily heartbeats, each cluster a few minutes apart as independent agents would be, and `now`. */
function heartbeats(timeline: Timeline, clusterIndex: number): Date[] {
  const offset = (clusterIndex + 1) * 7 * 60_000;
  const beats: Date[] = [];
  for (let t = timeline.start.getTime() + offset; t < timeline.now.getTime(); t += DAY_MS)
    beats.push(new Date(t));
  beats.push(timeline.now);
  return beats;
}

function pushesOf(script: ClusterScript, timeline: Timeline, clusterIndex: number): DemoPush[] {
  const until = script.silentFrom ?? timeline.now;
  const beats = heartbeats(timeline, clusterIndex).filter((t) => t < until);
  const instants = [...new Set([...beats, ...script.changes, until].map((t) => t.getTime()))]
    .filter((t) => t >= timeline.start.getTime() && t <= until.getTime())
    .sort((a, b) => a - b);
  const heartbeatTimes = new Set(beats.map((t) => t.getTime()));
  const pushes: DemoPush[] = [];
  let previous = "";
  for (const ms of instants) {
    const at = new Date(ms);
    const state = script.stateAt(at);
    const text = JSON.stringify(state);
    // A change, a heartbeat, the first push or the last one: anything else would be a repeat.
    if (text === previous && !heartbeatTimes.has(ms) && ms !== until.getTime()) continue;
    previous = text;
    pushes.push({
      cluster: script.name,
      at,
      snapshot: {
        schemaVersion: 1,
        cluster: script.name,
        observedAt: at.toISOString(),
        agent: DEMO_AGENT,
        ...state,
      },
    });
  }
  return pushes;
}

export function demoFleet(options: { now: Date; seed?: number; days?: number }): DemoFleet {
  const timeline = new Timeline(options.now, options.days ?? DEFAULT_DEMO_DAYS);
  const scripts = demoScripts(options);
  const pushes = scripts
    .flatMap((script, i) => pushesOf(script, timeline, i))
    // Stable sort: pushes of the same instant keep the clusters' order.
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  const events = scripts.flatMap((s) => s.events).sort((a, b) => a.at.getTime() - b.at.getTime());
  return { clusters: scripts.map((s) => ({ name: s.name, labels: s.labels })), pushes, events };
}
