/**
 * Snapshot deltas: what changed since a state the server accepted (its state hash, `base`), sent to
 * `POST /v1/snapshots` instead of the whole state. Upserted nodes and pods are whole objects under
 * the same schemas and bounds as a snapshot's; removals name keys. `hash` is the state hash of the
 * state the delta leads to: the agent computes it from that whole state (stateHash), the server keeps
 * it as the cluster's last state hash (docs/snapshot-contract.md, "Deltas").
 */
import * as z from "zod";
import {
  dns1123LabelSchema,
  dns1123SubdomainSchema,
  MAX_INGRESS_CONTROLLERS,
  MAX_NODES,
  MAX_PODS,
} from "./bounds.js";
import { checkNodeListeners, nodeListenersSchema, parseNodeListenersSteps } from "./listener-schema.js";
import type { NodeListeners } from "./listeners.js";
import {
  checkIngressControllers,
  checkNodes,
  checkPods,
  IssueList,
  type ObjectReader,
  parseNodes,
  parsePods,
  quickReader,
  refusal,
  type SnapshotRefusal,
} from "./parse.js";
import { precheckSnapshot } from "./precheck.js";
import {
  ingressControllerSchema,
  nodeSchema,
  podSchema,
  type SnapshotNode,
  type SnapshotPod,
  snapshotFields,
} from "./schema.js";
import { runSteps } from "./steps.js";

const stateHashSchema = z.string().regex(/^[0-9a-f]{64}$/, "must be a state hash: 64 lower-case hex digits");
const podKeySchema = z.tuple([dns1123LabelSchema, dns1123SubdomainSchema]);

const changes = <T extends z.ZodType, K extends z.ZodType>(item: T, key: K, max: number) =>
  z.object({ upsert: z.array(item).max(max).default([]), remove: z.array(key).max(max).default([]) });

/** IngressControllers are few: a delta that changes any sends the whole new list; absent, they are unchanged. */
const replacedList = z.array(ingressControllerSchema).max(MAX_INGRESS_CONTROLLERS).optional();

/** The whole delta in one schema: the types come from it. */
export const snapshotDeltaSchema = z.object({
  ...snapshotFields,
  delta: z.object({
    base: stateHashSchema,
    hash: stateHashSchema,
    nodes: changes(nodeSchema, dns1123SubdomainSchema, MAX_NODES).default({ upsert: [], remove: [] }),
    pods: changes(podSchema, podKeySchema, MAX_PODS).default({ upsert: [], remove: [] }),
    ingressControllers: replacedList,
    /** a node's report upserted is its whole new listener set; a node removed has no report any more */
    nodeListeners: changes(nodeListenersSchema, dns1123SubdomainSchema, MAX_NODES).default({
      upsert: [],
      remove: [],
    }),
  }),
});

/** The envelope; nodes and pods are parsed one at a time, as a snapshot's are, to cap the issues. */
const deltaEnvelopeSchema = z.object({
  ...snapshotFields,
  delta: z.object({
    base: stateHashSchema,
    hash: stateHashSchema,
    nodes: changes(z.unknown(), dns1123SubdomainSchema, MAX_NODES).default({ upsert: [], remove: [] }),
    pods: changes(z.unknown(), podKeySchema, MAX_PODS).default({ upsert: [], remove: [] }),
    ingressControllers: replacedList,
    nodeListeners: changes(z.unknown(), dns1123SubdomainSchema, MAX_NODES).default({
      upsert: [],
      remove: [],
    }),
  }),
});

export type SnapshotDelta = z.output<typeof snapshotDeltaSchema>;
export type SnapshotDeltaInput = z.input<typeof snapshotDeltaSchema>;

export type DeltaParseResult = { ok: true; delta: SnapshotDelta } | SnapshotRefusal;

/** A body with a `delta` member is a delta; anything else is read as a whole snapshot. */
export const isDeltaBody = (body: unknown): boolean =>
  typeof body === "object" && body !== null && !Array.isArray(body) && "delta" in body;

/**
 * Parses a delta: the same pre-check, schemas and per-object rules as a snapshot; a key both
 * upserted and removed is a duplicate. Whether pods' nodes exist is known only against the base
 * state, so the server checks it when applying. Never throws.
 */
export function parseDelta(input: unknown, reader: ObjectReader = quickReader): DeltaParseResult {
  const early = precheckSnapshot(input);
  if (early) return refusal([early]);
  const list = new IssueList();
  const envelope = deltaEnvelopeSchema.safeParse(input);
  if (!envelope.success) {
    list.addZod(envelope.error, []);
    return refusal(list.found);
  }
  const { nodes, pods } = envelope.data.delta;
  const upsertNodes: SnapshotNode[] = parseNodes(nodes.upsert, ["delta", "nodes", "upsert"], list, reader);
  const upsertPods: SnapshotPod[] = parsePods(pods.upsert, ["delta", "pods", "upsert"], list, reader);
  const reports = envelope.data.delta.nodeListeners;
  const upsertReports: NodeListeners[] = runSteps(
    parseNodeListenersSteps(reports.upsert, ["delta", "nodeListeners", "upsert"], list),
  );
  if (list.found.length > 0) return refusal(list.found);
  const nodeNames = checkNodes(upsertNodes, ["delta", "nodes", "upsert"], list);
  const podKeys = checkPods(upsertPods, ["delta", "pods", "upsert"], list, null);
  nodes.remove.forEach((name, i) => {
    if (nodeNames.has(name))
      list.add(
        "DUPLICATE_NODE",
        ["delta", "nodes", "remove", i],
        `node "${name}" is both upserted and removed`,
      );
  });
  pods.remove.forEach(([namespace, name], i) => {
    if (podKeys.has(`${namespace}/${name}`))
      list.add(
        "DUPLICATE_POD",
        ["delta", "pods", "remove", i],
        `pod ${namespace}/${name} is both upserted and removed`,
      );
  });
  // Whether a report's node exists is known only against the base state: the server checks it.
  const reported = checkNodeListeners(upsertReports, ["delta", "nodeListeners", "upsert"], list, null);
  reports.remove.forEach((name, i) => {
    if (reported.has(name))
      list.add(
        "DUPLICATE_NODE",
        ["delta", "nodeListeners", "remove", i],
        `node "${name}"'s listener report is both upserted and removed`,
      );
  });
  const controllers = envelope.data.delta.ingressControllers;
  if (controllers) checkIngressControllers(controllers, ["delta", "ingressControllers"], list);
  if (list.found.length > 0) return refusal(list.found);
  return {
    ok: true,
    delta: {
      ...envelope.data,
      delta: {
        ...envelope.data.delta,
        nodes: { ...nodes, upsert: upsertNodes },
        pods: { ...pods, upsert: upsertPods },
        nodeListeners: { ...reports, upsert: upsertReports },
      },
    },
  };
}
