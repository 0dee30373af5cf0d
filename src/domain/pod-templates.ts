/**
 * A pod's template: its placement rules, which pod_versions keeps once per distinct value per cluster
 * (pod_templates) instead of once per version. A template is named by the first 64 bits of the
 * SHA-256 of its rules as JSON (the facts' fixed key order makes that text canonical), a signed
 * bigint as decimal text (how it is stored). Only a name: the pod fact's own fingerprint still
 * covers the whole fact, rules included, so no fingerprint changed when the rules moved.
 * Templates that existed before pod_templates did were named in SQL from their jsonb text
 * (migrations/0019): the same rules may be stored under both names, never two rules under one.
 */
import { createHash } from "node:crypto";
import type { PodFact } from "./history.js";

export interface PodTemplate {
  fp: string;
  nodeSelector: PodFact["nodeSelector"];
  tolerations: PodFact["tolerations"];
  requiredNodeAffinity: PodFact["requiredNodeAffinity"];
}

type Rules = Pick<PodFact, "nodeSelector" | "tolerations" | "requiredNodeAffinity">;

const rulesText = (pod: Rules) =>
  JSON.stringify([pod.nodeSelector, pod.tolerations, pod.requiredNodeAffinity ?? null]);
const nameOf = (text: string) => createHash("sha256").update(text).digest().readBigInt64BE(0).toString();

/** The template's name (pod_templates.fp, pod_versions.template_fp) of a pod fact's rules. */
export const podTemplateFp = (pod: Rules): string => nameOf(rulesText(pod));

/**
 * The rows a set of pod facts stores: each pod with its template's name (a copy: the facts stay as
 * they are, fingerprint and all), and their distinct templates, each once (one statement may not
 * meet a template twice: see ingest's ON CONFLICT).
 */
export function splitPodTemplates<T extends PodFact>(
  pods: readonly T[],
): { pods: (T & { templateFp: string })[]; templates: PodTemplate[] } {
  // By the rules' text: the pods of a workload share it, so each distinct rules are hashed once.
  const templates = new Map<string, PodTemplate>();
  const rows = pods.map((pod) => {
    const text = rulesText(pod);
    let template = templates.get(text);
    if (!template) {
      template = {
        fp: nameOf(text),
        nodeSelector: pod.nodeSelector,
        tolerations: pod.tolerations,
        requiredNodeAffinity: pod.requiredNodeAffinity,
      };
      templates.set(text, template);
    }
    return { ...pod, templateFp: template.fp };
  });
  return { pods: rows, templates: [...templates.values()] };
}
