/**
 * A pod version with its template's rules (pod_templates), as readers want it: the columns of
 * pod_versions but the template's name, and the rules in its place. Every version refers to a
 * stored template (ingest writes it beside the version; the prune deletes only unreferenced ones),
 * so the join is an inner one.
 */
import { and, eq, getTableColumns } from "drizzle-orm";
import { podTemplates, podVersions } from "./schema/index.js";

const { templateFp: _templateFp, ...podColumns } = getTableColumns(podVersions);

/** pod_versions' columns with the rules of its template (select it with .innerJoin(podTemplates, podTemplateJoin)). */
export const podWithRules = {
  ...podColumns,
  nodeSelector: podTemplates.nodeSelector,
  tolerations: podTemplates.tolerations,
  requiredNodeAffinity: podTemplates.requiredNodeAffinity,
};

/** A pod version's template: the join condition (pod_templates' primary key, one row). */
export const podTemplateJoin = and(
  eq(podTemplates.clusterId, podVersions.clusterId),
  eq(podTemplates.fp, podVersions.templateFp),
);
