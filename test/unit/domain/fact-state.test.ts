import { describe, expect, it } from "vitest";
import { canonicalState } from "../../../src/contract/canonical.js";
import { parseSnapshot, type SnapshotInput } from "../../../src/contract/snapshot.js";
import { applyFactDelta, factStateOf, projectionsUnchanged } from "../../../src/domain/fact-state.js";
import { workloadHeadroom } from "../../../src/domain/headroom.js";
import { factsFromState, headroomFacts } from "../../../src/domain/history.js";

type Pod = SnapshotInput["pods"][number];

function facts(nodes: string[], pods: Pod[]) {
  const parsed = parseSnapshot({
    schemaVersion: 1,
    cluster: "c",
    observedAt: "2026-01-01T00:00:00Z",
    nodes: nodes.map((name) => ({ name, ready: true, labels: { zone: name } })),
    pods,
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

/** Applies the change from `before` to `after` (the same nodes) as a delta of its pods. */
function change(before: Pod[], after: Pod[]) {
  const nodes = ["n0", "n1", "n2"];
  const state = factStateOf(facts(nodes, before));
  const next = facts(nodes, after);
  const kept = new Set(after.map((p) => p.name));
  const changes = applyFactDelta(state, {
    upserts: { ...next, nodes: [], ingressControllers: [] },
    removeNodes: [],
    removePods: before.filter((p) => !kept.has(p.name)).map((p) => [p.namespace, p.name] as const),
  });
  return {
    unchanged: projectionsUnchanged(state, changes),
    headroomMoved: headroomOf(facts(nodes, before)).join() !== headroomOf(next).join(),
  };
}

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
});
