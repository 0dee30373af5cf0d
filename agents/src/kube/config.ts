/**
 * Where the agent reads Kubernetes from: --kubeconfig (and --context), else the pod's service account
 * when running in a cluster, else the usual KUBECONFIG / ~/.kube/config.
 */
import { KubeConfig } from "@kubernetes/client-node";

export interface KubeAccessOptions {
  kubeconfig?: string;
  context?: string;
}

export class KubeConfigError extends Error {}

export interface LoadedKubeConfig {
  config: KubeConfig;
  /** How it was found, for the start-up log line. */
  source: "kubeconfig" | "in-cluster" | "default";
  server: string;
}

export function loadKubeConfig(
  options: KubeAccessOptions,
  env: NodeJS.ProcessEnv = process.env,
  /** Prefix of the service-account files, for tests (client-node's loadFromCluster takes one). */
  inClusterRoot = "",
): LoadedKubeConfig {
  const config = new KubeConfig();
  let source: LoadedKubeConfig["source"];
  try {
    if (options.kubeconfig) {
      config.loadFromFile(options.kubeconfig);
      source = "kubeconfig";
    } else if (env.KUBERNETES_SERVICE_HOST && !options.context) {
      config.loadFromCluster(inClusterRoot);
      source = "in-cluster";
    } else {
      config.loadFromDefault();
      source = "default";
    }
  } catch (error) {
    throw new KubeConfigError(`cannot read the Kubernetes configuration: ${(error as Error).message}`);
  }
  if (options.context) {
    if (!config.getContexts().some((c) => c.name === options.context)) {
      const known = config
        .getContexts()
        .map((c) => c.name)
        .join(", ");
      throw new KubeConfigError(
        `no context "${options.context}" in the kubeconfig (it has: ${known || "none"})`,
      );
    }
    config.setCurrentContext(options.context);
  }
  const cluster = config.getCurrentCluster();
  if (!cluster) {
    throw new KubeConfigError(
      "no Kubernetes cluster configured: run in a pod with a service account, or pass --kubeconfig (and --context)",
    );
  }
  return { config, source, server: cluster.server };
}
