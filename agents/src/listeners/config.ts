/**
 * The listener receiver's settings, from the agent's environment (the agent's flags stay as they
 * are). Unset PORTOLAN_LISTENER_PORT: no receiver. Checked with zod; a bad value names its variable.
 */
import * as z from "zod";
import { dns1123LabelSchema, dns1123SubdomainSchema } from "../../../src/contract/bounds.js";
import { parseDuration } from "../util/time.js";

export interface ReceiverConfig {
  port: number;
  host: string;
  serviceAccount: { namespace: string; name: string };
  /** a report expires after this many of its reader's heartbeats without a new one */
  missedHeartbeats: number;
  /** the heartbeat assumed for a reader that does not say its own */
  defaultHeartbeatMs: number;
  maxBodyBytes: number;
  reviewCacheMs: number;
  maxInFlight: number;
}

const VARIABLES = {
  port: "PORTOLAN_LISTENER_PORT",
  host: "PORTOLAN_LISTENER_HOST",
  serviceAccount: "PORTOLAN_NODE_READER_SERVICE_ACCOUNT",
  missedHeartbeats: "PORTOLAN_LISTENER_MISSED_HEARTBEATS",
  defaultHeartbeat: "PORTOLAN_LISTENER_HEARTBEAT",
  maxBodyKb: "PORTOLAN_LISTENER_MAX_BODY_KB",
  reviewCache: "PORTOLAN_LISTENER_REVIEW_CACHE",
} as const;

const DEFAULTS: Record<keyof typeof VARIABLES, string> = {
  port: "",
  host: "0.0.0.0",
  serviceAccount: "portolan-node-reader:portolan-node-reader",
  missedHeartbeats: "3",
  defaultHeartbeat: "10m",
  maxBodyKb: "4096",
  reviewCache: "60s",
};

const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const duration = (min: number, max: number) =>
  z.string().transform((text, ctx) => {
    try {
      const ms = parseDuration(text);
      if (ms >= min && ms <= max) return ms;
      ctx.addIssue({ code: "custom", message: `must lie between ${min} ms and ${max} ms` });
    } catch (error) {
      ctx.addIssue({ code: "custom", message: (error as Error).message });
    }
    return z.NEVER;
  });

const schema = z.object({
  // 0: any free port (tests)
  port: integer(0, 65535),
  host: z.string().min(1),
  serviceAccount: z
    .string()
    .regex(/^[^:]+:[^:]+$/, 'must be "<namespace>:<name>"')
    .transform((text) => {
      const [namespace = "", name = ""] = text.split(":");
      return { namespace, name };
    })
    .pipe(z.object({ namespace: dns1123LabelSchema, name: dns1123SubdomainSchema })),
  missedHeartbeats: integer(1, 100),
  defaultHeartbeat: duration(1000, 86_400_000),
  maxBodyKb: integer(16, 65_536),
  reviewCache: duration(0, 3_600_000),
});

export class ReceiverConfigError extends Error {}

/** The receiver's settings, or undefined when PORTOLAN_LISTENER_PORT is unset. */
export function receiverConfigFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): ReceiverConfig | undefined {
  if (env[VARIABLES.port] === undefined || env[VARIABLES.port] === "") return undefined;
  const raw = Object.fromEntries(
    Object.entries(VARIABLES).map(([key, variable]) => [
      key,
      env[variable] || DEFAULTS[key as keyof typeof VARIABLES],
    ]),
  );
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new ReceiverConfigError(
      parsed.error.issues
        .map(
          (issue) =>
            `${VARIABLES[issue.path[0] as keyof typeof VARIABLES] ?? "listener settings"}: ${issue.message}`,
        )
        .join("\n"),
    );
  }
  const c = parsed.data;
  return {
    port: c.port,
    host: c.host,
    serviceAccount: c.serviceAccount,
    missedHeartbeats: c.missedHeartbeats,
    defaultHeartbeatMs: c.defaultHeartbeat,
    maxBodyBytes: c.maxBodyKb * 1024,
    reviewCacheMs: c.reviewCache,
    maxInFlight: 32,
  };
}
