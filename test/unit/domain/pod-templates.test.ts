import { describe, expect, it } from "vitest";
import type { PodFact } from "../../../src/domain/history.js";
import { podFact } from "../../../src/domain/history.js";
import { podTemplateFp, splitPodTemplates } from "../../../src/domain/pod-templates.js";

const pod = (name: string, nodeSelector: Record<string, string>): PodFact =>
  podFact({
    namespace: "ns",
    name,
    node: "n1",
    phase: "Running",
    hostNetwork: false,
    owner: null,
    ports: [],
    nodeSelector,
    tolerations: [],
    requiredNodeAffinity: null,
    scheduling: null,
  } as unknown as Parameters<typeof podFact>[0]);

describe("pod templates", () => {
  it("names rules by a fixed function: stored names keep their meaning", () => {
    // The first 64 bits of SHA-256('[{},[],null]'), signed.
    expect(podTemplateFp({ nodeSelector: {}, tolerations: [], requiredNodeAffinity: null })).toBe(
      "-4353602236441567828",
    );
  });

  it("stores each distinct rules once and names each pod's, leaving the facts and their fingerprints as they were", () => {
    const pods = [pod("a", { pool: "x" }), pod("b", { pool: "x" }), pod("c", { pool: "y" })];
    const fps = pods.map((p) => p.fp);
    const { pods: rows, templates } = splitPodTemplates(pods);
    expect(templates.map((t) => t.nodeSelector)).toEqual([{ pool: "x" }, { pool: "y" }]);
    expect(rows.map((r) => r.templateFp)).toEqual([templates[0]?.fp, templates[0]?.fp, templates[1]?.fp]);
    expect(pods.map((p) => p.fp)).toEqual(fps);
    expect(pods.every((p) => !("templateFp" in p))).toBe(true);
  });
});
