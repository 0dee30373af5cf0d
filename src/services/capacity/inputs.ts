/** The capacity procedures' inputs: the services take their `z.output` types, the router wires them. */
import { z } from "zod";
import {
  clusterNameSchema,
  MAX_TOLERATIONS,
  nodeAffinitySchema,
  tolerationSchema,
} from "../../contract/snapshot.js";
import { profileNames } from "../../domain/port-profiles.js";
import {
  clusterListSchema,
  hostIpSchema,
  hostPortSchema,
  instantSchema,
  labelsSchema,
  nodeNameSchema,
  queryProtocolSchema,
} from "../inputs.js";
import { MAX_SAMPLE_SIZE } from "./blockers.js";
import { MAX_CONFLICTS_LIMIT } from "./conflicts.js";
import { MAX_HEADROOM_LIMIT } from "./headroom.js";

/** Ports one fit check asks about: a workload declares a handful. */
const MAX_FIT_PORTS = 1_000;

/** blocked (and free) nodes listed per cluster or item; the rest are counted */
const sampleSizeSchema = z.number().int().min(1).max(MAX_SAMPLE_SIZE);

/** A page cursor made of `parts` text keys: the nextCursor of the previous page, unchanged. */
const keyCursorSchema = (parts: number) =>
  z
    .string()
    .max(4096)
    .transform((text, ctx) => {
      try {
        return z.array(z.string()).length(parts).parse(JSON.parse(text));
      } catch {
        ctx.addIssue({ code: "custom", message: "cursor is the nextCursor of the previous page" });
        return z.NEVER;
      }
    });

export const headroomInput = z
  .object({
    clusters: clusterListSchema.optional(),
    asOf: instantSchema.optional(),
    limit: z.number().int().min(1).max(MAX_HEADROOM_LIMIT).optional(),
    /** the last row of the previous page: cluster, namespace, kind, name */
    cursor: keyCursorSchema(4).optional(),
  })
  .default({});
export type HeadroomInput = z.output<typeof headroomInput>;

export const fitInput = z.object({
  clusters: clusterListSchema,
  ports: z
    .array(
      z.object({
        hostPort: hostPortSchema,
        protocol: queryProtocolSchema.optional(),
        hostIP: hostIpSchema.optional(),
      }),
    )
    .min(1)
    .max(MAX_FIT_PORTS),
  replicas: z.number().int().min(1).max(10_000).default(1),
  nodeSelector: labelsSchema.optional(),
  tolerations: z.array(tolerationSchema).max(MAX_TOLERATIONS).optional(),
  requiredNodeAffinity: nodeAffinitySchema.optional(),
  sampleSize: sampleSizeSchema.optional(),
  /** a DaemonSet: a pod on every eligible node, fitting only when none is blocked (replicas is ignored) */
  everyEligibleNode: z.boolean().optional(),
});
export type FitInput = z.output<typeof fitInput>;

export const freeRangeInput = z.object({
  clusters: clusterListSchema.optional(),
  labelSelector: labelsSchema.optional(),
  protocol: queryProtocolSchema.optional(),
  width: z.number().int().min(1).max(65535),
  min: hostPortSchema.optional(),
  max: hostPortSchema.optional(),
  limit: z.number().int().min(1).max(1000).optional(),
  quietDays: z.number().int().min(1).max(3650).optional(),
  includeReserved: z.boolean().optional(),
  /** every selected cluster's profile instead of the one its labels give (port-profiles.ts) */
  profile: z.enum(profileNames).optional(),
  /** offer ports below 1024 (they need root or CAP_NET_BIND_SERVICE) */
  allowPrivileged: z.boolean().optional(),
});
export type FreeRangeInput = z.output<typeof freeRangeInput>;

export const drainInput = z.object({ cluster: clusterNameSchema, node: nodeNameSchema });
export type DrainInput = z.output<typeof drainInput>;

export const conflictsInput = z
  .object({
    clusters: clusterListSchema.optional(),
    limit: z.number().int().min(1).max(MAX_CONFLICTS_LIMIT).optional(),
    /** the last item of the previous page: cluster, namespace, pod */
    cursor: keyCursorSchema(3).optional(),
    sampleSize: sampleSizeSchema.optional(),
  })
  .default({});
export type ConflictsInput = z.output<typeof conflictsInput>;
