import type { RequestIdVariables } from "hono/request-id";
import type { DatabaseHandle } from "../db/types.js";
import type { AuthConfig } from "../services/auth.js";
import type { BaseStates } from "../services/base-states.js";
import type { ServiceContext } from "../services/context.js";
import type { PushGate } from "../services/push-gate.js";
import type { CallGates } from "./limits/gates.js";
import type { RequestLimits } from "./limits/request-limits.js";

/** A figure of the process itself for /metrics (the Node entry's event-loop delay). */
export interface RuntimeGauge {
  name: string;
  help: string;
  value: number;
}

/** What createApp needs; the Node and Worker entries differ only in how they build it. */
export interface AppDeps {
  database: Pick<DatabaseHandle, "db" | "kind">;
  auth: AuthConfig;
  staleAfterSeconds: number;
  /** default 300 */
  maxClockSkewSeconds?: number;
  /** closed history kept, in days (reads before it are refused); default 400 */
  historyRetentionDays?: number;
  maxSnapshotBytes: number;
  /** an ordinary request body's limit (api/body-limits.ts); default DEFAULT_MAX_REQUEST_BYTES */
  maxRequestBytes?: number;
  now?: () => Date;
  /** development mode on Node: refuse requests whose Host is not a loopback name (api/host-check.ts) */
  loopbackHostsOnly?: boolean;
  /** batch, rate and concurrency limits (api/limits); omitted, nothing is limited */
  limits?: RequestLimits;
  /** peers whose Forwarded / X-Forwarded-Proto headers are believed (api/client-scheme.ts); omitted, none */
  trustedProxy?: (address: string) => boolean;
  /** one log line per request and per accepted push (the entries turn it on; tests keep quiet) */
  logRequests?: boolean;
  /** pushes' turns: built once per process (per isolate on Workers) so it outlives a request */
  pushGate?: PushGate;
  /** deltas' base states: like the gate, built once per process (per isolate on Workers) */
  baseStates?: BaseStates;
  /** the process's own gauges on /metrics; omitted, none */
  runtimeGauges?: () => RuntimeGauge[];
}

export interface RequestDeps {
  services: ServiceContext;
  auth: AuthConfig;
  maxSnapshotBytes: number;
  database: AppDeps["database"];
  logRequests: boolean;
  /** batch, rate and concurrency limits; undefined, nothing is limited */
  limits: RequestLimits | undefined;
  trustedProxy: ((address: string) => boolean) | undefined;
  runtimeGauges: () => RuntimeGauge[];
}

export type AppEnv = {
  /** gates: the request's way through the rate and concurrency limits, once made (api/limits/gates.ts) */
  /** cluster: the cluster a request concerns, where known, for its log line */
  Variables: { deps: RequestDeps; gates?: CallGates; cluster?: string } & RequestIdVariables;
};
