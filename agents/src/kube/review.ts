/**
 * ReviewApi over the agent's HTTP client: TokenReview (authentication.k8s.io/v1, needs `create` on
 * tokenreviews) and GET of one pod (needs `get` on pods; the agent's ClusterRole grants both).
 */
import type { PodPlacement, ReviewApi, TokenReviewStatus } from "../listeners/review-api.js";
import { AbortScope } from "../util/abort.js";
import type { KubeAccess } from "./access.js";
import { KubeApiError } from "./api.js";
import { KubeHttp } from "./http.js";

interface TokenReview {
  status?: {
    authenticated?: boolean;
    user?: { username?: string; extra?: Record<string, string[]> };
    audiences?: string[];
    error?: string;
  };
}

interface Pod {
  metadata?: { uid?: string };
  spec?: { nodeName?: string };
}

export function createReviewApi(access: KubeAccess, timeoutMs = 10_000): ReviewApi {
  const api = new KubeHttp(access);
  /** A hung call is abandoned after timeoutMs: the reader's report is refused and it tries again. */
  const within = async <T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const scope = new AbortScope([], timeoutMs);
    try {
      return await call(scope.signal);
    } catch (error) {
      if (scope.signal.aborted) throw new Error(`no answer within ${timeoutMs} ms`);
      throw error;
    } finally {
      scope.dispose();
    }
  };
  return {
    async reviewToken(token, audiences): Promise<TokenReviewStatus> {
      const review = (await within((signal) =>
        api.json("/apis/authentication.k8s.io/v1/tokenreviews", {
          method: "POST",
          body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token, audiences } },
          signal,
        }),
      )) as TokenReview;
      const status = review.status ?? {};
      return {
        authenticated: status.authenticated === true,
        ...(status.user?.username ? { username: status.user.username } : {}),
        ...(status.audiences ? { audiences: status.audiences } : {}),
        ...(status.user?.extra ? { extra: status.user.extra } : {}),
        ...(status.error ? { error: status.error } : {}),
      };
    },
    async readPod(namespace, name): Promise<PodPlacement | undefined> {
      const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`;
      try {
        const pod = (await within((signal) => api.json(path, { signal }))) as Pod;
        return {
          ...(pod.metadata?.uid ? { uid: pod.metadata.uid } : {}),
          ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
        };
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 404) return undefined;
        throw error;
      }
    },
  };
}
