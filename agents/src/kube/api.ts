/**
 * The Kubernetes calls the agent makes — one page of a LIST, a WATCH stream, and whether the API
 * serves a resource at all (discovery) — as a small
 * interface, so the list/watch logic is tested against anything and the real implementation
 * (client.ts, over node:http(s)) is only loaded when the agent talks to a cluster.
 */

/** OpenShift's ingresscontrollers (operator.openshift.io/v1) exist only where the API serves them. */
export type Resource = "nodes" | "pods" | "ingresscontrollers";

/** Where each resource is listed and watched, in all namespaces. */
export const resourcePaths: Record<Resource, string> = {
  nodes: "/api/v1/nodes",
  pods: "/api/v1/pods",
  ingresscontrollers: "/apis/operator.openshift.io/v1/ingresscontrollers",
};

export interface ListRequest {
  limit: number;
  continueToken?: string;
  fieldSelector?: string;
}

export interface ListPage {
  items: unknown[];
  resourceVersion: string;
  continueToken: string | undefined;
}

export interface WatchRequest {
  resourceVersion: string;
  fieldSelector?: string;
  /** Asks the API server to end the stream after this long; the agent then re-watches. */
  timeoutSeconds: number;
}

export interface WatchEvent {
  type: string;
  object: unknown;
}

export interface KubeClient {
  /**
   * Whether the API serves `resource` (discovery of its group version): false when the group version
   * is not there (404, e.g. operator.openshift.io on plain Kubernetes); rejects on other failures.
   */
  serves(resource: Resource, signal?: AbortSignal): Promise<boolean>;
  list(resource: Resource, request: ListRequest, signal?: AbortSignal): Promise<ListPage>;
  /** Resolves when the server ends the stream (or `signal` aborts); rejects on errors. */
  watch(
    resource: Resource,
    request: WatchRequest,
    onEvent: (event: WatchEvent) => void,
    signal: AbortSignal,
  ): Promise<void>;
}

/** An HTTP status from the API server (410 Gone matters most), or none for network errors. */
export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

export function isGone(error: unknown): boolean {
  return error instanceof KubeApiError && error.status === 410;
}
