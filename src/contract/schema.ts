/**
 * The zod schemas of snapshot v1. Parsing normalises the kube-scheduler defaults: hostIP "" → 0.0.0.0,
 * protocol "" → TCP. Names and labels follow Kubernetes' rules (bounds.ts); parse.ts applies them.
 */
import * as z from "zod";
import {
  dns1123LabelSchema,
  dns1123SubdomainSchema,
  KIND,
  labelKeySchema,
  labelValueSchema,
  MAX_ADDRESSES,
  MAX_AFFINITY_ITEMS,
  MAX_AFFINITY_VALUES,
  MAX_INGRESS_CONTROLLERS,
  MAX_INSTANT,
  MAX_NODES,
  MAX_PODS,
  MAX_PORTS_PER_POD,
  MAX_REPLICAS,
  MAX_SCHEDULING_MESSAGE,
  MAX_TAINTS,
  MAX_TOLERATIONS,
  MIN_INSTANT,
  storableText,
} from "./bounds.js";
import { nodeListenersSchema } from "./listener-schema.js";

export const SNAPSHOT_SCHEMA_VERSION = 1;

export { type SnapshotErrorCode, snapshotErrorCodes } from "./error-codes.js";

export const protocols = ["TCP", "UDP", "SCTP"] as const;
export type Protocol = (typeof protocols)[number];

export const clusterNameSchema = dns1123LabelSchema;

const portNumber = z.number().int().min(1).max(65535);

/** "" and a missing protocol both mean TCP, as in the Pod API. */
export const podProtocolSchema = z
  .enum([...protocols, ""])
  .default("TCP")
  .transform((p): Protocol => (p === "" ? "TCP" : p));

/** "" and a missing hostIP both mean every address (0.0.0.0). */
export const podHostIpSchema = z
  .union([z.ipv4(), z.ipv6(), z.literal("")])
  .default("")
  .transform((ip) => (ip === "" ? "0.0.0.0" : ip));

/** Labels and node selectors; key and value follow Kubernetes' label rules. */
export const labelsSchema = z.record(labelKeySchema, labelValueSchema);

const taintEffect = z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]);

export const taintSchema = z.object({
  key: labelKeySchema,
  value: labelValueSchema.optional(),
  effect: taintEffect,
});

export const tolerationSchema = z.object({
  key: z.union([z.literal(""), labelKeySchema]).optional(),
  operator: z.enum(["Exists", "Equal"]).optional(),
  value: labelValueSchema.optional(),
  effect: z.union([taintEffect, z.literal("")]).optional(),
  tolerationSeconds: z.number().int().nullable().optional(),
});

const nodeSelectorRequirementSchema = z.object({
  key: labelKeySchema,
  operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]),
  // label values, node names (matchFields) or integers (Gt/Lt): the longest is a node name
  values: z.array(storableText(253)).max(MAX_AFFINITY_VALUES).optional(),
});

/** spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution, as the API has it. */
export const nodeAffinitySchema = z.object({
  nodeSelectorTerms: z
    .array(
      z.object({
        matchExpressions: z.array(nodeSelectorRequirementSchema).max(MAX_AFFINITY_ITEMS).optional(),
        matchFields: z.array(nodeSelectorRequirementSchema).max(MAX_AFFINITY_ITEMS).optional(),
      }),
    )
    .max(MAX_AFFINITY_ITEMS),
});

export const portSchema = z.object({
  container: dns1123LabelSchema,
  containerPort: portNumber,
  hostPort: portNumber,
  hostIP: podHostIpSchema,
  protocol: podProtocolSchema,
});

export const nodeSchema = z.object({
  name: dns1123SubdomainSchema,
  labels: labelsSchema.default({}),
  unschedulable: z.boolean().default(false),
  ready: z.boolean(),
  taints: z.array(taintSchema).max(MAX_TAINTS).default([]),
  addresses: z
    .array(z.object({ type: storableText(64), address: storableText(253) }))
    .max(MAX_ADDRESSES)
    .default([]),
});

export const podSchema = z.object({
  namespace: dns1123LabelSchema,
  name: dns1123SubdomainSchema,
  node: dns1123SubdomainSchema.nullable(),
  phase: z.enum(["Pending", "Running", "Unknown"]),
  hostNetwork: z.boolean().default(false),
  owner: z
    .object({
      kind: z.string().max(63).regex(KIND, "must be a Kubernetes kind such as DaemonSet"),
      name: storableText(253).min(1),
    })
    .nullable()
    .default(null),
  ports: z.array(portSchema).max(MAX_PORTS_PER_POD).default([]),
  nodeSelector: labelsSchema.default({}),
  tolerations: z.array(tolerationSchema).max(MAX_TOLERATIONS).default([]),
  requiredNodeAffinity: nodeAffinitySchema.nullable().default(null),
  scheduling: z
    .object({ unschedulable: z.boolean(), message: storableText(MAX_SCHEDULING_MESSAGE) })
    .nullable()
    .default(null),
});

/** A HostNetwork port of an IngressController: 0 or unset means the CRD's default. */
const routerPort = (byDefault: number) =>
  z
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(byDefault)
    .transform((port) => (port === 0 ? byDefault : port));

/**
 * An OpenShift IngressController (operator.openshift.io/v1), as far as host ports go. `hostNetwork` is
 * set only for the HostNetwork strategy (ports always TCP; `protocol` is TCP or PROXY on top of it).
 * `nodeSelector` null means the CRD's default placement (workers); `replicas` null means unset.
 */
export const ingressControllerSchema = z.object({
  namespace: dns1123LabelSchema,
  name: dns1123SubdomainSchema,
  replicas: z.number().int().min(0).max(MAX_REPLICAS).nullable().default(null),
  availableReplicas: z.number().int().min(0).max(MAX_REPLICAS).nullable().default(null),
  /** the effective strategy (status), e.g. HostNetwork, LoadBalancerService, NodePortService, Private */
  endpointPublishingStrategy: storableText(64).nullable().default(null),
  hostNetwork: z
    .object({
      httpPort: routerPort(80),
      httpsPort: routerPort(443),
      statsPort: routerPort(1936),
      protocol: z
        .enum(["", "TCP", "PROXY"])
        .default("")
        .transform((p) => (p === "" ? "TCP" : p)),
    })
    .nullable()
    .default(null),
  nodeSelector: labelsSchema.nullable().default(null),
  tolerations: z.array(tolerationSchema).max(MAX_TOLERATIONS).default([]),
  /** the router Deployment it manages: router-<name> in openshift-ingress */
  deployment: z
    .object({ namespace: dns1123LabelSchema, name: dns1123SubdomainSchema })
    .nullable()
    .default(null),
});

/** An ISO-8601 instant with offset, within [MIN_INSTANT, MAX_INSTANT]. */
export const observedAtSchema = z.iso.datetime({ offset: true }).refine(
  (text) => {
    const ms = Date.parse(text);
    return ms >= MIN_INSTANT.getTime() && ms <= MAX_INSTANT.getTime();
  },
  {
    message: `must lie between ${MIN_INSTANT.toISOString()} and ${MAX_INSTANT.toISOString()}`,
    params: { portolanCode: "OBSERVED_AT_OUT_OF_RANGE" },
  },
);

export const snapshotFields = {
  schemaVersion: z.literal(SNAPSHOT_SCHEMA_VERSION),
  cluster: clusterNameSchema,
  observedAt: observedAtSchema,
  agent: z.object({ version: storableText(64), mode: storableText(32) }).optional(),
};

/** The whole snapshot in one schema: the JSON Schema and the types come from it. */
export const snapshotSchema = z.object({
  ...snapshotFields,
  nodes: z.array(nodeSchema).max(MAX_NODES),
  pods: z.array(podSchema).max(MAX_PODS),
  /** optional: old agents and plain Kubernetes clusters send none */
  ingressControllers: z.array(ingressControllerSchema).max(MAX_INGRESS_CONTROLLERS).default([]),
  /**
   * optional: what each node really listens on (docs/snapshot-contract.md, "Node listeners"); a node
   * without a report is not observed, which is not the same as listening on nothing
   */
  nodeListeners: z.array(nodeListenersSchema).max(MAX_NODES).optional(),
});

/** The snapshot's envelope; parse.ts parses nodes, pods and ports one at a time to cap the issues. */
export const snapshotEnvelopeSchema = z.object({
  ...snapshotFields,
  nodes: z.array(z.unknown()),
  pods: z.array(z.unknown()),
  // Few and small: parsed whole, with the envelope.
  ingressControllers: z.array(ingressControllerSchema).max(MAX_INGRESS_CONTROLLERS).default([]),
  // Reports are parsed one at a time, their listeners in chunks (listener-schema.ts).
  nodeListeners: z.array(z.unknown()).max(MAX_NODES).optional(),
});
export const podEnvelopeSchema = podSchema.extend({ ports: z.array(z.unknown()).default([]) });

/** What the agent sends (defaults may be omitted). */
export type SnapshotInput = z.input<typeof snapshotSchema>;
/** What the server works with: defaults filled in, hostIP/protocol normalised. */
export type Snapshot = z.output<typeof snapshotSchema>;
export type SnapshotNode = Snapshot["nodes"][number];
export type SnapshotPod = Snapshot["pods"][number];
export type SnapshotPort = SnapshotPod["ports"][number];
export type SnapshotIngressController = Snapshot["ingressControllers"][number];
export type Taint = z.output<typeof taintSchema>;
export type Toleration = z.output<typeof tolerationSchema>;
export type NodeAffinity = z.output<typeof nodeAffinitySchema>;

/** The contract as JSON Schema, served at GET /v1/schema/snapshot.json. */
export function snapshotJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(snapshotSchema, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
}
