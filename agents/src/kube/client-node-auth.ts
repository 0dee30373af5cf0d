/**
 * The kubeconfig auth forms the agent's own client does not implement (auth-providers: gcp, azure,
 * an oidc provider that refreshes its token, any other name) go through @kubernetes/client-node:
 * its KubeConfig is asked, per request, for the Authorization header and TLS material, which the
 * light client (http.ts) then sends. The HTTP, LIST/WATCH and streaming stay the light client's.
 * client-node is imported here, dynamically, on the first request of such a kubeconfig: importing it
 * costs about 70 MiB of resident memory, which the in-cluster agent never pays (docs/agent.md).
 */
import type https from "node:https";
// A type-only import: erased from the JavaScript, so the module is loaded only by the import() below.
import type { KubeConfig } from "@kubernetes/client-node";

export interface ProviderCredential {
  /** The whole Authorization header value (Bearer …, Basic …). */
  authorization?: string;
  /** PEM. */
  ca?: string;
  cert?: string;
  key?: string;
}

/**
 * `kubeconfig`: a kubeconfig document (JSON) holding the context, its cluster and its user, paths
 * already absolute (kubeconfig.ts builds it from the merged files).
 */
export function clientNodeCredentials(
  kubeconfig: string,
  context: string,
  provider: string,
): () => Promise<ProviderCredential> {
  let loaded: Promise<KubeConfig> | undefined;
  const load = async (): Promise<KubeConfig> => {
    const { KubeConfig } = await import("@kubernetes/client-node");
    const config = new KubeConfig();
    config.loadFromString(kubeconfig);
    config.setCurrentContext(context);
    return config;
  };
  return async () => {
    if (!loaded) {
      // A configuration client-node could not load is loaded again on the next request.
      const attempt = load();
      attempt.catch(() => {
        if (loaded === attempt) loaded = undefined;
      });
      loaded = attempt;
    }
    const config = await loaded;
    const options: https.RequestOptions = {};
    // Asked every time: the provider refreshes an expired token here (gcp's cmd-path, oidc's
    // refresh-token, azure's), and keeps it in memory until it expires.
    await config.applyToHTTPSOptions(options);
    const credential: ProviderCredential = {};
    const authorization = header(options.headers, "authorization");
    if (authorization) credential.authorization = authorization;
    else if (options.auth) credential.authorization = `Basic ${Buffer.from(options.auth).toString("base64")}`;
    const ca = pemText(options.ca);
    const cert = pemText(options.cert);
    const key = pemText(options.key);
    if (ca) credential.ca = ca;
    if (cert && key) {
      credential.cert = cert;
      credential.key = key;
    }
    // client-node skips a provider it does not know (it knows azure, gcp, oidc): say so, rather than
    // send the request unauthenticated and report the server's 401.
    if (!credential.authorization && !credential.cert) {
      throw new Error(
        `the kubeconfig's context "${context}": @kubernetes/client-node gave no credential for the auth-provider "${provider}" (it handles azure, gcp and oidc): use an exec plugin, a token or a client certificate`,
      );
    }
    return credential;
  };
}

function header(headers: https.RequestOptions["headers"], name: string): string | undefined {
  if (!headers || Array.isArray(headers)) return undefined;
  for (const [key, value] of Object.entries(headers))
    if (key.toLowerCase() === name && value !== undefined) return String(value);
  return undefined;
}

/** client-node hands PEM material over as Buffers (read from files or `*-data`). */
function pemText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  return undefined;
}
