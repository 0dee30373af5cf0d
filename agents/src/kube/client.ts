/**
 * KubeClient over the agent's own HTTP client (http.ts): discovery, LIST pages and WATCH streams as
 * plain JSON. Not @kubernetes/client-node: its generated client turned every pod of every page into
 * typed model objects the agent threw away at once, and loading the library alone cost about 70 MiB
 * of resident memory at start-up (docs/performance.md, "Agent"). The agent reads a few fields of
 * plain JSON; a page's objects live only while the page is reduced (list.ts).
 */

import { AbortScope } from "../util/abort.js";
import type { KubeAccess } from "./access.js";
import { KubeApiError, type KubeClient, resourcePaths } from "./api.js";
import { isSuccess, KubeHttp, readText, statusError } from "./http.js";

export type { KubeClient } from "./api.js";

export interface KubeClientOptions {
  /** A LIST page that takes longer is abandoned and retried (a hung connection must not stall the agent). */
  requestTimeoutMs?: number;
}

export function createKubeClient(access: KubeAccess, options: KubeClientOptions = {}): KubeClient {
  const api = new KubeHttp(access);
  const timeoutMs = options.requestTimeoutMs ?? 60_000;

  return {
    async serves(resource, signal) {
      const path = resourcePaths[resource];
      // The group version's resource list: /api/v1 or /apis/<group>/<version>.
      const groupVersion = path.slice(0, path.lastIndexOf("/"));
      const scope = new AbortScope([signal], timeoutMs);
      try {
        const list = (await api.json(groupVersion, { signal: scope.signal })) as {
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
      const query = {
        limit: request.limit,
        continue: request.continueToken,
        fieldSelector: request.fieldSelector,
      };
      const scope = new AbortScope([signal], timeoutMs);
      let list: { metadata?: { resourceVersion?: string; continue?: string }; items?: unknown[] };
      try {
        list = (await api.json(resourcePaths[resource], { query, signal: scope.signal })) as typeof list;
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

    async watch(resource, request, onEvent, signal) {
      const query = {
        watch: true,
        resourceVersion: request.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: request.timeoutSeconds,
        fieldSelector: request.fieldSelector,
      };
      try {
        const res = await api.open(resourcePaths[resource], { query, signal });
        if (!isSuccess(res)) throw statusError(res, await readText(res));
        // One JSON event per line; a line may span chunks.
        res.setEncoding("utf8");
        let pending = "";
        for await (const chunk of res as AsyncIterable<string>) {
          pending += chunk;
          let newline = pending.indexOf("\n");
          while (newline >= 0) {
            const line = pending.slice(0, newline).trim();
            pending = pending.slice(newline + 1);
            if (line !== "") {
              const event = JSON.parse(line) as { type?: unknown; object?: unknown };
              onEvent({ type: String(event.type), object: event.object });
            }
            newline = pending.indexOf("\n");
          }
        }
      } catch (error) {
        if (signal.aborted) return;
        throw toKubeError(error, `watch ${resource}`);
      }
    },
  };
}

function toKubeError(error: unknown, what: string): KubeApiError {
  if (error instanceof KubeApiError) return new KubeApiError(`${what}: ${error.message}`, error.status);
  const status = (error as { statusCode?: unknown }).statusCode;
  const message = error instanceof Error ? error.message : String(error);
  return new KubeApiError(`${what}: ${message}`, typeof status === "number" ? status : undefined);
}
