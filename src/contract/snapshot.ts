/**
 * Snapshot contract v1: what an agent pushes to `POST /v1/snapshots`.
 * One source of truth for the API and agents/ (see docs/snapshot-contract.md).
 * Parsing normalises the kube-scheduler defaults: hostIP "" → 0.0.0.0, protocol "" → TCP.
 */
import { z } from "zod";

export const SNAPSHOT_SCHEMA_VERSION = 1;

/** Error codes a rejected snapshot carries; each maps to one HTTP status at the edge. */
export const snapshotErrorCodes = [
  "INVALID_SNAPSHOT",
  "PORT_OUT_OF_RANGE",
  "UNKNOWN_PROTOCOL",
  "DUPLICATE_NODE",
  "DUPLICATE_POD",
  "DUPLICATE_PORT",
  "UNKNOWN_NODE",
] as const;
export type SnapshotErrorCode = (typeof snapshotErrorCodes)[number];

export const protocols = ["TCP", "UDP", "SCTP"] as const;
export type Protocol = (typeof protocols)[number];

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const clusterNameSchema = z
  .string()
  .max(63)
  .regex(DNS1123_LABEL, "must be a DNS-1123 label: lower-case letters, digits and '-', 1–63 characters");

const portNumber = z.number().int().min(1).max(65535);

/** "" and a missing protocol both mean TCP, as in the Pod API. */
export const protocolSchema = z
  .enum([...protocols, ""])
  .default("TCP")
  .transform((p): Protocol => (p === "" ? "TCP" : p));

/** "" and a missing hostIP both mean every address (0.0.0.0). */
export const hostIpSchema = z
  .union([z.ipv4(), z.ipv6(), z.literal("")])
  .default("")
  .transform((ip) => (ip === "" ? "0.0.0.0" : ip));

const labelsSchema = z.record(z.string(), z.string());

export const taintSchema = z.object({
  key: z.string(),
  value: z.string().optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]),
});

export const tolerationSchema = z.object({
  key: z.string().optional(),
  operator: z.enum(["Exists", "Equal"]).optional(),
  value: z.string().optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute", ""]).optional(),
  tolerationSeconds: z.number().int().nullable().optional(),
});

const nodeSelectorRequirementSchema = z.object({
  key: z.string(),
  operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]),
  values: z.array(z.string()).optional(),
});

/** spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution, as the API has it. */
export const nodeAffinitySchema = z.object({
  nodeSelectorTerms: z.array(
    z.object({
      matchExpressions: z.array(nodeSelectorRequirementSchema).optional(),
      matchFields: z.array(nodeSelectorRequirementSchema).optional(),
    }),
  ),
});

export const portSchema = z.object({
  container: z.string().min(1),
  containerPort: portNumber,
  hostPort: portNumber,
  hostIP: hostIpSchema,
  protocol: protocolSchema,
});

export const nodeSchema = z.object({
  name: z.string().min(1).max(253),
  labels: labelsSchema.default({}),
  unschedulable: z.boolean().default(false),
  ready: z.boolean(),
  taints: z.array(taintSchema).default([]),
  addresses: z.array(z.object({ type: z.string(), address: z.string() })).default([]),
});

export const podSchema = z.object({
  namespace: z.string().min(1).max(63),
  name: z.string().min(1).max(253),
  node: z.string().min(1).nullable(),
  phase: z.enum(["Pending", "Running", "Unknown"]),
  hostNetwork: z.boolean().default(false),
  owner: z
    .object({ kind: z.string().min(1), name: z.string().min(1) })
    .nullable()
    .default(null),
  ports: z.array(portSchema).default([]),
  nodeSelector: labelsSchema.default({}),
  tolerations: z.array(tolerationSchema).default([]),
  requiredNodeAffinity: nodeAffinitySchema.nullable().default(null),
  scheduling: z
    .object({ unschedulable: z.boolean(), message: z.string().max(32_768) })
    .nullable()
    .default(null),
});

const snapshotObjectSchema = z.object({
  schemaVersion: z.literal(SNAPSHOT_SCHEMA_VERSION),
  cluster: clusterNameSchema,
  observedAt: z.iso.datetime({ offset: true }),
  agent: z.object({ version: z.string().max(64), mode: z.string().max(32) }).optional(),
  nodes: z.array(nodeSchema),
  pods: z.array(podSchema),
});

/** Rules that span several objects: uniqueness and references. */
export const snapshotSchema = snapshotObjectSchema.superRefine((snap, ctx) => {
  const nodeNames = new Set<string>();
  snap.nodes.forEach((node, i) => {
    if (nodeNames.has(node.name)) {
      ctx.addIssue({
        code: "custom",
        path: ["nodes", i, "name"],
        message: `node "${node.name}" appears more than once`,
        params: { portolanCode: "DUPLICATE_NODE" },
      });
    }
    nodeNames.add(node.name);
  });
  const podKeys = new Set<string>();
  snap.pods.forEach((pod, i) => {
    const key = `${pod.namespace}/${pod.name}`;
    if (podKeys.has(key)) {
      ctx.addIssue({
        code: "custom",
        path: ["pods", i, "name"],
        message: `pod ${key} appears more than once`,
        params: { portolanCode: "DUPLICATE_POD" },
      });
    }
    podKeys.add(key);
    if (pod.node !== null && !nodeNames.has(pod.node)) {
      ctx.addIssue({
        code: "custom",
        path: ["pods", i, "node"],
        message: `pod ${key} is on node "${pod.node}", which is not in the snapshot's nodes`,
        params: { portolanCode: "UNKNOWN_NODE" },
      });
    }
    const portKeys = new Set<string>();
    pod.ports.forEach((port, j) => {
      const portKey = `${port.container}|${port.protocol}|${port.hostIP}|${port.hostPort}`;
      if (portKeys.has(portKey)) {
        ctx.addIssue({
          code: "custom",
          path: ["pods", i, "ports", j],
          message: `pod ${key} declares ${port.hostPort}/${port.protocol} on ${port.hostIP} twice in container "${port.container}"`,
          params: { portolanCode: "DUPLICATE_PORT" },
        });
      }
      portKeys.add(portKey);
    });
  });
});

/** What the agent sends (defaults may be omitted). */
export type SnapshotInput = z.input<typeof snapshotSchema>;
/** What the server works with: defaults filled in, hostIP/protocol normalised. */
export type Snapshot = z.output<typeof snapshotSchema>;
export type SnapshotNode = Snapshot["nodes"][number];
export type SnapshotPod = Snapshot["pods"][number];
export type SnapshotPort = SnapshotPod["ports"][number];
export type Taint = z.output<typeof taintSchema>;
export type Toleration = z.output<typeof tolerationSchema>;
export type NodeAffinity = z.output<typeof nodeAffinitySchema>;

export interface SnapshotIssue {
  path: string;
  message: string;
}

export type SnapshotParseResult =
  | { ok: true; snapshot: Snapshot }
  | { ok: false; code: SnapshotErrorCode; message: string; issues: SnapshotIssue[] };

function issueCode(issue: z.core.$ZodIssue): SnapshotErrorCode {
  const custom =
    issue.code === "custom" ? (issue.params as { portolanCode?: SnapshotErrorCode } | undefined) : undefined;
  if (custom?.portolanCode) return custom.portolanCode;
  const field = issue.path[issue.path.length - 1];
  if (
    (field === "hostPort" || field === "containerPort") &&
    (issue.code === "too_small" || issue.code === "too_big")
  ) {
    return "PORT_OUT_OF_RANGE";
  }
  if (field === "protocol" && issue.code === "invalid_value") return "UNKNOWN_PROTOCOL";
  return "INVALID_SNAPSHOT";
}

const headlines: Record<SnapshotErrorCode, string> = {
  INVALID_SNAPSHOT: "the snapshot does not match schema v1",
  PORT_OUT_OF_RANGE: "a port is outside 1–65535",
  UNKNOWN_PROTOCOL: "a port has a protocol other than TCP, UDP or SCTP",
  DUPLICATE_NODE: "a node appears more than once",
  DUPLICATE_POD: "a pod appears more than once",
  DUPLICATE_PORT: "a pod declares the same host port twice",
  UNKNOWN_NODE: "a pod is on a node that is not in the snapshot",
};

/** Parses and normalises a snapshot; on failure names the first problem's code and lists every issue. */
export function parseSnapshot(input: unknown): SnapshotParseResult {
  const result = snapshotSchema.safeParse(input);
  if (result.success) return { ok: true, snapshot: result.data };
  const zodIssues = result.error.issues;
  const code = zodIssues[0] ? issueCode(zodIssues[0]) : "INVALID_SNAPSHOT";
  const issues = zodIssues.slice(0, 100).map((issue) => ({
    path: issue.path.map(String).join("."),
    message: issue.message,
  }));
  const first = issues[0];
  const detail = first ? ` (${first.path || "snapshot"}: ${first.message})` : "";
  return { ok: false, code, message: `${headlines[code]}${detail}`, issues };
}

/** The contract as JSON Schema, served at GET /v1/schema/snapshot.json. */
export function snapshotJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(snapshotObjectSchema, { io: "input", target: "draft-2020-12" }) as Record<
    string,
    unknown
  >;
}
