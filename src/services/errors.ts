import type { SnapshotErrorCode } from "../contract/snapshot.js";
import { databaseOutageCode } from "../db/failures.js";

/**
 * The one error vocabulary of the services. `kind` says what class of failure it is (the edge maps
 * it to an HTTP status or tRPC code); `code` is the stable, specific reason clients can switch on.
 */
export type ServiceErrorKind =
  | "BAD_REQUEST"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  | "PAYLOAD_TOO_LARGE"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "TOO_MANY_REQUESTS"
  | "UNAVAILABLE";

/**
 * Every `code` a client can get besides the snapshot contract's own (SnapshotErrorCode), listed once
 * so docs/api.md can be checked against it (test/unit/error-codes.test.ts).
 */
export const serviceErrorCodes = [
  "UNAUTHORIZED",
  "FORBIDDEN",
  "NOT_FOUND",
  "CLUSTER_MISMATCH",
  "CLUSTER_EXISTS",
  "TOKEN_EXISTS",
  "RESERVATION_OVERLAP",
  "INGRESS_CONTROLLER_EXISTS",
  "STALE_SNAPSHOT",
  "BASE_MISMATCH",
  "OBSERVED_AT_IN_FUTURE",
  "RESET_IN_FUTURE",
  "INVALID_EXPIRY",
  "INVALID_RANGE",
  "AS_OF_BEYOND_RETENTION",
  "INVALID_PORT_PROFILE",
  "INVALID_MANIFEST",
  "INVALID_BASELINE",
  "TOO_MANY_POINTS",
  "INVALID_JSON",
  "INVALID_GZIP",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "UNSUPPORTED_ENCODING",
  "BATCH_TOO_LARGE",
  "RATE_LIMITED",
  "CONCURRENCY_LIMITED",
  "PUSH_IN_PROGRESS",
  "SERVER_BUSY",
  "DATABASE_UNAVAILABLE",
  "HOST_NOT_ALLOWED",
  "ADMIN_TOKEN_NOT_FOR_DASHBOARD",
  "INTERNAL",
] as const;

export type ErrorCode = (typeof serviceErrorCodes)[number] | SnapshotErrorCode;

export interface ErrorIssue {
  path: string;
  message: string;
  /** which document of a multi-document input (a manifest), counted from 0 */
  document?: number;
}

export class ServiceError extends Error {
  readonly kind: ServiceErrorKind;
  readonly code: ErrorCode;
  readonly issues: ErrorIssue[] | undefined;
  /** when to try again (refusals that pass): the edge sends it as Retry-After */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    kind: ServiceErrorKind,
    code: ErrorCode,
    message: string,
    issues?: ErrorIssue[],
    options: { cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(message, "cause" in options ? { cause: options.cause } : undefined);
    this.name = "ServiceError";
    this.kind = kind;
    this.code = code;
    this.issues = issues;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const notFound = (what: string) =>
  new ServiceError("NOT_FOUND", "NOT_FOUND", `${what} does not exist`);

/** Seconds a client should wait before retrying after a database outage. */
/** The server runs as much of `work` as it may (pushes, expensive reads): 503 SERVER_BUSY with Retry-After. */
export const serverBusy = (work: string, retryAfterSeconds: number) =>
  new ServiceError(
    "UNAVAILABLE",
    "SERVER_BUSY",
    `the server is running as many ${work} as it may; retry after ${retryAfterSeconds}s`,
    undefined,
    { retryAfterSeconds },
  );

export const OUTAGE_RETRY_AFTER_SECONDS = 5;

/**
 * The one place a driver or database failure becomes part of the vocabulary: a ServiceError stays
 * itself, an outage (unreachable, reset, shut down, too many connections, timed out) becomes 503
 * DATABASE_UNAVAILABLE, anything else stays unknown (the edge answers a generic 500).
 */
export function toServiceError(error: unknown): ServiceError | undefined {
  if (error instanceof ServiceError) return error;
  const outage = databaseOutageCode(error);
  if (!outage) return undefined;
  return new ServiceError(
    "UNAVAILABLE",
    "DATABASE_UNAVAILABLE",
    `the database is unavailable (${outage}); retry in ${OUTAGE_RETRY_AFTER_SECONDS} s`,
    undefined,
    // Kept for the log line (describeFailure), never sent to the client.
    { cause: error },
  );
}
