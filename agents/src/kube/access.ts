/**
 * What the agent needs to talk to one API server: its URL, the TLS material, and how a request is
 * authenticated. Built from a kubeconfig (kubeconfig.ts) or the pod's service account (config.ts).
 * Plain data, so the agent's own small HTTP client (http.ts) is all that reads it; the credentials
 * that change over time (a rotated service-account token, an exec plugin's short-lived token) are
 * fetched per request through `credentials()` in http.ts.
 */

export interface KubeTls {
  /** PEM; none: the system's trust store. */
  ca?: string;
  /** Client certificate and key, PEM. */
  cert?: string;
  key?: string;
  /** insecure-skip-tls-verify: true */
  insecure: boolean;
  /** tls-server-name: the name the server's certificate is checked against, when not the URL's host. */
  serverName?: string;
}

/** A client-go credential plugin (kubeconfig users[].user.exec), client.authentication.k8s.io. */
export interface ExecPlugin {
  apiVersion: string;
  command: string;
  args: string[];
  env: { name: string; value: string }[];
  /** The kubeconfig's directory: a relative command path is resolved against it, as kubectl does. */
  dir: string;
}

export type KubeAuth =
  | { kind: "none" }
  | { kind: "token"; token: string }
  /** Read again when it may have changed: the kubelet rotates a projected service-account token. */
  | { kind: "token-file"; path: string }
  | { kind: "basic"; username: string; password: string }
  | { kind: "exec"; plugin: ExecPlugin }
  /**
   * An auth form the agent's client does not implement (a kubeconfig auth-provider): the header and
   * TLS material come from @kubernetes/client-node, loaded only then (client-node-auth.ts).
   * `kubeconfig`: a kubeconfig document (JSON) of this context alone, its paths absolute.
   */
  | { kind: "client-node"; kubeconfig: string; context: string; provider: string };

export interface KubeAccess {
  /** https://host:port (or http:// for a local test server), no trailing slash. */
  server: string;
  tls: KubeTls;
  auth: KubeAuth;
}
