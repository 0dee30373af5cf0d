/** Input pieces several routers share. */
import { z } from "zod";
import { clusterNameSchema, protocols } from "../contract/snapshot.js";
import { parseStep } from "../domain/time-series.js";

/** ISO-8601 instant in, Date out. */
export const instantSchema = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

export const stepSchema = z.string().transform((text, ctx) => {
  const seconds = parseStep(text);
  if (seconds === null) {
    ctx.addIssue({ code: "custom", message: 'step is a duration such as "15m", "1h", "1d"' });
    return z.NEVER;
  }
  return seconds;
});

export const hostPortSchema = z.number().int().min(1).max(65535);
export const protocolSchema = z.enum(protocols);
export const clusterListSchema = z.array(clusterNameSchema).min(1);
export const labelsSchema = z.record(z.string(), z.string());
export const workloadSchema = z.object({
  namespace: z.string().min(1),
  kind: z.string().min(1),
  name: z.string().min(1),
});
