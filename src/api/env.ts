import type { RequestIdVariables } from "hono/request-id";
import type { DatabaseHandle } from "../db/types.js";
import type { AuthConfig } from "../services/auth.js";
import type { ServiceContext } from "../services/context.js";

/** What createApp needs; the Node and Worker entries differ only in how they build it. */
export interface AppDeps {
  database: Pick<DatabaseHandle, "db" | "kind">;
  auth: AuthConfig;
  staleAfterSeconds: number;
  maxSnapshotBytes: number;
  now?: () => Date;
}

export interface RequestDeps {
  services: ServiceContext;
  auth: AuthConfig;
  maxSnapshotBytes: number;
  database: AppDeps["database"];
}

export type AppEnv = { Variables: { deps: RequestDeps } & RequestIdVariables };
