/**
 * Delivers snapshots to the API in the order they were observed. State changes wait in the spool
 * until the API accepts them (retrying network errors, 5xx, 408, 429 with backoff and Retry-After);
 * heartbeats (same state, newer observedAt) are only sent when nothing is waiting, and only the
 * newest. Any other 4xx (409 STALE_SNAPSHOT too) refuses that snapshot for good: it is set aside
 * (spool's rejected/) so the next can go. 401/403 (the token refused) stop --once; in watch mode the
 * agent keeps its snapshots and tries again every `authRetryMs`, loudly (an error line and
 * portolan_agent_auth_failures_total each time), since the cause (a rotated token, a database fault
 * on the server) can pass while nobody restarts the agent.
 *
 * With deltas on (watch mode), a snapshot whose state this process holds is sent as the changes
 * against the last state the API accepted from it; a refused delta (409 BASE_MISMATCH: the API holds
 * another state) is followed at once by the whole snapshot. After a restart, or for a spooled
 * snapshot from an earlier run, the whole snapshot goes first.
 */
import type { SnapshotHeader } from "../collect/encode.js";
import type { Logger } from "../ops/log.js";
import type { AgentMetrics } from "../ops/metrics.js";
import { type BackoffPolicy, backoffMs } from "../util/backoff.js";
import type { Clock, Delay } from "../util/time.js";
import { encodeDelta, type KeyedState, stateChanges } from "./delta.js";
import type { Spool, SpoolEntry } from "./spool.js";
import type { PushOutcome, SnapshotTransport } from "./transport.js";

export type SnapshotKind = "change" | "heartbeat";

/** What to check when the API refuses snapshots with these codes (they repeat until someone acts). */
const REJECTION_HINTS = new Map([
  [
    "STALE_SNAPSHOT",
    "the API already holds a later snapshot of this cluster: another agent pushing the same cluster name, or this host's clock went back",
  ],
  ["OBSERVED_AT_IN_FUTURE", "this host's clock is ahead of the API server's: check NTP on the node"],
]);

export interface OfferedSnapshot {
  observedAt: string;
  /** The server's state hash of this snapshot. */
  hash: string;
  kind: SnapshotKind;
  /** The snapshot as gzipped JSON. */
  body: Uint8Array;
  /** The state by key and the envelope: what a delta is built from (omitted: always sent whole). */
  state?: { header: SnapshotHeader; keyed: KeyedState };
}

/** Where built snapshots go: the pusher, or stdout with --dry-run. */
export interface SnapshotSink {
  offer(offered: OfferedSnapshot): Promise<void>;
}

export interface PushResult {
  observedAt: string;
  hash: string;
  kind: SnapshotKind;
  outcome: PushOutcome;
}

export class FatalPushError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface PusherOptions {
  cluster: string;
  transport: SnapshotTransport;
  spool: Spool;
  delay: Delay;
  clock: Clock;
  backoff: BackoffPolicy;
  /** A Retry-After longer than this is shortened to it (a broken proxy must not park the agent for days). */
  maxRetryAfterMs?: number;
  random?: () => number;
  logger: Logger;
  metrics: AgentMetrics;
  onResult?: (result: PushResult) => void;
  /** Send changes against the last accepted state instead of whole snapshots where possible. */
  deltas?: boolean;
  /**
   * After a 401/403, try again this much later instead of stopping (watch mode). Omitted: the
   * refusal is fatal (--once, --from-file: the exit status says it).
   */
  authRetryMs?: number;
  /** Called before each retry after a refused token (re-reads a token file). */
  beforeAuthRetry?: () => Promise<void>;
}

interface Heartbeat {
  observedMs: number;
  hash: string;
  body: Uint8Array;
  state: OfferedSnapshot["state"];
}

export class Pusher implements SnapshotSink {
  private heartbeat: Heartbeat | undefined;
  private wake: (() => void) | undefined;
  private attempt = 0;
  /** States of the spooled snapshots offered in this process, by spool sequence number. */
  private readonly states = new Map<number, NonNullable<OfferedSnapshot["state"]>>();
  /** The last state the API accepted from this process, and its hash: the base of the next delta. */
  private acked: { hash: string; keyed: KeyedState } | undefined;
  /** Set when the API refused the token and authRetryMs is not set: nothing more is sent. */
  fatal: FatalPushError | undefined;
  /** Refusals of the token in a row (authRetryMs set), reset by the next accepted push. */
  private authRefusals = 0;

  constructor(private readonly options: PusherOptions) {
    this.updateSpoolGauges();
  }

  get waiting(): number {
    return this.options.spool.size + (this.heartbeat ? 1 : 0);
  }

  async offer({ observedAt, hash, kind, body, state }: OfferedSnapshot): Promise<void> {
    const observedMs = Date.parse(observedAt);
    if (kind === "change") {
      this.heartbeat = undefined; // the change carries newer news
      const dropped = await this.options.spool.append(observedAt, hash, body);
      const appended = this.options.spool.newest();
      if (state && appended) this.states.set(appended.seq, state);
      for (const entry of dropped) {
        this.states.delete(entry.seq);
        this.options.metrics.spoolDropped.inc();
        this.options.logger.warn("spool full: dropped the shortest-lived waiting snapshot", {
          observedAt: new Date(entry.observedMs).toISOString(),
          waiting: this.options.spool.size,
        });
      }
      this.updateSpoolGauges();
    } else if (this.options.spool.size === 0) {
      this.heartbeat = { observedMs, hash, body, state };
    }
    this.wake?.();
  }

  /**
   * Sends until `signal` aborts or the token is refused; with `untilEmpty`, returns once nothing is
   * waiting (the --once mode).
   */
  async run(signal: AbortSignal, options: { untilEmpty?: boolean } = {}): Promise<void> {
    while (!signal.aborted && !this.fatal) {
      const entry = this.options.spool.head();
      const heartbeat = entry ? undefined : this.heartbeat;
      if (!entry && !heartbeat) {
        if (options.untilEmpty) return;
        await this.idle(signal);
        continue;
      }
      const item = entry ?? (heartbeat as Heartbeat);
      const state = entry ? this.states.get(entry.seq) : heartbeat?.state;
      const outcome = await this.send(item, state, signal);
      if (outcome.kind === "accepted")
        this.acked = state ? { hash: item.hash, keyed: state.keyed } : undefined;
      if (signal.aborted && outcome.kind === "retry") return;
      const setAsideIn = entry ? await this.settleEntry(entry, outcome) : undefined;
      if (heartbeat && outcome.kind !== "retry" && this.heartbeat === heartbeat) this.heartbeat = undefined;
      this.report(entry ?? (heartbeat as Heartbeat), entry ? "change" : "heartbeat", outcome, setAsideIn);
      if (outcome.kind === "retry") {
        this.attempt += 1;
        const backoff = backoffMs(this.attempt, this.options.backoff, this.options.random);
        // Retry-After wins over the backoff, capped; never below the first backoff step, so a
        // "Retry-After: 0" cannot make the agent hammer a server that is shedding load.
        const wait =
          outcome.retryAfterMs === undefined
            ? backoff
            : Math.max(
                this.options.backoff.initialMs,
                Math.min(outcome.retryAfterMs, this.options.maxRetryAfterMs ?? 600_000),
              );
        this.options.logger.warn("push failed, will retry", {
          status: outcome.status,
          error: outcome.message,
          attempt: this.attempt,
          retryInMs: wait,
          waiting: this.options.spool.size,
        });
        await this.options.delay(wait, signal);
      } else if (outcome.kind === "fatal" && this.options.authRetryMs !== undefined) {
        this.attempt = 0;
        await this.options.delay(this.options.authRetryMs, signal);
        if (!signal.aborted) await this.options.beforeAuthRetry?.();
      } else {
        this.attempt = 0;
      }
    }
  }

  /**
   * Sends one snapshot: as a delta when the API accepted a state from this process and this
   * snapshot's state is known; a refused delta (any 4xx but 401/403) is followed by the whole.
   */
  private async send(
    item: SpoolEntry | Heartbeat,
    state: OfferedSnapshot["state"],
    signal: AbortSignal,
  ): Promise<PushOutcome> {
    const whole = async () =>
      this.options.transport("seq" in item ? await this.options.spool.body(item) : item.body, signal);
    if (!this.options.deltas || !this.acked || !state) return whole();
    const changes = stateChanges(this.acked.keyed, state.keyed);
    const delta = await encodeDelta(state.header, this.acked.hash, item.hash, changes);
    const outcome = await this.options.transport(delta, signal);
    if (outcome.kind !== "rejected") return outcome;
    this.options.logger.info("the API refused the delta; sending the whole snapshot", {
      status: outcome.status,
      code: outcome.code,
    });
    this.acked = undefined;
    return whole();
  }

  /** Takes an answered entry out of the queue; a refused one is set aside (returns where, on disk). */
  private async settleEntry(entry: SpoolEntry, outcome: PushOutcome): Promise<string | undefined> {
    let setAsideIn: string | undefined;
    if (outcome.kind === "accepted" || outcome.kind === "rejected") this.states.delete(entry.seq);
    if (outcome.kind === "accepted") await this.options.spool.remove(entry);
    else if (outcome.kind === "rejected") {
      const { status, code, message } = outcome;
      const rejectedAt = this.options.clock.now().toISOString();
      setAsideIn = await this.options.spool.reject(entry, { status, code, message, rejectedAt });
    } else return undefined;
    this.updateSpoolGauges();
    return setAsideIn;
  }

  private report(
    item: SpoolEntry | Heartbeat,
    kind: SnapshotKind,
    outcome: PushOutcome,
    setAsideIn: string | undefined,
  ): void {
    const { metrics, logger, cluster } = this.options;
    const observedAt = new Date(item.observedMs).toISOString();
    switch (outcome.kind) {
      case "accepted":
        if (this.authRefusals > 0) {
          logger.warn("the API accepts the agent token again", { refusedBefore: this.authRefusals });
          this.authRefusals = 0;
        }
        metrics.pushes.inc({ result: "accepted" });
        metrics.lastSuccess.set(Math.floor(this.options.clock.now().getTime() / 1000));
        (kind === "change" ? logger.info : logger.debug)("snapshot accepted", {
          kind,
          observedAt,
          changed: outcome.changed,
          opened: outcome.opened,
          closed: outcome.closed,
        });
        break;
      case "rejected":
        metrics.pushes.inc({ result: "rejected" });
        metrics.snapshotsRejected.inc({ code: outcome.code });
        logger.error(
          setAsideIn
            ? "the API refused the snapshot for good; moved it aside, going on with the next"
            : "the API refused the snapshot for good; dropped it, going on with the next",
          {
            kind,
            observedAt,
            status: outcome.status,
            code: outcome.code,
            error: outcome.message,
            issues: outcome.issues.slice(0, 10),
            ...(setAsideIn ? { file: setAsideIn } : {}),
            ...(REJECTION_HINTS.has(outcome.code) ? { hint: REJECTION_HINTS.get(outcome.code) } : {}),
          },
        );
        break;
      case "fatal": {
        metrics.pushFailures.inc({ reason: "auth" });
        metrics.authFailures.inc({ status: String(outcome.status) });
        const message =
          outcome.status === 401
            ? `the API refused the agent token (401 Unauthorized): ${outcome.message}. Check that the token (--token-file or PORTOLAN_TOKEN; in a cluster the Secret portolan-agent-token, key "token") is the one "portolan clusters add ${cluster}" or "portolan clusters rotate ${cluster}" printed.`
            : `the API does not let this token push cluster "${cluster}" (403 Forbidden): ${outcome.message}. Check that --cluster / PORTOLAN_CLUSTER is the name the token was registered for.`;
        const retryMs = this.options.authRetryMs;
        if (retryMs === undefined) {
          this.fatal = new FatalPushError(message, outcome.status);
          logger.error(message, { status: outcome.status, code: outcome.code });
        } else {
          this.authRefusals += 1;
          logger.error(message, {
            status: outcome.status,
            code: outcome.code,
            refusedInARow: this.authRefusals,
            retryInMs: retryMs,
            waiting: this.options.spool.size,
          });
        }
        break;
      }
      case "retry":
        metrics.pushFailures.inc({
          reason: outcome.status === undefined ? "network" : outcome.status === 429 ? "throttled" : "server",
        });
        break;
    }
    this.options.onResult?.({ observedAt, hash: item.hash, kind, outcome });
  }

  private updateSpoolGauges(): void {
    this.options.metrics.spoolSnapshots.set(this.options.spool.size);
    this.options.metrics.spoolBytes.set(this.options.spool.bytes);
  }

  private idle(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        this.wake = undefined;
        signal.removeEventListener("abort", done);
        resolve();
      };
      this.wake = done;
      signal.addEventListener("abort", done, { once: true });
    });
  }
}
