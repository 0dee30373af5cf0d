/**
 * The two Kubernetes calls the listener receiver makes, as a small interface: a TokenReview of a
 * reader's token, and the node of the pod a token is bound to. The real implementation
 * (kube/review.ts) is loaded only with the cluster access; tests fake it.
 */

export interface TokenReviewStatus {
  authenticated: boolean;
  /** system:serviceaccount:<namespace>:<name> for a ServiceAccount token */
  username?: string;
  /** the audiences the token is valid for, among those asked */
  audiences?: string[];
  /** authentication.kubernetes.io/pod-name, …/pod-uid, …/node-name for a pod-bound token */
  extra?: Record<string, string[]>;
  error?: string;
}

export interface PodPlacement {
  uid?: string;
  nodeName?: string;
}

export interface ReviewApi {
  reviewToken(token: string, audiences: string[]): Promise<TokenReviewStatus>;
  /** undefined when there is no such pod */
  readPod(namespace: string, name: string): Promise<PodPlacement | undefined>;
}
