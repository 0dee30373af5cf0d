/**
 * The reader's loop: scan every scanMs; send the report when the listener set changed since the last
 * delivered one, or when heartbeatMs passed without a delivery (so the agent knows the reader lives).
 * A body the agent refused is not sent again until it changes or a heartbeat is due; a failed
 * delivery is tried again at the next scan.
 */
import type { ReaderReport } from "../listeners/protocol.js";
import { errorText, type Logger } from "../ops/log.js";
import type { Clock, Delay } from "../util/time.js";
import { type ScanOptions, type ScanResult, scanNode } from "./scan.js";
import type { SendOutcome } from "./send.js";

export interface ReaderLoopOptions {
  scan: ScanOptions;
  scanMs: number;
  heartbeatMs: number;
  clock: Clock;
  delay: Delay;
  logger: Logger;
  send: (report: ReaderReport, signal: AbortSignal) => Promise<SendOutcome>;
  /** after every scan: what it found and what was done with it (tests, the benchmark) */
  onScan?: (event: ScanEvent) => void;
  /** replaces scanNode (the benchmark times it alone) */
  scanNode?: (options: ScanOptions) => ScanResult;
}

export type ScanEvent =
  | { kind: "unchanged" }
  | { kind: "refused-again" }
  | { kind: "scan-failed"; message: string }
  | { kind: "change" | "heartbeat"; outcome: SendOutcome };

export async function runReaderLoop(options: ReaderLoopOptions, signal: AbortSignal): Promise<void> {
  const { clock, logger } = options;
  const scan = options.scanNode ?? scanNode;
  let sent: { fingerprint: string; at: number } | undefined;
  let refused: { fingerprint: string; at: number } | undefined;
  let lastIssues = -1;
  while (!signal.aborted) {
    let event: ScanEvent;
    let result: ScanResult;
    try {
      result = scan(options.scan);
    } catch (error) {
      result = { ok: false, code: "READ_FAILED", message: errorText(error) };
    }
    const now = clock.now().getTime();
    if (!result.ok) {
      logger.error("could not read the node's listeners", { code: result.code, message: result.message });
      event = { kind: "scan-failed", message: result.message };
    } else {
      if (result.skipped !== lastIssues && result.skipped > 0) {
        logger.warn("skipped unreadable /proc/net lines", {
          skipped: result.skipped,
          first: result.issues[0],
        });
      }
      lastIssues = result.skipped;
      if (result.processScan?.truncated)
        logger.warn("the process walk reached its bound; attribution is partial");
      if (result.ownerScan?.truncated)
        logger.warn("more socket owners than a report carries; pod attribution is partial");
      const changed = result.fingerprint !== sent?.fingerprint;
      const heartbeatDue = sent === undefined || now - sent.at >= options.heartbeatMs;
      const refusedAsIs =
        refused !== undefined &&
        refused.fingerprint === result.fingerprint &&
        now - refused.at < options.heartbeatMs;
      if (!changed && !heartbeatDue) event = { kind: "unchanged" };
      else if (refusedAsIs) event = { kind: "refused-again" };
      else {
        const outcome = await options.send(result.report, signal);
        event = { kind: changed ? "change" : "heartbeat", outcome };
        if (outcome.kind === "sent") {
          sent = { fingerprint: result.fingerprint, at: now };
          refused = undefined;
          logger.info(changed ? "reported a change" : "reported (heartbeat)", {
            listeners: result.report.listeners.length,
          });
        } else if (outcome.kind === "refused") {
          refused = { fingerprint: result.fingerprint, at: now };
          logger.error("the agent refused the report", { status: outcome.status, reason: outcome.reason });
        } else {
          logger.warn("could not deliver the report; trying again at the next scan", {
            attempts: outcome.attempts,
            reason: outcome.reason,
          });
        }
      }
    }
    options.onScan?.(event);
    await options.delay(options.scanMs, signal);
  }
}
