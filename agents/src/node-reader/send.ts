/**
 * Delivering one report to the agent: POST JSON with the pod's projected ServiceAccount token as the
 * bearer (read again for every attempt: the kubelet rotates it), each attempt under a timeout, a
 * bounded number of attempts with exponential backoff and jitter. A refusal (4xx other than 401, 408
 * and 429) is not retried: the same body would be refused again.
 */
import { readFile } from "node:fs/promises";
import { HEARTBEAT_HEADER, type ReaderReport } from "../listeners/protocol.js";
import type { Logger } from "../ops/log.js";
import { AbortScope } from "../util/abort.js";
import { backoffMs } from "../util/backoff.js";
import type { Delay } from "../util/time.js";
import type { Post } from "./http-post.js";

export interface SendOptions {
  url: string;
  tokenFile: string;
  heartbeatMs: number;
  requestTimeoutMs: number;
  maxAttempts: number;
  maxBodyBytes: number;
  backoff: { initialMs: number; maxMs: number };
  post: Post;
  delay: Delay;
  random: () => number;
  logger: Logger;
}

export type SendOutcome =
  | { kind: "sent"; attempts: number }
  /** the agent (or the size bound) refused this body: do not send it again unchanged */
  | { kind: "refused"; status: number | undefined; reason: string }
  /** every attempt failed for a reason that may pass (network, timeout, 5xx, 429, 401) */
  | { kind: "failed"; attempts: number; reason: string };

const RETRYABLE = new Set([401, 408, 429]);

export async function sendReport(
  report: ReaderReport,
  options: SendOptions,
  signal: AbortSignal,
): Promise<SendOutcome> {
  const body = JSON.stringify(report);
  const bytes = Buffer.byteLength(body);
  if (bytes > options.maxBodyBytes) {
    return {
      kind: "refused",
      status: undefined,
      reason: `the report is ${bytes} bytes, above the ${options.maxBodyBytes}-byte bound`,
    };
  }
  let reason = "";
  for (let attempt = 1; attempt <= options.maxAttempts && !signal.aborted; attempt++) {
    if (attempt > 1) {
      await options.delay(backoffMs(attempt - 1, options.backoff, options.random), signal);
      if (signal.aborted) break;
    }
    const scope = new AbortScope([signal], options.requestTimeoutMs);
    try {
      // Read every time: the kubelet replaces the projected token before it expires.
      const token = (await readFile(options.tokenFile, "utf8")).trim();
      const answer = await options.post(options.url, {
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          [HEARTBEAT_HEADER]: String(Math.round(options.heartbeatMs / 1000)),
        },
        body,
        signal: scope.signal,
      });
      if (answer.status >= 200 && answer.status < 300) return { kind: "sent", attempts: attempt };
      const text = answer.text.slice(0, 500);
      reason = `HTTP ${answer.status}${text ? `: ${text}` : ""}`;
      if (answer.status < 500 && !RETRYABLE.has(answer.status)) {
        return { kind: "refused", status: answer.status, reason };
      }
    } catch (error) {
      reason =
        scope.signal.aborted && !signal.aborted
          ? `timed out after ${options.requestTimeoutMs} ms`
          : String((error as Error).message ?? error);
    } finally {
      scope.dispose();
    }
    options.logger.debug("report attempt failed", { attempt, reason });
  }
  return { kind: "failed", attempts: options.maxAttempts, reason: reason || "stopped" };
}
