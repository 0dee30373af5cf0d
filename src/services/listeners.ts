/**
 * Observed node listeners as answers present them: beside declared holds in ports.who and ports.node
 * (each classified against the node's hostNetwork declarations), and as the node listener matrix
 * (docs/listeners.md).
 */
import * as z from "zod";
import type { AttributionTier, ObservedListener } from "../contract/listeners.js";
import { clusterNameSchema } from "../contract/snapshot.js";
import { classifyListener } from "../domain/listener-classes.js";
import { listenerMatrix, type MatrixNode, nodeRoleOf, withoutLoopback } from "../domain/listener-matrix.js";
import { diffMatrix, parseMatrixBaseline } from "../domain/listener-matrix-diff.js";
import type { AllocationView } from "../domain/views.js";
import { listenerMatrixCsv, listenerMatrixJson, listenerMatrixMarkdown } from "../render/listener-matrix.js";
import { findCluster } from "./cluster-selection.js";
import { loadClusterView, viewInstant } from "./cluster-view.js";
import type { ServiceContext } from "./context.js";
import { ServiceError } from "./errors.js";
import { instantSchema } from "./inputs.js";
import {
  asObservedListener,
  clusterListeners,
  hostNetworkHoldsOfPort,
  hostNetworkHoldsOnNode,
  listenersOnPort,
  observedNodes,
  type StoredListener,
} from "./observed-listeners.js";
import { requireRetained } from "./retention.js";
import type { WhoQuestion } from "./who-page.js";

/** How many observed listeners ports.who and ports.node list (a count says when there are more). */
export const MAX_LISTED_LISTENERS = 1000;
/** A matrix reads at most this many listeners of one cluster; past it the answer says truncated. */
export const MAX_MATRIX_LISTENERS = 100_000;

/** One observed listener as ports.who and ports.node present it, marked as observed. */
function presentListener(
  row: StoredListener,
  allocations: readonly (AllocationView & { clusterId: number })[],
) {
  const listener = asObservedListener(row);
  // Node names repeat across clusters: only the listener's own cluster's holds classify it.
  const own = allocations.filter((a) => a.clusterId === row.clusterId);
  const classified = classifyListener(row.node, row.attribution as AttributionTier, listener, own);
  return {
    observed: true as const,
    cluster: row.cluster,
    node: row.node,
    protocol: listener.protocol,
    port: listener.port,
    address: listener.address,
    family: listener.family,
    interface: row.interface || null,
    scope: listener.scope,
    dualStack: row.dualStack,
    processes: listener.processes,
    pod: listener.pod ?? null,
    attribution: row.attribution,
    class: classified.class,
    reason: classified.reason,
    since: row.validFrom.toISOString(),
  };
}

export type PresentedListener = ReturnType<typeof presentListener>;

type StoredHold = Awaited<ReturnType<typeof hostNetworkHoldsOfPort>>[number];

const asAllocationViews = <T extends { hostIp: string }>(rows: readonly T[]) =>
  rows.map(({ hostIp, ...a }) => ({ ...a, hostIP: hostIp }));

/** The listeners observed on a who question's port, classified against that port's hostNetwork holds. */
export async function observedOnPort(ctx: ServiceContext, question: WhoQuestion) {
  const rows = await listenersOnPort(ctx, question, MAX_LISTED_LISTENERS + 1);
  const listed = rows.slice(0, MAX_LISTED_LISTENERS);
  const nodes = new Map(
    listed.map((r) => [`${r.clusterId}|${r.node}`, { clusterId: r.clusterId, node: r.node }]),
  );
  const byNode = new Map<string, ReturnType<typeof asAllocationViews<StoredHold>>>();
  for (const hold of asAllocationViews(await hostNetworkHoldsOfPort(ctx, question, [...nodes.values()]))) {
    const key = `${hold.clusterId}|${hold.node}`;
    byNode.set(key, [...(byNode.get(key) ?? []), hold]);
  }
  return {
    listeners: listed.map((row) => presentListener(row, byNode.get(`${row.clusterId}|${row.node}`) ?? [])),
    listenersTruncated: rows.length > MAX_LISTED_LISTENERS,
  };
}

/**
 * One node's observed listeners, each classified against every hostNetwork allocation of the node on
 * its port at the instant (not only those on the page of allocations the answer shows).
 */
export async function observedOnNode(
  ctx: ServiceContext,
  at: { clusterId: number; node: string; asOf?: Date | undefined },
) {
  const [rows, nodes] = await Promise.all([
    clusterListeners(ctx.db, at, MAX_LISTED_LISTENERS + 1),
    observedNodes(ctx.db, at),
  ]);
  const listed = rows.slice(0, MAX_LISTED_LISTENERS);
  const holds = await hostNetworkHoldsOnNode(
    ctx.db,
    at,
    listed.map((r) => r.port),
  );
  const allocations = asAllocationViews(holds);
  return {
    /** the node sent a listener report valid at the instant (it may listen on nothing) */
    listenersObserved: nodes.some((n) => n.node === at.node),
    listeners: listed.map((row) => presentListener(row, allocations)),
    listenersTruncated: rows.length > MAX_LISTED_LISTENERS,
  };
}

export const matrixFormats = ["md", "csv", "json"] as const;

export const listenerMatrixInput = z.object({
  cluster: clusterNameSchema,
  asOf: instantSchema.optional(),
  format: z.enum(matrixFormats).default("json"),
});

/**
 * The node listener matrix of one cluster at an instant: rows (every listener, loopback included)
 * and the export in the asked format. The CSV is commatrix's: built from off-node listeners only.
 */
export async function listenerMatrixOf(ctx: ServiceContext, input: z.output<typeof listenerMatrixInput>) {
  requireRetained(ctx, "asOf", input.asOf);
  const cluster = await findCluster(ctx.db, input.cluster, { asOf: input.asOf });
  const at = { clusterId: cluster.id, asOf: input.asOf };
  const [view, reports, rows] = await Promise.all([
    loadClusterView(ctx.db, { cluster, asOf: input.asOf }),
    observedNodes(ctx.db, at),
    clusterListeners(ctx.db, at, MAX_MATRIX_LISTENERS + 1),
  ]);
  const roles = new Map(view.nodes.map((n) => [n.name, nodeRoleOf(n.labels)]));
  const heard = new Map<string, ObservedListener[]>(reports.map((r) => [r.node, []]));
  // A listener row without its node's report row cannot be valid at the same instant; skip it if so.
  for (const row of rows.slice(0, MAX_MATRIX_LISTENERS)) heard.get(row.node)?.push(asObservedListener(row));
  const nodes = reports.map(
    (r): MatrixNode => ({
      node: r.node,
      role: roles.get(r.node) ?? "",
      attribution: r.attribution as AttributionTier,
      listeners: heard.get(r.node) ?? [],
    }),
  );
  const matrix = listenerMatrix(nodes, view.allocations);
  const text =
    input.format === "csv"
      ? listenerMatrixCsv(listenerMatrix(nodes.map(withoutLoopback), view.allocations))
      : input.format === "md"
        ? listenerMatrixMarkdown(cluster.name, matrix)
        : listenerMatrixJson(cluster.name, matrix);
  return {
    cluster: cluster.name,
    asOf: viewInstant(cluster, input.asOf),
    observedNodes: nodes.length,
    truncated: rows.length > MAX_MATRIX_LISTENERS,
    rows: matrix,
    format: input.format,
    text,
  };
}

/** A baseline's text: a commatrix CSV or a JSON export fits far below the ordinary request limit. */
export const MAX_BASELINE_CHARS = 128 * 1024;

export const listenerMatrixDiffInput = z.object({
  cluster: clusterNameSchema,
  asOf: instantSchema.optional(),
  baseline: z.string().max(MAX_BASELINE_CHARS),
});

/**
 * The matrix against a baseline (docs/listeners.md): rows added and removed, and the new undeclared
 * listeners a compliance gate fails on. Compared on the server because the comparison is the
 * domain's and the CLI loads no domain module that imports others.
 */
export async function listenerMatrixDiffOf(
  ctx: ServiceContext,
  input: z.output<typeof listenerMatrixDiffInput>,
) {
  const parsed = parseMatrixBaseline(input.baseline);
  if (!parsed.ok)
    throw new ServiceError(
      "BAD_REQUEST",
      "INVALID_BASELINE",
      `the baseline cannot be read: ${parsed.message}`,
    );
  const matrix = await listenerMatrixOf(ctx, { cluster: input.cluster, asOf: input.asOf, format: "json" });
  return {
    cluster: matrix.cluster,
    asOf: matrix.asOf,
    truncated: matrix.truncated,
    baseline: parsed.baseline.source,
    ...diffMatrix(matrix.rows, parsed.baseline),
  };
}
