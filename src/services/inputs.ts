/**
 * Input pieces the services' procedure schemas share. Every value that reaches SQL is bounded here:
 * instants to the range PostgreSQL and JS both hold, text to what PostgreSQL can store, lists to a
 * fixed length. Each service declares its procedures' input schemas beside its functions and takes
 * `z.output<…>` of them, so a router only wires a schema to a service.
 */
import * as z from "zod";
import {
  clusterNameSchema,
  dns1123LabelSchema,
  dns1123SubdomainSchema,
  labelKeySchema,
  labelValueSchema,
  MAX_INSTANT,
  MAX_LABELS,
  MIN_INSTANT,
  protocols,
  storableText,
} from "../contract/snapshot.js";
import { parseStep } from "../domain/time-series.js";

/** Clusters one query may name; larger fleets are asked without a list. */
const MAX_CLUSTERS_PER_QUERY = 1_000;
/** PostgreSQL `integer` ids (clusters, reservations). */
export const MAX_INT4 = 2_147_483_647;

/** ISO-8601 instant in, Date out; only instants in [MIN_INSTANT, MAX_INSTANT]. */
export const instantSchema = z.iso
  .datetime({ offset: true })
  .transform((s) => new Date(s))
  .refine(
    (d) => d.getTime() >= MIN_INSTANT.getTime() && d.getTime() <= MAX_INSTANT.getTime(),
    `must lie between ${MIN_INSTANT.toISOString()} and ${MAX_INSTANT.toISOString()}`,
  );

export const stepSchema = z
  .string()
  .max(16)
  .transform((text, ctx) => {
    const seconds = parseStep(text);
    if (seconds === null) {
      ctx.addIssue({
        code: "custom",
        message: 'step is a duration such as "15m", "1h", "1d", at most 366 days',
      });
      return z.NEVER;
    }
    return seconds;
  });

export const hostPortSchema = z.number().int().min(1).max(65535);
/** A host IP in a question: an address, never "" (a query means 0.0.0.0 by leaving it out). */
export const hostIpSchema = z.union([z.ipv4(), z.ipv6()]);
/**
 * A protocol in a question: exactly TCP, UDP or SCTP. Unlike the contract's podProtocolSchema (what an
 * agent sends, where "" means TCP as in the Pod API), a query naming no protocol omits the field.
 */
export const queryProtocolSchema = z.enum(protocols);
export const clusterListSchema = z.array(clusterNameSchema).min(1).max(MAX_CLUSTERS_PER_QUERY);
export const nodeNameSchema = dns1123SubdomainSchema;
/** Rows one page of a paged answer holds. */
export const pageLimitSchema = z.number().int().min(1).max(10_000).default(1000);

/**
 * A label selector. JSON.parse makes `__proto__` an own key that a zod record silently drops, so it
 * is refused on the raw input before the record copies anything.
 */
export const labelsSchema = z
  .unknown()
  .refine(
    (value) => typeof value !== "object" || value === null || !Object.hasOwn(value, "__proto__"),
    "__proto__ is not a label key",
  )
  .pipe(
    z
      .record(labelKeySchema, labelValueSchema)
      .refine((labels) => Object.keys(labels).length <= MAX_LABELS, `at most ${MAX_LABELS} labels`),
  );

export const workloadSchema = z.object({
  namespace: dns1123LabelSchema,
  kind: z
    .string()
    .min(1)
    .max(63)
    .regex(/^[A-Za-z][A-Za-z0-9]*$/, "a Kubernetes kind such as DaemonSet"),
  name: storableText(253).min(1),
});
