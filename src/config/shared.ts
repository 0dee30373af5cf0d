import { z } from "zod";

/** How far ahead of the server clock an agent's observedAt may be, unless configured. */
export const DEFAULT_MAX_CLOCK_SKEW_SECONDS = 300;

/** Settings both entries (Node and Worker) read, with their defaults. */
export const sharedEnvSchema = z.object({
  PORTOLAN_ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  PORTOLAN_MAX_SNAPSHOT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024 * 1024),
  PORTOLAN_STALE_AFTER_SECONDS: z.coerce.number().int().min(1).default(600),
  /** an observedAt further ahead of the server clock is refused: it would freeze the cluster's history */
  PORTOLAN_MAX_CLOCK_SKEW_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(86_400)
    .default(DEFAULT_MAX_CLOCK_SKEW_SECONDS),
  PORTOLAN_SNAPSHOT_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
  /** how often maintenance runs: a cluster whose staleness began within it is reported as newly stale */
  PORTOLAN_MAINTENANCE_INTERVAL_SECONDS: z.coerce.number().int().min(60).default(900),
});

/** Turns a failed env parse into one message that names every bad variable. */
export function describeEnvError(error: z.ZodError): string {
  const lines = error.issues.map((issue) => `  ${issue.path.join(".") || "(env)"}: ${issue.message}`);
  return `invalid configuration:\n${lines.join("\n")}`;
}
