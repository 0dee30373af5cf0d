/**
 * Where the agent reads Kubernetes from: --kubeconfig (and --context), else the pod's service account
 * when running in a cluster, else the usual KUBECONFIG / ~/.kube/config.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import type { KubeAccess } from "./access.js";
import { accessOf, KubeConfigError, readKubeconfigFiles } from "./kubeconfig.js";

export { KubeConfigError } from "./kubeconfig.js";

export interface KubeAccessOptions {
  kubeconfig?: string;
  context?: string;
}

export interface LoadedKubeConfig {
  access: KubeAccess;
  /** How it was found, for the start-up log line. */
  source: "kubeconfig" | "in-cluster" | "default";
  server: string;
}

/** Where a pod's service account is mounted. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export async function loadKubeConfig(
  options: KubeAccessOptions,
  env: NodeJS.ProcessEnv = process.env,
  /** Prefix of the service-account files, for tests. */
  inClusterRoot = "",
): Promise<LoadedKubeConfig> {
  let access: KubeAccess;
  let source: LoadedKubeConfig["source"];
  if (options.kubeconfig) {
    access = accessOf(await readKubeconfigFiles([options.kubeconfig]), options.context);
    source = "kubeconfig";
  } else if (env.KUBERNETES_SERVICE_HOST && !options.context) {
    access = inClusterAccess(env, inClusterRoot);
    source = "in-cluster";
  } else {
    access = accessOf(await readKubeconfigFiles(defaultKubeconfigFiles(env)), options.context);
    source = "default";
  }
  return { access, source, server: access.server };
}

/** KUBECONFIG's files that exist (kubectl skips the others), else ~/.kube/config. */
function defaultKubeconfigFiles(env: NodeJS.ProcessEnv): string[] {
  const listed = (env.KUBECONFIG ?? "").split(delimiter).filter((p) => p !== "");
  const files = listed.length > 0 ? listed : [join(env.HOME || homedir(), ".kube", "config")];
  const present = files.filter((p) => existsSync(p));
  if (present.length === 0) {
    throw new KubeConfigError(
      "no Kubernetes cluster configured: run in a pod with a service account, or pass --kubeconfig (and --context)",
    );
  }
  return present;
}

/** The service account's token (read again as the kubelet rotates it) and the cluster's CA. */
function inClusterAccess(env: NodeJS.ProcessEnv, root: string): KubeAccess {
  const dir = root + SERVICE_ACCOUNT_DIR;
  const host = env.KUBERNETES_SERVICE_HOST ?? "";
  const port = env.KUBERNETES_SERVICE_PORT || "443";
  let ca: string;
  try {
    ca = readFileSync(join(dir, "ca.crt"), "utf8");
  } catch (error) {
    throw new KubeConfigError(`cannot read the Kubernetes configuration: ${(error as Error).message}`);
  }
  const tokenFile = join(dir, "token");
  if (!existsSync(tokenFile)) {
    throw new KubeConfigError(
      `cannot read the Kubernetes configuration: no service-account token at ${tokenFile}`,
    );
  }
  return {
    server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    tls: { ca, insecure: false },
    auth: { kind: "token-file", path: tokenFile },
  };
}
