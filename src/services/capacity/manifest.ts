/**
 * capacity.checkManifest: would the host-port workloads of a manifest (YAML or JSON, one or many
 * documents) fit where they are meant to go? The manifest is read here, on the server, so the CLI
 * and a CI job's curl get the same answer; each workload is then one capacity.checkFit.
 */
import * as z from "zod";
import { type ManifestReading, type ManifestWorkload, readManifestSteps } from "../../contract/manifest.js";
import { judgeRollout } from "../../domain/rollout.js";
import type { WorkloadRef } from "../../domain/workload.js";
import { selectClusters } from "../cluster-selection.js";
import type { ServiceContext } from "../context.js";
import { type ErrorIssue, ServiceError } from "../errors.js";
import { clusterListSchema, labelsSchema } from "../inputs.js";
import { fitCheck } from "./fit.js";
import {
  DocumentTooLarge,
  parseManifestDocuments,
  TooManyDocuments,
  timeSlices,
} from "./manifest-documents.js";

/** 1 MiB of text: a generous Helm render; larger bundles are split by the caller. */
export const MAX_MANIFEST_CHARS = 1_048_576;
/** host-port workloads checked per call: each is one fit check over its clusters */
const MAX_MANIFEST_WORKLOADS = 100;
/** issues listed in one refusal; the rest are counted in the message */
const MAX_LISTED_ISSUES = 50;

export const checkManifestInput = z.object({
  manifest: z.string().max(MAX_MANIFEST_CHARS),
  /** override every object's target clusters (else its portolan.dev/clusters annotation, else all) */
  clusters: clusterListSchema.optional(),
  labelSelector: labelsSchema.optional(),
  sampleSize: z.number().int().min(1).max(100).optional(),
  /** count stale target clusters in the verdicts (else they are marked and left out) */
  includeStale: z.boolean().optional(),
});
export type CheckManifestInput = z.output<typeof checkManifestInput>;

function invalid(issues: readonly ErrorIssue[]): ServiceError {
  const first = issues[0];
  const where = first
    ? `document ${first.document}${first.path ? `, ${first.path}` : ""}: ${first.message}`
    : "";
  const others = issues.length > 1 ? ` (and ${issues.length - 1} more issue(s))` : "";
  return new ServiceError(
    "BAD_REQUEST",
    "INVALID_MANIFEST",
    `the manifest cannot be read: ${where}${others}`,
    issues.slice(0, MAX_LISTED_ISSUES),
  );
}

/** Which clusters a workload is checked on, and why those. */
function targetOf(input: CheckManifestInput, workload: ManifestWorkload) {
  if (input.clusters || input.labelSelector)
    return {
      source: "request" as const,
      selection: { clusters: input.clusters, labelSelector: input.labelSelector },
    };
  if (workload.clusterSelector)
    return {
      source: "annotation" as const,
      selection: { clusters: undefined, labelSelector: workload.clusterSelector },
    };
  return { source: "all" as const, selection: { clusters: undefined, labelSelector: undefined } };
}

/** Where kubectl puts an object without a namespace (the context's default, usually "default"). */
const DEFAULT_NAMESPACE = "default";
const ROUTER_NAMESPACE = "openshift-ingress";
const INGRESS_OPERATOR_NAMESPACE = "openshift-ingress-operator";

/**
 * The running workloads whose pods the manifest's object would replace, as pods name their owner
 * (the agent resolves a ReplicaSet to its Deployment, a ReplicationController to its
 * DeploymentConfig): the same namespace, kind and name. An IngressController replaces its router
 * Deployment's pods and its own declared holds. A CronJob's pods belong to Jobs named per run.
 */
function replacedWorkloads(w: ManifestWorkload): WorkloadRef[] {
  if (w.kind === "IngressController")
    return [
      { namespace: w.namespace ?? INGRESS_OPERATOR_NAMESPACE, kind: "IngressController", name: w.name },
      { namespace: ROUTER_NAMESPACE, kind: "Deployment", name: `router-${w.name}` },
    ];
  if (w.kind === "CronJob") return [];
  return [{ namespace: w.namespace ?? DEFAULT_NAMESPACE, kind: w.kind, name: w.name }];
}

type FitCluster = Awaited<ReturnType<typeof fitCheck>>["clusters"][number];

/**
 * Would a rollout of the workload finish on this cluster? One already running (its own pods hold
 * the ports) is judged on where those pods are; a new one as it will stand once created (its pods
 * on fitting nodes), since its first update then meets its own pods.
 */
function rolloutOn(workload: ManifestWorkload, c: FitCluster) {
  const replicas = workload.everyEligibleNode ? c.eligibleNodes : workload.replicas;
  const running = c.ownNodes > 0;
  const verdict = judgeRollout({
    controller: workload.controller,
    strategy: workload.strategy,
    replicas,
    fittingNodes: c.fittingNodes,
    ownOnFitting: running ? c.ownOnFittingNodes : Math.min(replicas, c.fittingNodes),
  });
  return { ...verdict, running };
}

/**
 * The manifest's workloads, notes and issues, read in time slices (manifest-documents.ts): a 1 MiB
 * manifest of any shape leaves the event loop to other requests between slices.
 */
export async function readManifestText(text: string): Promise<ManifestReading> {
  const slices = timeSlices();
  const parsed = await parseManifestDocuments(text, slices).catch((error: unknown) => {
    if (error instanceof DocumentTooLarge)
      throw invalid([{ document: error.document, path: "", message: error.message }]);
    if (error instanceof TooManyDocuments)
      throw new ServiceError(
        "BAD_REQUEST",
        "INVALID_MANIFEST",
        `the manifest cannot be read: ${error.message}`,
      );
    throw error;
  });
  if (parsed.issues.length > 0) throw invalid(parsed.issues);
  const reading: ManifestReading = { workloads: [], notes: [], issues: [] };
  for (const _ of readManifestSteps(reading, parsed.values)) {
    if (slices.due()) await slices.pause();
  }
  return reading;
}

export async function checkManifest(ctx: ServiceContext, input: CheckManifestInput) {
  const reading = await readManifestText(input.manifest);
  if (reading.issues.length > 0) throw invalid(reading.issues);
  if (reading.workloads.length > MAX_MANIFEST_WORKLOADS)
    throw new ServiceError(
      "BAD_REQUEST",
      "INVALID_MANIFEST",
      `${reading.workloads.length} host-port workloads; at most ${MAX_MANIFEST_WORKLOADS} per call (split the manifest)`,
    );
  const workloads = [];
  for (const workload of reading.workloads) {
    const target = targetOf(input, workload);
    const selected = await selectClusters(ctx.db, target.selection);
    const about = {
      document: workload.document,
      path: workload.path,
      kind: workload.kind,
      namespace: workload.namespace,
      name: workload.name,
      ports: workload.ports,
      replicas: workload.everyEligibleNode ? null : workload.replicas,
      everyEligibleNode: workload.everyEligibleNode,
      controller: workload.controller,
      strategy: workload.strategy,
      targets: {
        source: target.source,
        clusters: target.selection.clusters ?? null,
        labelSelector: target.selection.labelSelector ?? null,
      },
    };
    if (selected.length === 0) {
      // A gate that passes because a selector matched nothing would wave a typo through.
      workloads.push({
        ...about,
        fits: false,
        verdict: "no registered cluster matches",
        staleClusters: [],
        rolloutCompletes: false,
        clusters: [],
      });
      continue;
    }
    const answer = await fitCheck(
      ctx,
      {
        clusters: selected.map((c) => c.name),
        ports: workload.ports,
        // a DaemonSet's replicas (0) mean nothing: everyEligibleNode decides; checkFit wants at least 1
        replicas: Math.max(1, workload.replicas),
        nodeSelector: workload.nodeSelector,
        tolerations: workload.tolerations,
        ...(workload.requiredNodeAffinity ? { requiredNodeAffinity: workload.requiredNodeAffinity } : {}),
        ...(input.sampleSize ? { sampleSize: input.sampleSize } : {}),
        everyEligibleNode: workload.everyEligibleNode,
        hostNetwork: workload.hostNetwork,
        ...(input.includeStale ? { includeStale: true } : {}),
      },
      { self: replacedWorkloads(workload) },
    );
    const clusters = answer.clusters.map((c) => ({ ...c, rollout: rolloutOn(workload, c) }));
    // Stale clusters left out of the verdict are left out of the rollout verdict too.
    const counted = clusters.filter((c) => c.inVerdict);
    const failing = counted.filter((c) => !c.fits).length;
    const stalling = counted.filter((c) => c.rollout.outcome === "stalls").length;
    // Where it does not fit, its rollout cannot finish either: the verdict names the rest.
    const stallingWhereFits = counted.filter((c) => c.fits && c.rollout.outcome === "stalls").length;
    const leftOut = answer.staleClusters.filter((c) => !c.inVerdict).length;
    const stale = leftOut > 0 ? ` (${leftOut} stale cluster(s) left out)` : "";
    workloads.push({
      ...about,
      fits: answer.fits,
      verdict:
        answer.verdict ??
        `${failing === 0 ? "fits" : `fails on ${failing}`} of ${counted.length} cluster(s)${stale}${stallingWhereFits > 0 ? `; its rollout stalls on ${stallingWhereFits}` : ""}`,
      /** false when a rollout of it would stall on some target cluster ("manual" and "none" pass) */
      rolloutCompletes: answer.verdict === null && stalling === 0,
      staleClusters: answer.staleClusters,
      clusters,
    });
  }
  const fits = workloads.every((w) => w.fits);
  const rolloutsComplete = workloads.every((w) => w.rolloutCompletes);
  /** the gate: every workload fits and no rollout of one would stall */
  return { passes: fits && rolloutsComplete, fits, rolloutsComplete, workloads, notes: reading.notes };
}
