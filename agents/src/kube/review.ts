/**
 * ReviewApi on @kubernetes/client-node: TokenReview (authentication.k8s.io/v1, needs `create` on
 * tokenreviews) and GET of one pod (needs `get` on pods; the agent's ClusterRole grants both).
 */
import { AuthenticationV1Api, CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import type { PodPlacement, ReviewApi, TokenReviewStatus } from "../listeners/review-api.js";

export function createReviewApi(config: KubeConfig, timeoutMs = 10_000): ReviewApi {
  const authentication = config.makeApiClient(AuthenticationV1Api);
  const core = config.makeApiClient(CoreV1Api);
  return {
    async reviewToken(token, audiences): Promise<TokenReviewStatus> {
      const review = await within(
        timeoutMs,
        authentication.createTokenReview({
          body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token, audiences } },
        }),
      );
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
      try {
        const pod = await within(timeoutMs, core.readNamespacedPod({ namespace, name }));
        return {
          ...(pod.metadata?.uid ? { uid: pod.metadata.uid } : {}),
          ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
        };
      } catch (error) {
        if ((error as { code?: unknown }).code === 404) return undefined;
        throw error;
      }
    },
  };
}

/** The generated client takes no abort signal: a hung call is abandoned after timeoutMs. */
function within<T>(timeoutMs: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  work.catch(() => {});
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
