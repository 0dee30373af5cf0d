/**
 * Fleet-wide eligibility without loading nodes: a node's *shape* is what the proposal's rules can
 * read of it (the label keys its nodeSelector and affinity name, taints, cordon, readiness, and the
 * node name only where matchFields mentions it). SQL projects and groups nodes by shape; the domain's
 * nodeEligibility judges each distinct shape once; SQL then counts nodes of the eligible shapes.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Taint } from "../../contract/snapshot.js";
import { arrayLiteral } from "../../db/bulk-insert.js";
import { nodeEligibility } from "../../domain/eligibility.js";
import type { NodeView, PlacementRules } from "../../domain/views.js";

interface NodeShape {
  labels: Record<string, string>;
  taints: Taint[];
  unschedulable: boolean;
  ready: boolean;
  /** the node's name when matchFields names it, else null */
  name: string | null;
}

/**
 * Stands in for every node name matchFields does not mention: NUL is refused in any stored or
 * accepted text, so no In/NotIn value equals it, and all such nodes are judged alike.
 */
const UNMENTIONED_NAME = "\u0000";

function readKeys(rules: PlacementRules) {
  const labelKeys = new Set(Object.keys(rules.nodeSelector ?? {}));
  const names = new Set<string>();
  for (const term of rules.requiredNodeAffinity?.nodeSelectorTerms ?? []) {
    for (const r of term.matchExpressions ?? []) labelKeys.add(r.key);
    for (const r of term.matchFields ?? []) for (const value of r.values ?? []) names.add(value);
  }
  return { labelKeys: [...labelKeys], names: [...names] };
}

export interface ShapeSql {
  /** the shape's parts as plain columns of node_versions row `n` (cheap to group by) */
  columns: SQL;
  /** the shape as one jsonb value, from those columns of row `g` (built once per group) */
  json: SQL;
}

/**
 * A node's shape for `rules`, in two steps: grouping by the plain parts first and building jsonb only
 * per group keeps the per-node cost to a few column reads (building jsonb per node was most of the
 * statement). Queries read the jsonb as text: jsonb prints one value one way, so equal shapes have
 * equal text.
 */
export function shapeOf(rules: PlacementRules): ShapeSql {
  const { labelKeys, names } = readKeys(rules);
  const values = sql.join(
    labelKeys.map((key) => sql`n.labels ->> ${key}`),
    sql`, `,
  );
  const name =
    names.length === 0
      ? sql`NULL::text`
      : sql`CASE WHEN n.name = ANY(${arrayLiteral(names)}::text[]) THEN n.name END`;
  return {
    columns: sql`ARRAY[${values}]::text[] AS label_values, n.taints, n.unschedulable, n.ready, ${name} AS shape_name`,
    json: sql`jsonb_build_object(
      'labels', coalesce((SELECT jsonb_object_agg(k, v) FROM unnest(${arrayLiteral(labelKeys)}::text[], g.label_values) x(k, v)
                          WHERE v IS NOT NULL), '{}'::jsonb),
      'taints', g.taints, 'unschedulable', g.unschedulable, 'ready', g.ready, 'name', g.shape_name)`,
  };
}

export interface ShapeVerdict {
  eligible: boolean;
  reasons: string[];
}

/** Judges each distinct shape (by its jsonb text) once with the domain's rule. */
export function judgeShapes(shapes: Iterable<string>, rules: PlacementRules): Map<string, ShapeVerdict> {
  const verdicts = new Map<string, ShapeVerdict>();
  for (const text of shapes) {
    if (verdicts.has(text)) continue;
    const shape = JSON.parse(text) as NodeShape;
    const node: NodeView = { ...shape, name: shape.name ?? UNMENTIONED_NAME };
    verdicts.set(text, nodeEligibility(node, rules));
  }
  return verdicts;
}
