/**
 * The node reader's settings, from flags and the environment (flags win). Pure: the caller passes
 * argv and env. Every value is checked, and a bad one names its flag and variable.
 *
 * Checked by hand rather than with zod: loading zod costs the reader about 11 MiB of resident memory,
 * a quarter of its 48 MiB budget (bench/node-reader.ts); the few rules here need no schema library.
 */
import { parseArgs } from "node:util";
import type { ByteOrder } from "../../../src/contract/listener-parsers/address.js";
import { isLogLevel, type LogLevel } from "../ops/log.js";
import { parseDuration } from "../util/time.js";

/** Where the kubelet mounts the projected token (the DaemonSet's volume). */
export const DEFAULT_TOKEN_FILE = "/var/run/secrets/portolan-agent/token";

/** none: sockets only; process: and the processes holding them; pod: and where those processes sit (cgroups) */
export type Attribution = "none" | "process" | "pod";

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

type Name = keyof typeof SETTINGS;

/** A Kubernetes node name: a DNS-1123 subdomain. */
const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

class Invalid extends Error {}

const required = (value: string | undefined, why: string): string => {
  if (value === undefined) throw new Invalid(`is required (${why})`);
  return value;
};

function durationMs(text: string, min: number, max: number): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (error) {
    throw new Invalid((error as Error).message);
  }
  if (ms < min || ms > max) throw new Invalid(`"${text}" must lie between ${min} ms and ${max} ms`);
  return ms;
}

function wholeNumber(text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text)) throw new Invalid("must be a whole number");
  const value = Number(text);
  if (value < min) throw new Invalid(`must be at least ${min}`);
  if (value > max) throw new Invalid(`must be at most ${max}`);
  return value;
}

const RULES = {
  node: (v: string | undefined) => {
    const node = required(v, "the downward API's spec.nodeName");
    if (node.length > 253 || !NODE_NAME.test(node))
      throw new Invalid(`"${node}" is not a Kubernetes node name`);
    return node;
  },
  agentUrl: (v: string | undefined) => {
    const url = required(v, "the agent's Service URL");
    if (!URL.canParse(url) || !/^https?:\/\//.test(url)) throw new Invalid("must be an http(s) URL");
    return url;
  },
  tokenFile: (v: string | undefined) => required(v, "a path"),
  procRoot: (v: string | undefined) => required(v, "a path"),
  attribution: (v: string | undefined): Attribution => {
    if (v !== "none" && v !== "process" && v !== "pod")
      throw new Invalid('must be "none", "process" or "pod"');
    return v;
  },
  scan: (v: string | undefined) => durationMs(v ?? "", 100, 3_600_000),
  heartbeat: (v: string | undefined) => durationMs(v ?? "", 1000, 86_400_000),
  requestTimeout: (v: string | undefined) => durationMs(v ?? "", 100, 300_000),
  maxAttempts: (v: string | undefined) => wholeNumber(v ?? "", 1, 100),
  maxBody: (v: string | undefined) => wholeNumber(v ?? "", 16, 65_536),
  logLevel: (v: string | undefined): LogLevel => {
    if (!v || !isLogLevel(v)) throw new Invalid("must be debug, info, warn or error");
    return v;
  },
} satisfies Record<Name, (value: string | undefined) => unknown>;

type Values = { [K in Name]: ReturnType<(typeof RULES)[K]> };

export function parseReaderArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  byteOrder: ByteOrder,
): ReaderConfig {
  let flags: Record<string, string | boolean | undefined>;
  try {
    flags = parseArgs({
      args: [...argv],
      options: Object.fromEntries(Object.values(SETTINGS).map(([flag]) => [flag, { type: "string" }])),
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new ReaderUsageError((error as Error).message);
  }
  const where = (name: Name) => `--${SETTINGS[name][0]} (${SETTINGS[name][1]})`;
  const problems: string[] = [];
  const values: Partial<Record<Name, unknown>> = {};
  for (const name of Object.keys(SETTINGS) as Name[]) {
    const [flag, variable, fallback] = SETTINGS[name];
    const given = flags[flag];
    const raw = (typeof given === "string" ? given : undefined) ?? (env[variable] || undefined) ?? fallback;
    try {
      values[name] = RULES[name](raw);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      problems.push(`${where(name)} ${error.message}`);
    }
  }
  const c = values as Values;
  if (problems.length === 0 && c.heartbeat < c.scan) {
    problems.push(`${where("heartbeat")} the heartbeat must not be shorter than the scan interval`);
  }
  if (problems.length > 0) throw new ReaderUsageError(problems.join("\n"));
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
    logLevel: c.logLevel,
  };
}
