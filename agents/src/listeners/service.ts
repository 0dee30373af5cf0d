/**
 * Receiving node reports in the agent: the receiver, the TokenReview authenticator and the report
 * book, with the sweep that expires reports. Watch mode attaches the cluster state once it exists.
 */
import type { Logger } from "../ops/log.js";
import type { AgentMetrics } from "../ops/metrics.js";
import { ReaderAuthenticator } from "./authenticate.js";
import { type ListenerTarget, ReportBook } from "./book.js";
import type { ReceiverConfig } from "./config.js";
import { combinedLookup, type ListNodePods, NodePods } from "./node-pods.js";
import { startReceiver } from "./receiver.js";
import type { ReviewApi } from "./review-api.js";

export interface ListenerService {
  url: string;
  book: ReportBook;
  attach(target: ListenerTarget): void;
  /** expire and prune now (the timer does it every sweepMs) */
  sweep(): void;
  close(): Promise<void>;
}

export interface ListenerServiceDeps {
  api: ReviewApi;
  metrics: AgentMetrics;
  logger: Logger;
  now?: () => number;
  /** how often reports are checked for expiry and departed nodes */
  sweepMs?: number;
  /**
   * Lists one node's pods, for pod-tier owners the cluster state's index cannot name (pods the agent
   * does not keep); without it they stay unnamed.
   */
  listNodePods?: ListNodePods;
  /** a node's pods are listed at most this often (60 s by default) */
  nodePodsIntervalMs?: number;
}

/** The most token answers kept: one or two live tokens per node of the largest cluster. */
const MAX_CACHED_REVIEWS = 20_000;

export async function startListenerService(
  config: ReceiverConfig,
  deps: ListenerServiceDeps,
): Promise<ListenerService> {
  const now = deps.now ?? Date.now;
  const authenticator = new ReaderAuthenticator({
    api: deps.api,
    serviceAccount: config.serviceAccount,
    cacheTtlMs: config.reviewCacheMs,
    refusalTtlMs: Math.min(config.reviewCacheMs, 10_000),
    maxEntries: MAX_CACHED_REVIEWS,
    now,
  });
  const stopping = new AbortController();
  const nodePods = deps.listNodePods
    ? new NodePods({
        list: deps.listNodePods,
        minIntervalMs: deps.nodePodsIntervalMs ?? 60_000,
        maxNodes: 5000,
        now,
        logger: deps.logger,
        signal: stopping.signal,
      })
    : undefined;
  const book = new ReportBook({
    missedHeartbeats: config.missedHeartbeats,
    now,
    logger: deps.logger,
    ...(nodePods ? { unknownPods: nodePods } : {}),
  });
  const receiver = await startReceiver({
    host: config.host,
    port: config.port,
    maxBodyBytes: config.maxBodyBytes,
    maxInFlight: config.maxInFlight,
    defaultHeartbeatMs: config.defaultHeartbeatMs,
    authenticator,
    book,
    metrics: deps.metrics,
    logger: deps.logger,
  });
  const sweep = () => {
    book.sweep();
    deps.metrics.observedNodes.set(book.size);
  };
  const timer = setInterval(sweep, deps.sweepMs ?? 10_000);
  timer.unref();
  return {
    url: receiver.url,
    book,
    attach: (target) => {
      book.attach(
        nodePods
          ? {
              nodes: target.nodes,
              nodeListenerSink: target.nodeListenerSink,
              podOwners: combinedLookup(() => target.podOwners, nodePods),
            }
          : target,
      );
      deps.metrics.observedNodes.set(book.size);
    },
    sweep,
    close: async () => {
      clearInterval(timer);
      stopping.abort();
      await receiver.close();
    },
  };
}
