/**
 * client-go credential plugins (kubeconfig `users[].user.exec`, e.g. aws eks get-token,
 * gke-gcloud-auth-plugin, kubelogin): run the command, read the ExecCredential it prints, and reuse
 * it until its expirationTimestamp (a credential without one is reused for good, as client-go does).
 */
import { execFile } from "node:child_process";
import { isAbsolute, resolve } from "node:path";
import type { ExecPlugin } from "./access.js";

export interface ExecCredential {
  token?: string;
  /** PEM client certificate and key, when the plugin authenticates with those. */
  cert?: string;
  key?: string;
}

/** A plugin that answers nothing within this long fails the request (it is run again next time). */
const PLUGIN_TIMEOUT_MS = 60_000;
/** A credential this close to its expiry is fetched again, so no request carries a token that dies in flight. */
const EXPIRY_MARGIN_MS = 10_000;

export type RunPlugin = (command: string, args: string[], env: NodeJS.ProcessEnv) => Promise<string>;

const runWithExecFile: RunPlugin = (command, args, env) =>
  new Promise((resolvePromise, reject) => {
    execFile(
      command,
      args,
      { env, timeout: PLUGIN_TIMEOUT_MS, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        if (error) {
          const detail = String(stderr).trim().split("\n").slice(-3).join(" ");
          reject(
            new Error(
              `the credential plugin ${command} failed: ${error.message}${detail ? ` (${detail})` : ""}`,
            ),
          );
        } else resolvePromise(String(stdout));
      },
    );
  });

export function execCredentials(
  plugin: ExecPlugin,
  now: () => number = Date.now,
  run: RunPlugin = runWithExecFile,
): () => Promise<ExecCredential> {
  let cached: { credential: Promise<ExecCredential>; expiresAt: number } | undefined;
  const command =
    plugin.command.includes("/") && !isAbsolute(plugin.command)
      ? resolve(plugin.dir, plugin.command)
      : plugin.command;
  const fetchCredential = async (): Promise<{ credential: ExecCredential; expiresAt: number }> => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const { name, value } of plugin.env) env[name] = value;
    env.KUBERNETES_EXEC_INFO = JSON.stringify({
      apiVersion: plugin.apiVersion,
      kind: "ExecCredential",
      spec: { interactive: false },
    });
    const output = await run(command, plugin.args, env);
    let status: Record<string, unknown>;
    try {
      status = ((JSON.parse(output) as { status?: unknown }).status ?? {}) as Record<string, unknown>;
    } catch {
      throw new Error(`the credential plugin ${command} printed no ExecCredential JSON`);
    }
    const credential: ExecCredential = {};
    if (typeof status.token === "string") credential.token = status.token;
    if (typeof status.clientCertificateData === "string") credential.cert = status.clientCertificateData;
    if (typeof status.clientKeyData === "string") credential.key = status.clientKeyData;
    if (!credential.token && !(credential.cert && credential.key)) {
      throw new Error(
        `the credential plugin ${command} gave neither a token nor a client certificate and key`,
      );
    }
    const expiry =
      typeof status.expirationTimestamp === "string" ? Date.parse(status.expirationTimestamp) : NaN;
    return {
      credential,
      expiresAt: Number.isNaN(expiry) ? Number.POSITIVE_INFINITY : expiry - EXPIRY_MARGIN_MS,
    };
  };
  return () => {
    if (cached && now() < cached.expiresAt) return cached.credential;
    const pending = fetchCredential();
    const entry = { credential: pending.then((r) => r.credential), expiresAt: Number.POSITIVE_INFINITY };
    cached = entry;
    pending.then(
      (r) => {
        entry.expiresAt = r.expiresAt;
      },
      () => {
        // A failed run is not cached: the next request runs the plugin again.
        if (cached === entry) cached = undefined;
      },
    );
    return entry.credential;
  };
}
