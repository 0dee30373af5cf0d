/**
 * The node reader's settings, from flags and the environment (flags win). Pure: the caller passes
 * argv and env. Every value is checked with zod, and a bad one names its flag and variable.
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { dns1123SubdomainSchema } from "../../../src/contract/bounds.js";
import type { ByteOrder } from "../../../src/contract/listener-parsers/address.js";
import { isLogLevel, type LogLevel } from "../ops/log.js";
import { parseDuration } from "../util/time.js";

/** Where the kubelet mounts the projected token (the DaemonSet's volume). */
export const DEFAULT_TOKEN_FILE = "/var/run/secrets/portolan-agent/token";

export type Attribution = "none" | "process";

export interface ReaderConfig {
  node: string;
  agentUrl: string;
  tokenFile: string;
  procRoot: string;
  attribution: Attribution;
  scanMs: number;
  heartbeatMs: number;
  requestTimeoutMs: number;
  maxAttempts: number;
  maxBodyBytes: number;
  byteOrder: ByteOrder;
  logLevel: LogLevel;
}

export class ReaderUsageError extends Error {}

/** name: [flag, environment variable, default] */
const SETTINGS = {
  node: ["node", "NODE_NAME", undefined],
  agentUrl: ["agent-url", "PORTOLAN_AGENT_URL", undefined],
  tokenFile: ["token-file", "PORTOLAN_READER_TOKEN_FILE", DEFAULT_TOKEN_FILE],
  procRoot: ["proc-root", "PORTOLAN_PROC_ROOT", "/proc"],
  attribution: ["attribution", "PORTOLAN_READER_ATTRIBUTION", "none"],
  scan: ["scan-interval", "PORTOLAN_READER_SCAN_INTERVAL", "15s"],
  heartbeat: ["heartbeat", "PORTOLAN_READER_HEARTBEAT", "10m"],
  requestTimeout: ["request-timeout", "PORTOLAN_READER_REQUEST_TIMEOUT", "10s"],
  maxAttempts: ["max-attempts", "PORTOLAN_READER_MAX_ATTEMPTS", "5"],
  maxBody: ["max-body-kb", "PORTOLAN_READER_MAX_BODY_KB", "4096"],
  logLevel: ["log-level", "PORTOLAN_LOG_LEVEL", "info"],
} as const;

const duration = (min: number, max: number) =>
  z.string().transform((text, ctx) => {
    let ms: number;
    try {
      ms = parseDuration(text);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: (error as Error).message });
      return z.NEVER;
    }
    if (ms < min || ms > max) {
      ctx.addIssue({ code: "custom", message: `"${text}" must lie between ${min} ms and ${max} ms` });
      return z.NEVER;
    }
    return ms;
  });

const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const schema = z
  .object({
    node: z.string({ error: "is required (the downward API's spec.nodeName)" }).pipe(dns1123SubdomainSchema),
    agentUrl: z
      .string({ error: "is required (the agent's Service URL)" })
      .url("must be an http(s) URL")
      .refine((u) => /^https?:\/\//.test(u), "must be an http(s) URL"),
    tokenFile: z.string().min(1),
    procRoot: z.string().min(1),
    attribution: z.enum(["none", "process"], { error: 'must be "none" or "process"' }),
    scan: duration(100, 3_600_000),
    heartbeat: duration(1000, 86_400_000),
    requestTimeout: duration(100, 300_000),
    maxAttempts: integer(1, 100),
    maxBody: integer(16, 65_536),
    logLevel: z.string().refine(isLogLevel, "must be debug, info, warn or error"),
  })
  .refine((c) => c.heartbeat >= c.scan, {
    message: "the heartbeat must not be shorter than the scan interval",
    path: ["heartbeat"],
  });

export function parseReaderArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  byteOrder: ByteOrder,
): ReaderConfig {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: Object.fromEntries(Object.values(SETTINGS).map(([flag]) => [flag, { type: "string" }])),
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new ReaderUsageError((error as Error).message);
  }
  const raw: Record<string, string | undefined> = {};
  for (const [name, [flag, variable, fallback]] of Object.entries(SETTINGS)) {
    const given = values[flag];
    raw[name] = (typeof given === "string" ? given : undefined) ?? (env[variable] || undefined) ?? fallback;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "") as keyof typeof SETTINGS;
      const setting = SETTINGS[name];
      const where = setting ? `--${setting[0]} (${setting[1]})` : "settings";
      return `${where} ${issue.message}`;
    });
    throw new ReaderUsageError(lines.join("\n"));
  }
  const c = parsed.data;
  return {
    node: c.node,
    agentUrl: c.agentUrl,
    tokenFile: c.tokenFile,
    procRoot: c.procRoot,
    attribution: c.attribution,
    scanMs: c.scan,
    heartbeatMs: c.heartbeat,
    requestTimeoutMs: c.requestTimeout,
    maxAttempts: c.maxAttempts,
    maxBodyBytes: c.maxBody * 1024,
    byteOrder,
    logLevel: c.logLevel as LogLevel,
  };
}
