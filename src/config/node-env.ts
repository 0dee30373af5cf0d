import * as z from "zod";
import { describeEnvError, sharedEnvSchema } from "./shared.js";
import { trustedProxiesSchema } from "./trusted-proxies.js";

/** Why PORTOLAN_WORKERS > 1 needs DATABASE_URL (the environment's check, and runServer's with options). */
export const WORKERS_NEED_POSTGRES =
  "above 1 needs DATABASE_URL (PostgreSQL): the embedded PGlite database runs inside one process, which locks its data directory. Run one process, or set DATABASE_URL.";

const nodeEnvSchema = sharedEnvSchema
  .extend({
    HOST: z.string().min(1).default("127.0.0.1"),
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
      .optional(),
    PORTOLAN_DATA_DIR: z.string().min(1).default("./.portolan"),
    /** a PostgreSQL connection silent this long while a query waits is destroyed (src/db/watched-socket.ts) */
    PORTOLAN_DB_ANSWER_TIMEOUT_MS: z.coerce.number().int().min(200).default(35_000),
    /** peers whose X-Forwarded-Proto / Forwarded say the client's scheme (a TLS-terminating proxy) */
    PORTOLAN_TRUSTED_PROXIES: trustedProxiesSchema.default([]),
    /**
     * server processes sharing the port (node:cluster, src/entry/node-workers.ts); PostgreSQL only.
     * Limits stay per process: docs/deploy.md, "Several processes".
     */
    PORTOLAN_WORKERS: z.coerce
      .number({ error: "must be a whole number of processes" })
      .int("must be a whole number of processes")
      .min(1, "must be at least 1")
      .max(64, "must be at most 64 (one per core is the most that helps)")
      .default(1),
  })
  .refine((env) => env.PORTOLAN_WORKERS === 1 || env.DATABASE_URL !== undefined, {
    path: ["PORTOLAN_WORKERS"],
    message: WORKERS_NEED_POSTGRES,
  })
  .refine((env) => env.PORTOLAN_DB_ANSWER_TIMEOUT_MS > env.PORTOLAN_DB_STATEMENT_TIMEOUT_MS, {
    path: ["PORTOLAN_DB_ANSWER_TIMEOUT_MS"],
    message:
      "must be longer than PORTOLAN_DB_STATEMENT_TIMEOUT_MS: the server answers every statement within that, so only a dead connection stays silent longer",
  });

export type NodeEnv = z.output<typeof nodeEnvSchema>;

export class ConfigError extends Error {}

/** Empty variables count as unset, as in most shells' `VAR= cmd` habit. */
export function readNodeEnv(env: Record<string, string | undefined> = process.env): NodeEnv {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = nodeEnvSchema.safeParse(present);
  if (!result.success) throw new ConfigError(describeEnvError(result.error));
  return result.data;
}
