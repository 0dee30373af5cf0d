/**
 * The capacity procedures' inputs, beside capacity.ts (which takes their `z.output` types) but in a
 * file of their own, so the planning bodies can be split without touching what callers may send.
 */
import { z } from "zod";
import {
  clusterNameSchema,
  MAX_TOLERATIONS,
  nodeAffinitySchema,
  tolerationSchema,
} from "../contract/snapshot.js";
import {
  clusterListSchema,
  hostIpSchema,
  hostPortSchema,
  instantSchema,
  labelsSchema,
  nodeNameSchema,
  queryProtocolSchema,
} from "./inputs.js";

/** Ports one fit check asks about: a workload declares a handful. */
const MAX_FIT_PORTS = 1_000;

export const headroomInput = z
  .object({ clusters: clusterListSchema.optional(), asOf: instantSchema.optional() })
  .default({});

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
  includeNodePortRange: z.boolean().optional(),
  includeEphemeralRange: z.boolean().optional(),
});
export type FreeRangeInput = z.output<typeof freeRangeInput>;

export const drainInput = z.object({ cluster: clusterNameSchema, node: nodeNameSchema });

export const conflictsInput = z.object({ clusters: clusterListSchema.optional() }).default({});
