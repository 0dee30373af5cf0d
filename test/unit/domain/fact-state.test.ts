import { describe, expect, it } from "vitest";
import { canonicalState } from "../../../src/contract/canonical.js";
import type { NodeListeners } from "../../../src/contract/listeners.js";
import { parseSnapshot, type SnapshotInput } from "../../../src/contract/snapshot.js";
import {
  applyFactDelta,
  factStateOf,
  projectionsUnchanged,
  stateSize,
} from "../../../src/domain/fact-state.js";
import { workloadHeadroom } from "../../../src/domain/headroom.js";
import { factsFromState, headroomFacts } from "../../../src/domain/history.js";
import { tcpListener } from "../../fixtures/listeners.js";

type Pod = SnapshotInput["pods"][number];

function facts(nodes: string[], pods: Pod[], nodeListeners: NodeListeners[] = []) {
  const parsed = parseSnapshot({
    schemaVersion: 1,
    cluster: "c",
    observedAt: "2026-01-01T00:00:00Z",
    nodes: nodes.map((name) => ({ name, ready: true, labels: { zone: name } })),
    pods,
    nodeListeners,
  });
  if (!parsed.ok) throw new Error(parsed.message);
  return factsFromState(canonicalState(parsed.snapshot));
}

const web = (name: string, node: string, zone?: string): Pod => ({
  namespace: "a",
  name,
  node,
  phase: "Running",
  owner: { kind: "Deployment", name: "web" },
  ports: [{ container: "c", containerPort: 80, hostPort: 80 }],
  nodeSelector: zone ? { zone } : {},
});

const headroomOf = (f: ReturnType<typeof facts>) => headroomFacts(workloadHeadroom(f)).map((h) => h.fp);

/**
 * Applies the change from `before` to `after` (the same nodes) as a delta of its pods and of the
 * listener reports `after` carries (`reports`: [before, after]).
 */
function change(before: Pod[], after: Pod[], reports: [NodeListeners[], NodeListeners[]] = [[], []]) {
  const nodes = ["n0", "n1", "n2"];
  const state = factStateOf(facts(nodes, before, reports[0]));
  const next = facts(nodes, after, reports[1]);
  const kept = new Set(after.map((p) => p.name));
  const reported = new Set(reports[1].map((r) => r.node));
  const changes = applyFactDelta(state, {
    upserts: { ...next, nodes: [], ingressControllers: [] },
    removeNodes: [],
    removePods: before.filter((p) => !kept.has(p.name)).map((p) => [p.namespace, p.name] as const),
    removeReports: reports[0].filter((r) => !reported.has(r.node)).map((r) => r.node),
  });
  return {
    unchanged: projectionsUnchanged(state, changes),
    headroomMoved: headroomOf(facts(nodes, before, reports[0])).join() !== headroomOf(next).join(),
  };
}

const httpd = (node: string, attribution: NodeListeners["attribution"] = "process", pod?: string) => ({
  node,
  attribution,
  listeners: [
    tcpListener(80, "0.0.0.0", {
      processes: [{ name: "httpd" }],
      ...(pod ? { pod: { namespace: "a", name: pod } } : {}),
    }),
  ],
});

describe("whether a delta can move the whole-cluster projections", () => {
  it("says unchanged for a renamed pod of a workload with one set of rules", () => {
    const result = change(
      [web("web-1", "n0", "n0"), web("web-2", "n1", "n0")],
      [web("web-1", "n0", "n0"), web("web-3", "n1", "n0")],
    );
    expect(result).toEqual({ unchanged: true, headroomMoved: false });
  });

  it("says changed when a rename makes another pod, with other rules, the lowest-named", () => {
    // web-2 (any node) becomes web-0: the lowest-named pod now decides where replicas may go.
    const result = change(
      [web("web-1", "n0", "n0"), web("web-2", "n1")],
      [web("web-1", "n0", "n0"), web("web-0", "n1")],
    );
    expect(result).toEqual({ unchanged: false, headroomMoved: true });
  });

  it("says changed when a pod moves to another node", () => {
    const result = change([web("web-1", "n0", "n0")], [web("web-2", "n1", "n0")]);
    expect(result.unchanged).toBe(false);
  });

  it("says changed when a node's listeners change: headroom takes them as held", () => {
    const pods = [web("web-1", "n0")];
    const result = change(pods, pods, [[], [httpd("n1")]]);
    expect(result).toEqual({ unchanged: false, headroomMoved: true });
  });

  it("says changed when a renamed pod sits on a node whose listeners are attributed to pods", () => {
    // The socket names web-2: renamed, the pod no longer owns it, and it blocks n1 for web.
    const reports = [httpd("n1", "pod", "web-2")];
    const result = change(
      [web("web-1", "n0", "n0"), web("web-2", "n1", "n0")],
      [web("web-1", "n0", "n0"), web("web-3", "n1", "n0")],
      [reports, reports],
    );
    expect(result.unchanged).toBe(false);
  });
});

describe("a state's sizes after deltas", () => {
  it("are those of the resulting state built afresh: host ports counted as pods come, go and change", () => {
    const nodes = ["n0", "n1", "n2"];
    const udp = (name: string, node: string): Pod => ({
      ...web(name, node),
      ports: [
        { container: "c", containerPort: 53, hostPort: 53, protocol: "UDP" },
        { container: "c", containerPort: 80, hostPort: 80 },
      ],
    });
    const steps: Pod[][] = [
      [web("w0", "n0"), web("w1", "n1")],
      [web("w0", "n0"), udp("w1", "n1"), udp("w2", "n2")],
      [web("w0", "n0")],
      [],
      [udp("w3", "n0")],
    ];
    const state = factStateOf(facts(nodes, steps[0] ?? []));
    // The first call builds the tally; the deltas after it keep it up to date.
    expect(stateSize(state)).toEqual(stateSize(factStateOf(facts(nodes, steps[0] ?? []))));
    for (const [i, after] of steps.entries()) {
      if (i === 0) continue;
      const next = facts(nodes, after);
      const kept = new Set(after.map((p) => p.name));
      applyFactDelta(state, {
        upserts: { ...next, nodes: [], ingressControllers: [] },
        removeNodes: [],
        removePods: (steps[i - 1] ?? [])
          .filter((p) => !kept.has(p.name))
          .map((p) => [p.namespace, p.name] as const),
      });
      expect(stateSize(state), `after step ${i}`).toEqual(stateSize(factStateOf(next)));
    }
  });
});
