/**
 * Flags and environment → the agent's configuration. Pure: the caller passes argv and env, and
 * reads the token file (so tests need no files). Flags win over the environment.
 */
import { parseArgs } from "node:util";
import { isDns1123Subdomain } from "../../../src/contract/bounds.js";
import type { ByteOrder } from "../../../src/contract/listener-parsers/address.js";
import { clusterNameSchema } from "../../../src/contract/snapshot.js";
import type { ListenerSource } from "../collect/listener-import.js";
import { isLogLevel, type LogLevel } from "../ops/log.js";
import { parseDuration } from "../util/time.js";

export class UsageError extends Error {}

export type AgentMode = "watch" | "once" | "files";

export interface AgentConfig {
  cluster: string;
  mode: AgentMode;
  files: string[];
  /** --from-file: a dump without a pod list is complete (the cluster runs no pods). */
  allowNoPods: boolean;
  /** --from-file: node listener captures (--ss-tcp, --ss-udp, --proc-net), in the order given. */
  listenerSources: ListenerSource[];
  /** --proc-net-byte-order: of the hosts that wrote the /proc/net files */
  procNetByteOrder: ByteOrder;
  dryRun: boolean;
  server: string | undefined;
  /** A token given directly (PORTOLAN_TOKEN); tokenFile wins when both are set. */
  token: string | undefined;
  tokenFile: string | undefined;
  kubeconfig: string | undefined;
  context: string | undefined;
  spoolDir: string | undefined;
  spoolMaxSnapshots: number;
  spoolMaxBytes: number;
  healthPort: number | undefined;
  healthHost: string;
  debounceMs: number;
  heartbeatMs: number;
  resyncMs: number;
  pageSize: number;
  watchTimeoutSeconds: number;
  onceTimeoutMs: number;
  shutdownTimeoutMs: number;
  /** watch mode: after the API refused the token (401/403), try again this much later */
  authRetryMs: number;
  logLevel: LogLevel;
}

export type ParsedArgs = { kind: "help" } | { kind: "version" } | { kind: "run"; config: AgentConfig };

export const AGENT_FLAGS = {
  cluster: { type: "string" },
  server: { type: "string" },
  "token-file": { type: "string" },
  kubeconfig: { type: "string" },
  context: { type: "string" },
  once: { type: "boolean" },
  "from-file": { type: "string", multiple: true },
  "allow-no-pods": { type: "boolean" },
  "ss-tcp": { type: "string", multiple: true },
  "ss-udp": { type: "string", multiple: true },
  "proc-net": { type: "string", multiple: true },
  "proc-net-byte-order": { type: "string" },
  "dry-run": { type: "boolean" },
  "spool-dir": { type: "string" },
  "spool-max-snapshots": { type: "string" },
  "spool-max-mb": { type: "string" },
  "health-port": { type: "string" },
  "health-host": { type: "string" },
  debounce: { type: "string" },
  heartbeat: { type: "string" },
  resync: { type: "string" },
  "page-size": { type: "string" },
  "watch-timeout": { type: "string" },
  "once-timeout": { type: "string" },
  "shutdown-timeout": { type: "string" },
  "auth-retry": { type: "string" },
  "log-level": { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const;

export function parseAgentArgs(argv: string[], env: NodeJS.ProcessEnv): ParsedArgs {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof AGENT_FLAGS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: AGENT_FLAGS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nRun portolan-agent --help for the flags.`);
  }
  const v = parsed.values;
  if (v.help) return { kind: "help" };
  if (v.version) return { kind: "version" };

  // `--from-file nodes.json pods.json`: the files after the first are positionals.
  const fromFile = v["from-file"] ?? [];
  if (parsed.positionals.length > 0 && fromFile.length === 0) {
    throw new UsageError(
      `unexpected argument "${parsed.positionals[0]}" (files are read with --from-file FILE...)`,
    );
  }
  const files = [...fromFile, ...parsed.positionals];
  if (files.length > 0 && v.once) throw new UsageError("--from-file already takes one snapshot; drop --once");
  const allowNoPods = v["allow-no-pods"] === true;
  if (allowNoPods && files.length === 0) throw new UsageError("--allow-no-pods only applies to --from-file");
  const listenerSources = listenerSourcesOf(v);
  if (listenerSources.length > 0 && files.length === 0) {
    throw new UsageError(
      "--ss-tcp, --ss-udp and --proc-net only apply to --from-file: the listeners go with the nodes of a dump",
    );
  }
  const byteOrder = v["proc-net-byte-order"];
  if (byteOrder !== undefined && byteOrder !== "little" && byteOrder !== "big")
    throw new UsageError(`--proc-net-byte-order "${byteOrder}": use little (x86_64, arm64) or big (s390x)`);
  if (byteOrder !== undefined && !listenerSources.some((s) => s.kind === "proc-net"))
    throw new UsageError("--proc-net-byte-order only applies to --proc-net");

  const cluster = v.cluster ?? env.PORTOLAN_CLUSTER;
  if (!cluster) throw new UsageError("which cluster is this? --cluster NAME or PORTOLAN_CLUSTER");
  const name = clusterNameSchema.safeParse(cluster);
  if (!name.success) throw new UsageError(`--cluster "${cluster}": ${name.error.issues[0]?.message}`);

  const dryRun = v["dry-run"] === true;
  const server = v.server ?? env.PORTOLAN_URL;
  const tokenFile = v["token-file"] ?? env.PORTOLAN_TOKEN_FILE;
  const token = env.PORTOLAN_TOKEN;
  if (!dryRun) {
    if (!server)
      throw new UsageError("where is the Portolan API? --server URL or PORTOLAN_URL (or --dry-run)");
    if (!/^https?:\/\//.test(server)) throw new UsageError(`--server "${server}" must be an http(s):// URL`);
    if (!tokenFile && !token) {
      throw new UsageError(
        "the cluster's agent token is needed: --token-file FILE, PORTOLAN_TOKEN_FILE or PORTOLAN_TOKEN",
      );
    }
  }
  const spoolDir = v["spool-dir"] ?? env.PORTOLAN_SPOOL_DIR;
  const healthPort = v["health-port"] ?? env.PORTOLAN_HEALTH_PORT;
  const logLevel = v["log-level"] ?? env.PORTOLAN_LOG_LEVEL ?? "info";
  if (!isLogLevel(logLevel))
    throw new UsageError(`--log-level "${logLevel}": use debug, info, warn or error`);

  return {
    kind: "run",
    config: {
      cluster,
      mode: files.length > 0 ? "files" : v.once ? "once" : "watch",
      files,
      allowNoPods,
      listenerSources,
      procNetByteOrder: byteOrder ?? "little",
      dryRun,
      server,
      token,
      tokenFile,
      kubeconfig: v.kubeconfig,
      context: v.context,
      spoolDir,
      spoolMaxSnapshots: integer("--spool-max-snapshots", v["spool-max-snapshots"], 1000, 1),
      // Memory is the scarce thing in a pod; a disk spool can hold a long outage.
      spoolMaxBytes: integer("--spool-max-mb", v["spool-max-mb"], spoolDir ? 512 : 64, 1) * 1024 * 1024,
      healthPort: healthPort === undefined ? undefined : integer("--health-port", healthPort, 0, 0, 65535),
      healthHost: v["health-host"] ?? "0.0.0.0",
      debounceMs: duration("--debounce", v.debounce, "2s"),
      heartbeatMs: duration("--heartbeat", v.heartbeat, "60s"),
      resyncMs: duration("--resync", v.resync, "10m"),
      pageSize: integer("--page-size", v["page-size"], 500, 1, 10_000),
      watchTimeoutSeconds: Math.max(
        1,
        Math.round(duration("--watch-timeout", v["watch-timeout"], "5m") / 1000),
      ),
      onceTimeoutMs: duration("--once-timeout", v["once-timeout"], "2m"),
      shutdownTimeoutMs: duration("--shutdown-timeout", v["shutdown-timeout"], "10s"),
      authRetryMs: duration("--auth-retry", v["auth-retry"] ?? env.PORTOLAN_AUTH_RETRY, "5m"),
      logLevel,
    },
  };
}

/**
 * `[NODE:]PATH`: a prefix up to the first colon is a node name when it is one (a DNS-1123
 * subdomain); anything else is all path, so `./a:b` names a file whose name holds a colon.
 */
function nodeAndPath(flag: string, text: string): { node?: string; path: string } {
  const colon = text.indexOf(":");
  const prefix = text.slice(0, Math.max(colon, 0));
  const [node, path] =
    colon > 0 && isDns1123Subdomain(prefix) ? [prefix, text.slice(colon + 1)] : [undefined, text];
  if (path === "") throw new UsageError(`${flag} "${text}": which file? ${flag} [NODE:]PATH`);
  return node === undefined ? { path } : { node, path };
}

function listenerSourcesOf(v: {
  "ss-tcp"?: string[] | undefined;
  "ss-udp"?: string[] | undefined;
  "proc-net"?: string[] | undefined;
}): ListenerSource[] {
  return [
    ...(v["ss-tcp"] ?? []).map(
      (t): ListenerSource => ({ kind: "ss", protocol: "TCP", ...nodeAndPath("--ss-tcp", t) }),
    ),
    ...(v["ss-udp"] ?? []).map(
      (t): ListenerSource => ({ kind: "ss", protocol: "UDP", ...nodeAndPath("--ss-udp", t) }),
    ),
    ...(v["proc-net"] ?? []).map(
      (t): ListenerSource => ({ kind: "proc-net", ...nodeAndPath("--proc-net", t) }),
    ),
  ];
}

function integer(
  flag: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
) {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} "${text}": expected a whole number from ${min} to ${max}`);
  }
  return n;
}

function duration(flag: string, text: string | undefined, fallback: string): number {
  try {
    return parseDuration(text ?? fallback);
  } catch (error) {
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
}

export const HELP = `portolan-agent — reports a Kubernetes cluster's host ports to Portolan

Usage:
  portolan-agent --cluster NAME --server URL --token-file FILE            watch and push (default)
  portolan-agent --cluster NAME --once [--dry-run]                        one snapshot, then exit
  portolan-agent --cluster NAME --from-file FILE... [--dry-run]           snapshot from kubectl dumps

Identity and destination:
  --cluster NAME           cluster name as registered in Portolan (DNS-1123 label)   [PORTOLAN_CLUSTER]
  --server URL             Portolan API base URL, e.g. https://portolan.example.com  [PORTOLAN_URL]
  --token-file FILE        file holding the cluster's agent token                    [PORTOLAN_TOKEN_FILE]
                           (or the token itself in PORTOLAN_TOKEN)

Kubernetes access (default: the pod's service account, else KUBECONFIG or ~/.kube/config):
  --kubeconfig FILE        kubeconfig to use
  --context NAME           context of the kubeconfig to use

Modes:
  --once                   list nodes and pods once, push one snapshot, exit
  --from-file FILE...      build the snapshot from JSON of "kubectl get nodes -o json",
                           "kubectl get pods -A -o json" or "kubectl get nodes,pods -A -o json"
                           ("-" reads standard input); no cluster access needed. Both a node
                           and a pod list are required (exit 2 otherwise): a snapshot without
                           pods would close every pod's history. An empty "kind": "List" says
                           not what it lists and counts as neither
  --allow-no-pods          with --from-file: the cluster really runs no pods, accept a dump
                           without a pod list (e.g. kubectl's empty List for "get pods")
  --dry-run                print the snapshot JSON on stdout instead of pushing (watch mode: one
                           line per changed snapshot)
  (default)                list, then watch nodes and pods; push on change and every --heartbeat

Node listeners (with --from-file; each flag may repeat, inputs of one node merge):
  --ss-tcp [NODE:]FILE     output of "ss -anpltH" on NODE; without NODE, the file names its nodes
                           with a "node: <name>" line before each node's rows (commatrix's raw-ss-tcp)
  --ss-udp [NODE:]FILE     the same for "ss -anpluH" (commatrix's raw-ss-udp)
  --proc-net NODE:PATH     NODE's /proc/net/{tcp,tcp6,udp,udp6} and ip_local_port_range: a directory
                           holding them (or a copy of /proc: net/tcp…, sys/net/ipv4/…), or one
                           of those files
  --proc-net DIR           one such directory per node, each named after its node
  --proc-net-byte-order little|big  byte order of the hosts that wrote /proc/net (default little;
                           big for s390x)
                           Every node must be in the node list (exit 2 otherwise); lines that are
                           not readable sockets are skipped and counted on stderr. A path holding
                           a colon is written ./PATH

Delivery:
  --spool-dir DIR          keep unsent snapshots in DIR (survives restarts)          [PORTOLAN_SPOOL_DIR]
                           without it they wait in memory
  --spool-max-snapshots N  at most N waiting snapshots (default 1000)
  --spool-max-mb N         at most N MiB of waiting snapshots (default 64, 512 with --spool-dir)
  --once-timeout DURATION  how long --once / --from-file may take in all: Kubernetes LISTs and
                           retries of an unreachable API (default 2m)
  --auth-retry DURATION    watch mode: when the API refuses the token (401/403), log an error
                           and try again this much later, re-reading --token-file (default 5m)
                                                                             [PORTOLAN_AUTH_RETRY]

Watch tuning:
  --debounce DURATION      wait for changes to settle before a snapshot (default 2s)
  --heartbeat DURATION     push the unchanged state this often so the API sees the agent (default 60s)
  --resync DURATION        full re-list this often, a safety net for missed events (default 10m)
  --page-size N            objects per LIST page (default 500)
  --watch-timeout DURATION ask the API server to end each watch after this long (default 5m)
  --shutdown-timeout DURATION  on SIGTERM, time left to deliver waiting snapshots (default 10s)

Operations:
  --health-port PORT       serve /healthz, /readyz and /metrics on PORT         [PORTOLAN_HEALTH_PORT]
  --health-host HOST       address for --health-port (default 0.0.0.0)
  --log-level LEVEL        debug, info, warn or error (default info)             [PORTOLAN_LOG_LEVEL]
  -h, --help               this text
  --version                the agent version

Durations: 500ms, 30s, 5m, 1h (a bare number is seconds). Logs are JSON lines on stderr.
Exit status: 0 done, 1 failed (API refused the token or the snapshot, or gave up; watch mode
does not stop on a refused token), 2 usage error
(also --from-file input that cannot make a snapshot: a dump without a node or pod list, a
listener capture of a node the dump does not list, or over the contract's bounds).
`;
