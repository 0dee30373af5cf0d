/**
 * KubeClient on @kubernetes/client-node: the KubeConfig gives the server, TLS and credentials
 * (service account token file, kubeconfig, exec/OIDC plugins), Watch streams the events.
 *
 * LIST pages are plain JSON requests made with those same options rather than CoreV1Api calls: the
 * generated client turns every pod of every page into typed model objects (Dates, classes) that
 * the agent throws away at once. On a 150,000-pod cluster that cost more CPU than everything else
 * the agent does (docs/performance.md, "Agent"); the agent only reads a few fields of plain JSON.
 */
import http from "node:http";
import https from "node:https";
import { type KubeConfig, Watch } from "@kubernetes/client-node";
import { AbortScope } from "../util/abort.js";
import { KubeApiError, type KubeClient, resourcePaths } from "./api.js";

export type { KubeClient } from "./api.js";

export interface ClientNodeOptions {
  /** A LIST page that takes longer is abandoned and retried (a hung connection must not stall the agent). */
  requestTimeoutMs?: number;
}

export function createKubeClient(config: KubeConfig, options: ClientNodeOptions = {}): KubeClient {
  const watcher = new Watch(config);
  const timeoutMs = options.requestTimeoutMs ?? 60_000;

  const urlOf = (path: string): URL => {
    const server = config.getCurrentCluster()?.server;
    if (!server) throw new KubeApiError("no current cluster in the kubeconfig", undefined);
    return new URL(server.replace(/\/+$/, "") + path);
  };

  return {
    async serves(resource, signal) {
      const path = resourcePaths[resource];
      // The group version's resource list: /api/v1 or /apis/<group>/<version>.
      const groupVersion = path.slice(0, path.lastIndexOf("/"));
      const scope = new AbortScope([signal], timeoutMs);
      try {
        const list = (await getJson(config, urlOf(groupVersion), scope.signal)) as {
          resources?: { name?: unknown }[];
        };
        return (list.resources ?? []).some((r) => r.name === resource);
      } catch (error) {
        const failure = toKubeError(error, `discover ${groupVersion}`);
        if (failure.status === 404) return false;
        throw failure;
      } finally {
        scope.dispose();
      }
    },

    async list(resource, request, signal) {
      const url = urlOf(resourcePaths[resource]);
      url.searchParams.set("limit", String(request.limit));
      if (request.continueToken) url.searchParams.set("continue", request.continueToken);
      if (request.fieldSelector) url.searchParams.set("fieldSelector", request.fieldSelector);
      const scope = new AbortScope([signal], timeoutMs);
      let list: { metadata?: { resourceVersion?: string; continue?: string }; items?: unknown[] };
      try {
        list = (await getJson(config, url, scope.signal)) as typeof list;
      } catch (error) {
        throw toKubeError(error, `list ${resource}`);
      } finally {
        scope.dispose();
      }
      return {
        items: list.items ?? [],
        resourceVersion: list.metadata?.resourceVersion ?? "",
        continueToken: list.metadata?.continue || undefined,
      };
    },

    watch(resource, request, onEvent, signal) {
      return new Promise<void>((resolve, reject) => {
        let controller: AbortController | undefined;
        let settled = false;
        const onAbort = () => controller?.abort();
        const finish = (error: unknown) => {
          if (settled) return;
          settled = true;
          signal.removeEventListener("abort", onAbort);
          if (error && !signal.aborted) reject(toKubeError(error, `watch ${resource}`));
          else resolve();
        };
        signal.addEventListener("abort", onAbort, { once: true });
        const query = {
          resourceVersion: request.resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: request.timeoutSeconds,
          ...(request.fieldSelector ? { fieldSelector: request.fieldSelector } : {}),
        };
        watcher
          .watch(resourcePaths[resource], query, (type, object) => onEvent({ type, object }), finish)
          .then((c) => {
            controller = c;
            if (signal.aborted) c.abort();
          }, finish);
      });
    },
  };
}

function toKubeError(error: unknown, what: string): KubeApiError {
  if (error instanceof KubeApiError) return new KubeApiError(`${what}: ${error.message}`, error.status);
  const status = (error as { statusCode?: unknown }).statusCode;
  const message = error instanceof Error ? error.message : String(error);
  return new KubeApiError(`${what}: ${message}`, typeof status === "number" ? status : undefined);
}

/** GET with the KubeConfig's TLS options, agent and credentials; the parsed JSON body on 200. */
async function getJson(config: KubeConfig, url: URL, signal: AbortSignal): Promise<unknown> {
  const options: https.RequestOptions = { method: "GET", headers: { accept: "application/json" } };
  await config.applyToHTTPSOptions(options);
  const transport = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(url, { ...options, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        if (res.statusCode !== 200) {
          const status = safeJson(text) as { message?: unknown } | undefined;
          const detail = typeof status?.message === "string" ? ` (${status.message})` : "";
          reject(new KubeApiError(`HTTP ${res.statusCode}${detail}`, res.statusCode));
          return;
        }
        try {
          resolve(JSON.parse(text));
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on("error", reject);
    req.end();
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
