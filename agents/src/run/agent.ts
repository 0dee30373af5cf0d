/**
 * Wires one agent run from its configuration: Kubernetes access, the snapshot producer, the pusher
 * (or the --dry-run printer), the health server, and the mode. Everything with a side effect can be
 * injected, so tests run real agents in-process against the test API server and a real Portolan.
 */
import { EventEmitter } from "node:events";
import { readFile } from "node:fs/promises";
import type { AgentConfig } from "../cli/args.js";
import { UnusableInputError } from "../collect/input-error.js";
import type { KubePod } from "../collect/kube-types.js";
import { podKey } from "../collect/pod.js";
import { podContainersOf } from "../collect/pod-containers.js";
import type { KubeClient } from "../kube/api.js";
import { listAll } from "../kube/list.js";
import { receiverConfigFromEnv } from "../listeners/config.js";
import type { ReviewApi } from "../listeners/review-api.js";
import { type ListenerService, startListenerService } from "../listeners/service.js";
import { startHealthServer } from "../ops/health.js";
import { createLogger, errorText, type Logger } from "../ops/log.js";
import { type AgentMetrics, createAgentMetrics } from "../ops/metrics.js";
import { SnapshotPrinter } from "../push/printer.js";
import { Pusher, type PushResult, type SnapshotSink } from "../push/pusher.js";
import { Spool } from "../push/spool.js";
import { httpTransport } from "../push/transport.js";
import { AbortScope } from "../util/abort.js";
import type { BackoffPolicy } from "../util/backoff.js";
import { type Clock, type Delay, realDelay, systemClock } from "../util/time.js";
import { AGENT_VERSION } from "../version.js";
import { snapshotFromCluster, snapshotFromFiles } from "./once-mode.js";
import { type SnapshotInfo, SnapshotProducer } from "./producer.js";
import { POD_FIELD_SELECTOR, runWatchMode, type WatchModeOptions } from "./watch-mode.js";

export interface AgentDeps {
  clock?: Clock;
  delay?: Delay;
  random?: () => number;
  logger?: Logger;
  /** Where --dry-run prints snapshots. */
  stdout?: (text: string) => void;
  fetch?: typeof fetch;
  /** Replaces the Kubernetes client built from the kubeconfig or service account. */
  kubeClient?: KubeClient;
  readStdin?: () => Promise<string>;
  /** Debounce ceiling: a snapshot at most this long after the first of a burst of changes. */
  maxWaitMs?: number;
  pushBackoff?: BackoffPolicy;
  kubeBackoff?: BackoffPolicy;
  /** Where the node-listener receiver's settings are read (PORTOLAN_LISTENER_*); process.env by default. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Replaces the TokenReview and pod reads of the node-listener receiver. */
  reviewApi?: ReviewApi;
  /** How often held listener reports are expired and resolved again (10 s by default). */
  listenerSweepMs?: number;
  /** Watch mode: what feeds node listener reports into the cluster state (see WatchModeOptions). */
  nodeListenerFeed?: WatchModeOptions["nodeListenerFeed"];
}

export interface AgentEvents {
  snapshot: [SnapshotInfo];
  push: [PushResult];
  synced: [];
}

export interface RunningAgent {
  events: EventEmitter<AgentEvents>;
  metrics: AgentMetrics;
  healthUrl: string | undefined;
  /** The node-listener receiver (watch mode with PORTOLAN_LISTENER_PORT), once it listens. */
  listeners: () => ListenerService | undefined;
  /** The exit status once the agent has finished (0 ok, 1 failed). */
  done: Promise<number>;
  /** Graceful stop (what SIGTERM does): stop watching, deliver what waits within the shutdown timeout. */
  stop(): Promise<number>;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
/** Usage errors, and --from-file input that cannot make a snapshot (UnusableInputError). */
export const EXIT_USAGE = 2;

export async function startAgent(config: AgentConfig, deps: AgentDeps = {}): Promise<RunningAgent> {
  const clock = deps.clock ?? systemClock;
  const delay = deps.delay ?? realDelay;
  const logger = deps.logger ?? createLogger({ level: config.logLevel, base: { cluster: config.cluster } });
  const metrics = createAgentMetrics();
  const events = new EventEmitter<AgentEvents>();
  const stopping = new AbortController();
  let ready = false;
  let failed = false;
  // Read before anything starts, so a bad setting stops the agent at once.
  const receiverConfig = receiverConfigFromEnv(deps.env ?? process.env);
  let listenerService: ListenerService | undefined;

  let sink: SnapshotSink;
  let pusher: Pusher | undefined;
  let notBeforeMs: number | undefined;
  if (config.dryRun) {
    const write = deps.stdout ?? ((text: string) => process.stdout.write(text));
    sink = new SnapshotPrinter(write, config.mode === "watch" ? "lines" : "document");
  } else {
    const readToken = async () =>
      config.tokenFile ? (await readFile(config.tokenFile, "utf8")).trim() : (config.token ?? "");
    let token = await readToken();
    if (!token) {
      throw new Error(
        config.tokenFile ? `the token file ${config.tokenFile} is empty` : "PORTOLAN_TOKEN is empty",
      );
    }
    const spool = await Spool.open({
      ...(config.spoolDir ? { dir: config.spoolDir } : {}),
      maxEntries: config.spoolMaxSnapshots,
      maxBytes: config.spoolMaxBytes,
      logger,
    });
    const pending = spool.pending();
    const newest = pending[pending.length - 1];
    if (newest) notBeforeMs = Date.parse(newest.observedAt);
    pusher = new Pusher({
      cluster: config.cluster,
      transport: httpTransport({ server: config.server ?? "", token: () => token }, deps.fetch, () =>
        clock.now().getTime(),
      ),
      spool,
      delay,
      clock,
      backoff: deps.pushBackoff ?? { initialMs: 1000, maxMs: 60_000 },
      ...(deps.random ? { random: deps.random } : {}),
      logger,
      metrics,
      // Watch mode pushes the same cluster again and again; --once and --from-file send one whole snapshot.
      deltas: config.mode === "watch",
      // Watch mode outlives a refused token (rotated, or a fault on the server's side): it keeps
      // trying slowly, with the token file read again (a mounted Secret follows a rotation).
      ...(config.mode === "watch"
        ? {
            authRetryMs: config.authRetryMs,
            beforeAuthRetry: async () => {
              const fresh = await readToken().catch(() => "");
              if (fresh) token = fresh;
            },
          }
        : {}),
      onResult: (result) => {
        if (result.outcome.kind === "rejected") failed = true;
        events.emit("push", result);
      },
    });
    sink = pusher;
  }

  const producer = new SnapshotProducer({
    cluster: config.cluster,
    mode: config.mode === "files" ? "file" : config.mode,
    clock,
    sink,
    logger,
    metrics,
    ...(notBeforeMs !== undefined ? { notBeforeMs } : {}),
    onSnapshot: (info) => {
      ready = true;
      events.emit("snapshot", info);
    },
  });

  const health =
    config.healthPort === undefined
      ? undefined
      : await startHealthServer({
          host: config.healthHost,
          port: config.healthPort,
          metrics,
          alive: () => !pusher?.fatal,
          ready: () => ready,
        });

  let loadedKubeConfig: Promise<import("../kube/config.js").LoadedKubeConfig> | undefined;
  const kubeConfig = () => {
    // Loaded on demand: --from-file needs no Kubernetes access (and no YAML parser).
    loadedKubeConfig ??= import("../kube/config.js").then(async ({ loadKubeConfig }) => {
      const loaded = await loadKubeConfig({
        ...(config.kubeconfig ? { kubeconfig: config.kubeconfig } : {}),
        ...(config.context ? { context: config.context } : {}),
      });
      const { auth } = loaded.access;
      logger.info("kubernetes access", {
        source: loaded.source,
        server: loaded.server,
        // Which auth form (never its secret); an auth-provider names the one client-node handles.
        auth:
          auth.kind === "client-node"
            ? `auth-provider ${auth.provider} (@kubernetes/client-node)`
            : auth.kind,
      });
      return loaded;
    });
    return loadedKubeConfig;
  };
  const kubeClient = async (): Promise<KubeClient> => {
    if (deps.kubeClient) return deps.kubeClient;
    const { createKubeClient } = await import("../kube/client.js");
    return createKubeClient((await kubeConfig()).access);
  };
  const reviewApi = async (): Promise<ReviewApi> => {
    if (deps.reviewApi) return deps.reviewApi;
    const { createReviewApi } = await import("../kube/review.js");
    return createReviewApi((await kubeConfig()).access);
  };

  /**
   * --once / --from-file: the whole run (Kubernetes access, LISTs, reading dumps, delivering
   * everything waiting, earlier runs' spool too) within --once-timeout: one deadline, whose signal
   * every request of the run takes (a LIST's own 60 s page limit cannot outlive it).
   */
  const withinOnceDeadline = async (take: (signal: AbortSignal) => Promise<SnapshotInfo | undefined>) => {
    const deadline = new AbortScope([stopping.signal], config.onceTimeoutMs);
    try {
      // Raced too, for what takes no signal (standard input); both promises are observed, so
      // whichever settles last cannot become an unhandled rejection.
      const taking = take(deadline.signal);
      const late = new Promise<never>((_, reject) => {
        deadline.signal.addEventListener("abort", () => reject(deadline.signal.reason), { once: true });
      });
      taking.catch(() => {});
      late.catch(() => {});
      const info = await Promise.race([taking, late]);
      return info ? await deliver(deadline.signal) : EXIT_FAILED;
    } catch (error) {
      if (!deadline.signal.aborted || stopping.signal.aborted) throw error;
      logger.error("gave up: the snapshot was not taken within --once-timeout", {
        onceTimeoutMs: config.onceTimeoutMs,
        error: errorText(error),
      });
      return EXIT_FAILED;
    } finally {
      deadline.dispose();
    }
  };

  const deliver = async (deadline: AbortSignal): Promise<number> => {
    if (!pusher) return EXIT_OK;
    await pusher.run(deadline, { untilEmpty: true });
    if (pusher.fatal) return EXIT_FAILED;
    if (pusher.waiting > 0) {
      logger.error("gave up delivering: the API did not accept the snapshot in time", {
        waiting: pusher.waiting,
        onceTimeoutMs: config.onceTimeoutMs,
        ...(config.spoolDir ? { spoolDir: config.spoolDir, note: "kept for the next run" } : {}),
      });
      return EXIT_FAILED;
    }
    return failed ? EXIT_FAILED : EXIT_OK;
  };

  const run = async (): Promise<number> => {
    logger.info("portolan-agent starting", {
      version: AGENT_VERSION,
      mode: config.mode,
      dryRun: config.dryRun,
      ...(config.server && !config.dryRun ? { server: config.server } : {}),
      ...(health ? { health: health.url } : {}),
    });
    if (receiverConfig && config.mode !== "watch") {
      logger.warn("PORTOLAN_LISTENER_PORT is ignored: node readers report to an agent in watch mode only");
    }
    if (config.mode === "files") {
      return withinOnceDeadline(() =>
        snapshotFromFiles(config.files, producer, logger, {
          readStdin: deps.readStdin ?? readStdin,
          allowNoPods: config.allowNoPods,
          listenerSources: config.listenerSources,
          procNetByteOrder: config.procNetByteOrder,
        }),
      );
    }
    if (config.mode === "once") {
      return withinOnceDeadline(async (deadline) =>
        snapshotFromCluster(await kubeClient(), producer, config.pageSize, logger, deadline),
      );
    }
    const client = await kubeClient();
    if (receiverConfig) {
      listenerService = await startListenerService(receiverConfig, {
        api: await reviewApi(),
        metrics,
        logger,
        now: () => clock.now().getTime(),
        ...(deps.listenerSweepMs ? { sweepMs: deps.listenerSweepMs } : {}),
        // Pod-tier owners in pods the watch does not keep: that node's pods, listed when needed.
        listNodePods: async (node, signal) => {
          const listed = await listAll(client, "pods", {
            pageSize: config.pageSize,
            fieldSelector: `spec.nodeName=${node},${POD_FIELD_SELECTOR}`,
            signal,
            convert: (object) => {
              const pod = podContainersOf(object as KubePod);
              return pod && { key: podKey(object as KubePod), value: pod };
            },
          });
          return [...listed.items.values()];
        },
      });
      logger.info("receiving node listener reports", {
        url: listenerService.url,
        serviceAccount: receiverConfig.serviceAccount,
      });
    }
    const pushing = pusher
      ? pusher.run(stopping.signal).then(() => {
          if (pusher?.fatal) stopping.abort();
        })
      : Promise.resolve();
    await Promise.all([
      runWatchMode(
        {
          client,
          producer,
          clock,
          delay,
          logger,
          metrics,
          pageSize: config.pageSize,
          debounceMs: config.debounceMs,
          maxWaitMs: deps.maxWaitMs ?? Math.max(config.debounceMs * 5, 10_000),
          heartbeatMs: config.heartbeatMs,
          resyncMs: config.resyncMs,
          watchTimeoutSeconds: config.watchTimeoutSeconds,
          kubeBackoff: deps.kubeBackoff ?? { initialMs: 500, maxMs: 30_000 },
          onSynced: () => {
            // Reports that came before the nodes were listed are passed on now, not at the next sweep.
            listenerService?.sweep();
            events.emit("synced");
          },
          onClusterState: (state) => listenerService?.attach(state),
          ...(deps.nodeListenerFeed ? { nodeListenerFeed: deps.nodeListenerFeed } : {}),
        },
        stopping.signal,
      ),
      pushing,
    ]);
    if (pusher?.fatal) return EXIT_FAILED;
    if (pusher && pusher.waiting > 0) {
      // Shutting down: a last chance to deliver what waits (with --spool-dir it is kept anyway).
      const deadline = new AbortScope([], config.shutdownTimeoutMs);
      try {
        await pusher.run(deadline.signal, { untilEmpty: true });
      } finally {
        deadline.dispose();
      }
      if (pusher.waiting > 0) {
        logger.warn("stopped with snapshots not yet delivered", {
          waiting: pusher.waiting,
          ...(config.spoolDir ? { spoolDir: config.spoolDir, note: "kept for the next run" } : {}),
        });
      }
    }
    return pusher?.fatal ? EXIT_FAILED : EXIT_OK;
  };

  const done = run()
    .catch((error: unknown) => {
      logger.error(errorText(error));
      return error instanceof UnusableInputError ? EXIT_USAGE : EXIT_FAILED;
    })
    .then(async (code) => {
      await listenerService?.close();
      await health?.close();
      logger.info("portolan-agent stopped", { exitCode: code, usage: resourceFigures() });
      return code;
    });

  return {
    events,
    metrics,
    healthUrl: health?.url,
    listeners: () => listenerService,
    done,
    stop: () => {
      stopping.abort();
      return done;
    },
  };
}

/** Peak memory and CPU of this process, in the stop log line (the benchmark reads them). */
function resourceFigures() {
  const usage = process.resourceUsage();
  return {
    maxRssMiB: Math.round((usage.maxRSS / 1024) * 10) / 10,
    cpuUserMs: Math.round(usage.userCPUTime / 1000),
    cpuSystemMs: Math.round(usage.systemCPUTime / 1000),
  };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
