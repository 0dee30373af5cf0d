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

export interface ErrorIssue {
  path: string;
  message: string;
}

export class ServiceError extends Error {
  readonly kind: ServiceErrorKind;
  readonly code: string;
  readonly issues: ErrorIssue[] | undefined;

  constructor(kind: ServiceErrorKind, code: string, message: string, issues?: ErrorIssue[]) {
    super(message);
    this.name = "ServiceError";
    this.kind = kind;
    this.code = code;
    this.issues = issues;
  }
}

export const notFound = (what: string) =>
  new ServiceError("NOT_FOUND", "NOT_FOUND", `${what} does not exist`);
