/** Service errors → HTTP status and JSON body, and → tRPC error codes: the only translation point. */
import { TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import {
  type ErrorCode,
  OUTAGE_RETRY_AFTER_SECONDS,
  type ServiceError,
  type ServiceErrorKind,
  toServiceError,
} from "../services/errors.js";

const httpStatus: Record<ServiceErrorKind, ContentfulStatusCode> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  UNAVAILABLE: 503,
};

const trpcCode: Record<ServiceErrorKind, TRPC_ERROR_CODE_KEY> = {
  BAD_REQUEST: "BAD_REQUEST",
  UNAUTHORIZED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  UNSUPPORTED_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  TOO_MANY_REQUESTS: "TOO_MANY_REQUESTS",
  UNAVAILABLE: "SERVICE_UNAVAILABLE",
};

/** Every error answer: a stable code, a message for people and the request id the log lines carry. */
export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    requestId: string;
    issues?: { path: string; message: string; document?: number }[];
  };
}

export function httpError(
  error: ServiceError,
  requestId: string,
): { status: ContentfulStatusCode; body: ErrorBody; headers: Record<string, string> } {
  return {
    status: httpStatus[error.kind],
    body: {
      error: {
        code: error.code,
        message: error.message,
        requestId,
        ...(error.issues ? { issues: error.issues } : {}),
      },
    },
    headers: retryAfter(error),
  };
}

/** Refusals that pass say when to come back (the agent and the CLI honour Retry-After); an outage always does. */
const retryAfterSeconds = (error: ServiceError | undefined): number | undefined =>
  error?.retryAfterSeconds ?? (error?.kind === "UNAVAILABLE" ? OUTAGE_RETRY_AFTER_SECONDS : undefined);

function retryAfter(error: ServiceError): Record<string, string> {
  const seconds = retryAfterSeconds(error);
  return seconds === undefined ? {} : { "retry-after": String(seconds) };
}

/** A tRPC response (a batch may carry several refusals): the longest wait any of them asks for. */
export function trpcRetryAfter(errors: readonly TRPCError[]): Record<string, string> {
  const waits = errors.map((e) => retryAfterSeconds(toServiceError(e.cause))).filter((s) => s !== undefined);
  return waits.length ? { "retry-after": String(Math.max(...waits)) } : {};
}

/** What an unexpected failure tells the client: nothing but that it happened, and where to look. */
export const INTERNAL_MESSAGE = "internal error; the server log has the details under this request id";

export function internalErrorBody(requestId: string): ErrorBody {
  return { error: { code: "INTERNAL", message: INTERNAL_MESSAGE, requestId } };
}

export function toTrpcError(error: ServiceError): TRPCError {
  return new TRPCError({ code: trpcCode[error.kind], message: error.message, cause: error });
}
