/**
 * The real HTTP app on a real database, driven through app.request(): what every integration test uses.
 */
import { gzipSync } from "node:zlib";
import { createRequestLimits, type LimitSettings } from "../../src/api/limits/request-limits.js";
import { createApp } from "../../src/app.js";
import type { SnapshotInput } from "../../src/contract/snapshot.js";
import type { DatabaseHandle } from "../../src/db/types.js";
import { createTestDatabase, resetDatabase } from "./database.js";
import type { InputOf, MutationPath, OutputOf, QueryPath } from "./trpc-types.js";

export interface HarnessOptions {
  adminToken?: string;
  maxSnapshotBytes?: number;
  /** PORTOLAN_MAX_REQUEST_BYTES: an ordinary request body's limit */
  maxRequestBytes?: number;
  staleAfterSeconds?: number;
  maxClockSkewSeconds?: number;
  /** PORTOLAN_RETENTION_DAYS: reads before now minus this answer AS_OF_BEYOND_RETENTION */
  historyRetentionDays?: number;
  now?: () => Date;
  /** PostgreSQL pool size (default 25): a small pool shows who holds connections */
  poolMax?: number;
  /** batch, rate and concurrency limits; omitted, nothing is limited */
  limits?: LimitSettings;
  /** peers whose Forwarded / X-Forwarded-Proto are believed (PORTOLAN_TRUSTED_PROXIES) */
  trustedProxy?: (address: string) => boolean;
}

export const ADMIN_TOKEN = "test-admin-token-0123456789";

export type TrpcAnswer<T = unknown> =
  | { status: number; ok: true; data: T }
  | {
      status: number;
      ok: false;
      error: { message: string; data: { code: string; reason: string; issues?: unknown[] } };
    };

/** An answer's data; a refused answer fails the test with its message. */
export function dataOf<T>(answer: TrpcAnswer<T>): T {
  if (!answer.ok) throw new Error(answer.error.message);
  return answer.data;
}

export async function createHarness(options: HarnessOptions = {}) {
  const database = await createTestDatabase(options.poolMax === undefined ? {} : { max: options.poolMax });
  const adminToken = options.adminToken ?? ADMIN_TOKEN;
  const app = createApp({
    database,
    auth: { adminToken, openAccess: false },
    staleAfterSeconds: options.staleAfterSeconds ?? 600,
    maxSnapshotBytes: options.maxSnapshotBytes ?? 8 * 1024 * 1024,
    ...(options.now ? { now: options.now } : {}),
    ...(options.maxClockSkewSeconds === undefined
      ? {}
      : { maxClockSkewSeconds: options.maxClockSkewSeconds }),
    ...(options.limits ? { limits: createRequestLimits(options.limits) } : {}),
    ...(options.trustedProxy ? { trustedProxy: options.trustedProxy } : {}),
    ...(options.maxRequestBytes === undefined ? {} : { maxRequestBytes: options.maxRequestBytes }),
    ...(options.historyRetentionDays === undefined
      ? {}
      : { historyRetentionDays: options.historyRetentionDays }),
  });
  const admin = { authorization: `Bearer ${adminToken}` };

  async function trpcAnswer<T>(res: Response): Promise<TrpcAnswer<T>> {
    const body = (await res.json()) as { result?: { data: T }; error?: never };
    if (body.result) return { status: res.status, ok: true, data: body.result.data };
    return { status: res.status, ok: false, error: body.error as never };
  }

  async function rawQuery(path: string, input: unknown = {}, token: string | null = adminToken) {
    const url = `/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`;
    return trpcAnswer<unknown>(
      await app.request(url, { headers: token ? { authorization: `Bearer ${token}` } : {} }),
    );
  }

  async function rawMutate(path: string, input: unknown = {}, token: string | null = adminToken) {
    return trpcAnswer<unknown>(
      await app.request(`/trpc/${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(input),
      }),
    );
  }

  const harness = {
    app,
    database: database as DatabaseHandle,
    adminToken,
    /** A query typed from the router: its input as the procedure takes it, its answer as it gives it. */
    query<P extends QueryPath>(path: P, input?: InputOf<P>, token: string | null = adminToken) {
      return rawQuery(path, input ?? {}, token) as Promise<TrpcAnswer<OutputOf<P>>>;
    },
    mutate<P extends MutationPath>(path: P, input?: InputOf<P>, token: string | null = adminToken) {
      return rawMutate(path, input ?? {}, token) as Promise<TrpcAnswer<OutputOf<P>>>;
    },
    /** Any path with any input, for what the types refuse: bad input, unknown procedures. */
    rawQuery,
    rawMutate,
    /** Registers a cluster and returns its agent token. */
    async register(name: string, labels?: Record<string, string>): Promise<string> {
      const answer = await harness.mutate("clusters.register", {
        name,
        ...(labels ? { labels } : {}),
      });
      if (!answer.ok) throw new Error(`register ${name}: ${answer.error.message}`);
      return answer.data.token;
    },
    /** POST /v1/snapshots as an agent would; `headers` override the defaults, a null token sends none. */
    push(
      token: string | null,
      snapshot: SnapshotInput | unknown,
      options: { gzip?: boolean; raw?: string; headers?: Record<string, string> } = {},
    ) {
      const json = options.raw ?? JSON.stringify(snapshot);
      return app.request("/v1/snapshots", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(options.gzip ? { "content-encoding": "gzip" } : {}),
          ...options.headers,
        },
        body: options.gzip ? gzipSync(json) : json,
      });
    },
    reset: () => resetDatabase(database),
    close: () => database.close(),
    admin,
  };
  return harness;
}

export type Harness = Awaited<ReturnType<typeof createHarness>>;
