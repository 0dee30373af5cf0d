/**
 * One POST /v1/snapshots, and what its answer means for the agent: accepted; rejected (any other
 * 4xx, 409 STALE_SNAPSHOT included: this snapshot can never be accepted, so it is set aside);
 * fatal (401/403: the token is refused; --once stops, watch mode retries slowly); or retry (network, 5xx, 408, 429 with Retry-After).
 */

import { retryAfterMs } from "../../../src/contract/retry-after.js";
import { errorText } from "../ops/log.js";
import { AbortScope } from "../util/abort.js";

export type PushOutcome =
  | { kind: "accepted"; status: number; changed: boolean; opened: number; closed: number }
  | { kind: "rejected"; status: number; code: string; message: string; issues: unknown[] }
  | { kind: "fatal"; status: number; code: string; message: string }
  | { kind: "retry"; status: number | undefined; message: string; retryAfterMs: number | undefined };

export interface PushTarget {
  /** Base URL of the Portolan API, e.g. https://portolan.example.com */
  server: string;
  /** the token, or where to read it on each push (a token file re-read after a refusal) */
  token: string | (() => string);
  timeoutMs?: number;
}

/** Sends an already gzipped snapshot. Never throws: every failure becomes an outcome. */
export type SnapshotTransport = (body: Uint8Array, signal?: AbortSignal) => Promise<PushOutcome>;

export function httpTransport(
  target: PushTarget,
  fetchImpl: typeof fetch = fetch,
  now: () => number = Date.now,
): SnapshotTransport {
  const url = `${target.server.replace(/\/+$/, "")}/v1/snapshots`;
  return async (body, signal) => {
    const scope = new AbortScope([signal], target.timeoutMs ?? 60_000);
    try {
      return await send(body, scope.signal);
    } finally {
      scope.dispose();
    }
  };

  async function send(body: Uint8Array, signal: AbortSignal): Promise<PushOutcome> {
    let res: Response;
    try {
      res = await fetchImpl(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "content-encoding": "gzip",
          authorization: `Bearer ${typeof target.token === "function" ? target.token() : target.token}`,
          "user-agent": "portolan-agent",
        },
        // A Node Buffer is a valid fetch body; the DOM typings only name ArrayBuffer-backed views.
        body: body as Uint8Array<ArrayBuffer>,
        signal,
      });
    } catch (error) {
      return { kind: "retry", status: undefined, message: errorText(error), retryAfterMs: undefined };
    }
    const text = await res.text().catch(() => "");
    const answer = parseJson(text);
    const error = (answer as { error?: { code?: string; message?: string; issues?: unknown[] } } | undefined)
      ?.error;
    const message = error?.message ?? (text.slice(0, 200) || res.statusText);
    if (res.ok) {
      const ok = (answer ?? {}) as { changed?: boolean; opened?: number; closed?: number };
      return {
        kind: "accepted",
        status: res.status,
        changed: ok.changed === true,
        opened: ok.opened ?? 0,
        closed: ok.closed ?? 0,
      };
    }
    if (res.status === 401 || res.status === 403)
      return { kind: "fatal", status: res.status, code: error?.code ?? `HTTP_${res.status}`, message };
    if (res.status === 408 || res.status === 429 || res.status >= 500) {
      return {
        kind: "retry",
        status: res.status,
        message,
        retryAfterMs: retryAfterMs(res.headers.get("retry-after"), now()),
      };
    }
    return {
      kind: "rejected",
      status: res.status,
      code: error?.code ?? `HTTP_${res.status}`,
      message,
      issues: error?.issues ?? [],
    };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
