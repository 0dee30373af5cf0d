/**
 * List, then watch from the list's resourceVersion; on 410 Gone list again; on any other failure
 * reconnect with backoff from the last version seen. Unlike client-go's or client-node's informers it keeps no copy
 * of the objects: every object goes through `convert` and only what it keeps reaches the sink.
 */
import type { Logger } from "../ops/log.js";
import { errorText, memoryFigures } from "../ops/log.js";
import { AbortScope } from "../util/abort.js";
import { type BackoffPolicy, backoffMs } from "../util/backoff.js";
import type { Delay } from "../util/time.js";
import { isGone, KubeApiError, type KubeClient, type Resource, type WatchEvent } from "./api.js";
import { listAll } from "./list.js";

export interface ListWatchSink<T> {
  /** A full (re)list: the sink's state for this resource becomes exactly `items`. */
  replace(items: Map<string, T>): void;
  /** One object changed: `value` null means it is gone (deleted, or no longer worth keeping). */
  upsert(key: string, value: T | null): void;
}

export interface ListWatchOptions<T> {
  client: KubeClient;
  resource: Resource;
  pageSize: number;
  fieldSelector?: string;
  convert: (object: unknown) => T | null;
  keyOf: (object: unknown) => string;
  sink: ListWatchSink<T>;
  delay: Delay;
  backoff: BackoffPolicy;
  /** The API server ends each watch after about this long, and the agent re-watches (healthy churn). */
  watchTimeoutSeconds: number;
  /** No event nor bookmark for this long: the connection is presumed dead and is re-opened. */
  idleTimeoutMs?: number;
  logger: Logger;
  onRelist?: (reason: "initial" | "gone" | "resync") => void;
  onWatchError?: (error: unknown) => void;
}

export class ListWatch<T> {
  private resourceVersion: string | undefined;
  /** Why the next list happens (kept while a failed list is retried). */
  private relistReason: "initial" | "gone" | "resync" = "initial";
  /** The current list/watch attempt, aborted by a resync or when `run`'s signal aborts. */
  private current: AbortScope | undefined;
  private failures = 0;
  private resolveSynced!: () => void;
  /** Resolves after the first successful list. */
  readonly synced = new Promise<void>((resolve) => {
    this.resolveSynced = resolve;
  });

  constructor(private readonly options: ListWatchOptions<T>) {}

  /** Asks for a full list at the next opportunity (periodic resync), ending the current watch. */
  requestResync(): void {
    this.resourceVersion = undefined;
    this.relistReason = "resync";
    this.current?.abort();
  }

  async run(signal: AbortSignal): Promise<void> {
    const { resource, logger } = this.options;
    while (!signal.aborted) {
      this.current = new AbortScope([signal]);
      const attempt = this.current.signal;
      try {
        if (this.resourceVersion === undefined) await this.list(attempt);
        if (attempt.aborted) continue;
        const healthy = await this.watch(attempt);
        if (healthy) {
          this.failures = 0;
        } else if (!attempt.aborted) {
          // Streams that end at once with nothing in them (a misbehaving proxy) must not spin.
          this.failures += 1;
          await this.options.delay(backoffMs(this.failures, this.options.backoff), signal);
        }
      } catch (error) {
        if (signal.aborted) break;
        if (this.current.signal.aborted) continue; // a resync or idle restart, not a failure
        this.options.onWatchError?.(error);
        if (isGone(error)) {
          logger.info("watch expired (410 Gone), listing again", { resource });
          this.resourceVersion = undefined;
          this.relistReason = "gone";
          // One immediate re-list; a server that keeps answering 410 still gets backoff.
          if (this.failures++ === 0) continue;
        } else {
          this.failures += 1;
        }
        const wait = backoffMs(this.failures, this.options.backoff);
        logger.warn("kubernetes watch failed, reconnecting", {
          resource,
          error: errorText(error),
          attempt: this.failures,
          retryInMs: wait,
        });
        await this.options.delay(wait, signal);
      } finally {
        this.current.dispose();
      }
    }
  }

  private async list(signal: AbortSignal): Promise<void> {
    const { client, resource, pageSize, fieldSelector, convert, keyOf, sink, logger } = this.options;
    const started = performance.now();
    const result = await listAll(client, resource, {
      pageSize,
      ...(fieldSelector ? { fieldSelector } : {}),
      signal,
      convert: (object) => {
        const value = convert(object);
        return value === null ? null : { key: keyOf(object), value };
      },
    });
    if (signal.aborted) return;
    sink.replace(result.items);
    this.resourceVersion = result.resourceVersion;
    this.options.onRelist?.(this.relistReason);
    logger.info("listed", {
      resource,
      reason: this.relistReason,
      read: result.seen,
      kept: result.items.size,
      pages: result.pages,
      resourceVersion: result.resourceVersion,
      ms: Math.round(performance.now() - started),
      memory: memoryFigures(),
    });
    this.resolveSynced();
  }

  /** Watches until the stream ends; true when it was a useful stream (events, or open a while). */
  private async watch(signal: AbortSignal): Promise<boolean> {
    const { client, resource, fieldSelector, convert, keyOf, sink, watchTimeoutSeconds } = this.options;
    const idleMs = this.options.idleTimeoutMs ?? (watchTimeoutSeconds + 60) * 1000;
    const stream = new AbortScope([signal]);
    let failure: unknown;
    let events = 0;
    const opened = performance.now();
    let idle = setTimeout(onIdle, idleMs);
    function onIdle() {
      failure = new KubeApiError(`watch ${resource}: nothing received for ${idleMs} ms`, undefined);
      stream.abort();
    }
    const onEvent = (event: WatchEvent) => {
      if (failure) return;
      events += 1;
      clearTimeout(idle);
      idle = setTimeout(onIdle, idleMs);
      const object = event.object as { metadata?: { resourceVersion?: string } } | undefined;
      if (event.type === "ERROR") {
        const status = event.object as { code?: number; message?: string } | undefined;
        failure = new KubeApiError(`watch ${resource}: ${status?.message ?? "error event"}`, status?.code);
        stream.abort();
        return;
      }
      const version = object?.metadata?.resourceVersion;
      if (event.type === "ADDED" || event.type === "MODIFIED") sink.upsert(keyOf(object), convert(object));
      else if (event.type === "DELETED") sink.upsert(keyOf(object), null);
      // BOOKMARK and unknown types only move the version on.
      if (version) this.resourceVersion = version;
    };
    try {
      await client.watch(
        resource,
        {
          resourceVersion: this.resourceVersion ?? "",
          timeoutSeconds: watchTimeoutSeconds,
          ...(fieldSelector ? { fieldSelector } : {}),
        },
        onEvent,
        stream.signal,
      );
    } finally {
      clearTimeout(idle);
      stream.dispose();
    }
    if (failure) throw failure;
    return events > 0 || performance.now() - opened >= 1000;
  }
}
