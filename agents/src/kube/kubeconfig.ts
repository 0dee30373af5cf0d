/**
 * Kubeconfig files → KubeAccess for one context, with kubectl's rules: KUBECONFIG may list several
 * files (the first to define a name wins, the first current-context wins); file paths inside a
 * kubeconfig are relative to that file; `*-data` fields are base64. The auth forms read: bearer
 * token and tokenFile, client certificate and key, username/password, exec credential plugins, and
 * the id-token of an oidc auth-provider that has no refresh configuration (used as is). Any other
 * auth-provider (gcp, azure, an oidc one that refreshes, any other name) is left to
 * @kubernetes/client-node, loaded only then (client-node-auth.ts).
 */
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import * as z from "zod";
import type { ExecPlugin, KubeAccess, KubeAuth, KubeTls } from "./access.js";

export class KubeConfigError extends Error {}

// Loose: keys the agent does not read stay, for client-node when it handles the user (clientNodeAuth).
const clusterSchema = z.looseObject({
  server: z.string().optional(),
  "certificate-authority": z.string().optional(),
  "certificate-authority-data": z.string().optional(),
  "insecure-skip-tls-verify": z.boolean().optional(),
  "tls-server-name": z.string().optional(),
});

const execSchema = z.object({
  apiVersion: z.string().optional(),
  command: z.string(),
  args: z.array(z.string()).nullish(),
  env: z.array(z.object({ name: z.string(), value: z.string() })).nullish(),
});

const userSchema = z.looseObject({
  token: z.string().optional(),
  tokenFile: z.string().optional(),
  "client-certificate": z.string().optional(),
  "client-certificate-data": z.string().optional(),
  "client-key": z.string().optional(),
  "client-key-data": z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  exec: execSchema.optional(),
  "auth-provider": z
    .looseObject({ name: z.string(), config: z.record(z.string(), z.unknown()).nullish() })
    .optional(),
});

const contextSchema = z.object({ cluster: z.string(), user: z.string().optional() });

const documentSchema = z.object({
  "current-context": z.string().nullish(),
  clusters: z.array(z.object({ name: z.string(), cluster: clusterSchema.nullish() })).nullish(),
  users: z.array(z.object({ name: z.string(), user: userSchema.nullish() })).nullish(),
  contexts: z.array(z.object({ name: z.string(), context: contextSchema.nullish() })).nullish(),
});

type Cluster = z.infer<typeof clusterSchema>;
type User = z.infer<typeof userSchema>;
type Context = z.infer<typeof contextSchema>;

/** One entry and the directory of the file it came from (its relative paths are resolved there). */
interface FromFile<T> {
  value: T;
  dir: string;
}

/** The merged kubeconfig: what a context needs, by name. */
export interface Kubeconfig {
  currentContext: string | undefined;
  clusters: Map<string, FromFile<Cluster>>;
  users: Map<string, FromFile<User>>;
  contexts: Map<string, Context>;
}

/** Reads and merges the files, in order. */
export async function readKubeconfigFiles(paths: readonly string[]): Promise<Kubeconfig> {
  // Loaded here, not at the top: the in-cluster agent never parses YAML (about 9 MiB of RSS).
  const { parse } = await import("yaml");
  const merged: Kubeconfig = {
    currentContext: undefined,
    clusters: new Map(),
    users: new Map(),
    contexts: new Map(),
  };
  for (const path of paths) {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      throw new KubeConfigError(`cannot read the Kubernetes configuration: ${(error as Error).message}`);
    }
    const parsed = documentSchema.safeParse(parse(text) ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new KubeConfigError(
        `cannot read the Kubernetes configuration: ${path}: ${issue?.path.join(".")}: ${issue?.message}`,
      );
    }
    const doc = parsed.data;
    const dir = dirname(resolve(path));
    merged.currentContext ||= doc["current-context"] || undefined;
    for (const c of doc.clusters ?? [])
      if (c.cluster && !merged.clusters.has(c.name)) merged.clusters.set(c.name, { value: c.cluster, dir });
    for (const u of doc.users ?? [])
      if (!merged.users.has(u.name)) merged.users.set(u.name, { value: u.user ?? {}, dir });
    for (const c of doc.contexts ?? [])
      if (c.context && !merged.contexts.has(c.name)) merged.contexts.set(c.name, c.context);
  }
  return merged;
}

/** The access of `context` (default: the current context). */
export function accessOf(config: Kubeconfig, context = config.currentContext): KubeAccess {
  if (context === undefined) {
    throw new KubeConfigError(
      "no Kubernetes cluster configured: the kubeconfig names no current-context (pass --context)",
    );
  }
  const ctx = config.contexts.get(context);
  if (!ctx) {
    const known = [...config.contexts.keys()].join(", ");
    throw new KubeConfigError(`no context "${context}" in the kubeconfig (it has: ${known || "none"})`);
  }
  const cluster = config.clusters.get(ctx.cluster);
  const server = cluster?.value.server;
  if (!cluster || !server) {
    throw new KubeConfigError(`the kubeconfig's context "${context}" names no cluster with a server`);
  }
  const user = ctx.user === undefined ? undefined : config.users.get(ctx.user);
  const c = cluster.value;
  const u = user?.value ?? {};
  const tls: KubeTls = { insecure: c["insecure-skip-tls-verify"] === true };
  const ca = pem(c["certificate-authority-data"], c["certificate-authority"], cluster.dir);
  if (ca) tls.ca = ca;
  if (c["tls-server-name"]) tls.serverName = c["tls-server-name"];
  const userDir = user?.dir ?? cluster.dir;
  const cert = pem(u["client-certificate-data"], u["client-certificate"], userDir);
  const key = pem(u["client-key-data"], u["client-key"], userDir);
  if (cert) tls.cert = cert;
  if (key) tls.key = key;
  const auth = authOf(u, userDir) ?? clientNodeAuth(context, ctx, cluster, user);
  return { server: server.replace(/\/+$/, ""), tls, auth };
}

/** The auth the agent's own client handles; undefined: one for client-node. */
function authOf(user: User, dir: string): KubeAuth | undefined {
  if (user.token) return { kind: "token", token: user.token };
  if (user.tokenFile) return { kind: "token-file", path: inDir(dir, user.tokenFile) };
  if (user.exec) {
    const plugin: ExecPlugin = {
      apiVersion: user.exec.apiVersion ?? "client.authentication.k8s.io/v1",
      command: user.exec.command,
      args: user.exec.args ?? [],
      env: user.exec.env ?? [],
      dir,
    };
    return { kind: "exec", plugin };
  }
  const provider = user["auth-provider"];
  if (provider) {
    const config = provider.config ?? {};
    const idToken = config["id-token"];
    // An oidc provider that cannot refresh sends its id-token as it stands, as kubectl would.
    const refreshes = config["refresh-token"] !== undefined || config["idp-issuer-url"] !== undefined;
    if (provider.name === "oidc" && typeof idToken === "string" && idToken && !refreshes)
      return { kind: "token", token: idToken };
    return undefined;
  }
  if (user.username !== undefined && user.password !== undefined)
    return { kind: "basic", username: user.username, password: user.password };
  return { kind: "none" };
}

/**
 * The context, its cluster and its user as one kubeconfig document for client-node, with the file
 * paths the agent knows made absolute (the merged files may each have had their own directory).
 */
function clientNodeAuth(
  context: string,
  ctx: Context,
  cluster: FromFile<Cluster>,
  user: FromFile<User> | undefined,
): KubeAuth {
  const clusterDoc: Record<string, unknown> = { ...cluster.value };
  absolutePath(clusterDoc, "certificate-authority", cluster.dir);
  // client-node refuses a plain-http server unless TLS checks are off, though its agent is never
  // used (the agent's own client connects, with its own TLS settings): it is only asked for headers.
  if (cluster.value.server?.startsWith("http:")) clusterDoc["insecure-skip-tls-verify"] = true;
  const userDoc: Record<string, unknown> = { ...user?.value };
  const userDir = user?.dir ?? cluster.dir;
  for (const field of ["client-certificate", "client-key", "tokenFile"])
    absolutePath(userDoc, field, userDir);
  const document = {
    apiVersion: "v1",
    kind: "Config",
    "current-context": context,
    clusters: [{ name: ctx.cluster, cluster: clusterDoc }],
    users: [{ name: ctx.user ?? "", user: userDoc }],
    contexts: [{ name: context, context: { cluster: ctx.cluster, user: ctx.user ?? "" } }],
  };
  const provider = user?.value["auth-provider"]?.name ?? "unknown";
  return { kind: "client-node", kubeconfig: JSON.stringify(document), context, provider };
}

function absolutePath(entry: Record<string, unknown>, field: string, dir: string): void {
  const value = entry[field];
  if (typeof value === "string" && value) entry[field] = inDir(dir, value);
}

function pem(data: string | undefined, file: string | undefined, dir: string): string | undefined {
  if (data) return Buffer.from(data, "base64").toString("utf8");
  if (!file) return undefined;
  try {
    return readFileSync(inDir(dir, file), "utf8");
  } catch (error) {
    throw new KubeConfigError(`cannot read the Kubernetes configuration: ${(error as Error).message}`);
  }
}

function inDir(dir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(dir, path);
}
