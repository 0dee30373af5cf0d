/** The `portolan` command: serve the API, or talk to one. */
import { parseArgs } from "node:util";
import { runServer } from "../entry/node.js";
import { clustersCommand } from "./commands/clusters.js";
import { conflictsCommand, drainCheckCommand, headroomCommand, planCommand } from "./commands/planning.js";
import { portsCommand } from "./commands/ports.js";
import { pushCommand } from "./commands/push.js";
import { reportCommand } from "./commands/report.js";
import { reserveCommand } from "./commands/reserve.js";
import { createCliContext, describeCallError, UsageError } from "./context.js";

const HELP = `portolan — fleet-wide inventory of Kubernetes host ports

usage: portolan COMMAND [ARGS] [FLAGS]

  serve                               run the API (HOST, PORT, DATABASE_URL, PORTOLAN_DATA_DIR, PORTOLAN_ADMIN_TOKEN)
  clusters add NAME [--label k=v]...  register a cluster; prints its agent token once
  clusters list                       clusters with counts and staleness
  clusters rotate NAME                issue a new agent token (the old one stops working)
  clusters rm NAME                    remove a cluster (its history is kept)
  clusters reset-clock NAME [--as-of TIME]  roll a cluster poisoned by a future observedAt back to TIME (default now)
  push FILE|-                         send a snapshot JSON with the cluster's agent token
  ports who PORT [--protocol P] [--cluster C]... [--as-of TIME]
                                      every holder of a host port in the fleet
  ports map CLUSTER [--as-of TIME]    the cluster's port allocation map with free nodes
  ports node CLUSTER NODE [--as-of TIME]
                                      what holds the host ports of one node
  headroom [--cluster C]... [--as-of TIME] [--fail-below N]
                                      per host-port workload: free eligible nodes for one more replica
  conflicts [--cluster C]...          Pending pods blocked on host ports, and what blocks them where
  plan fit --ports 8080/TCP,8443/TCP --replicas N --clusters a,b [--selector k=v] [--tolerate-all]
                                      would a new host-port workload fit
  plan free --width N [--clusters a,b | --selector env=prod] [--protocol P] [--min] [--max] [--quiet-days D]
                                      lowest port ranges free on every node (reservations and
                                      30000–60999 excluded)
  drain-check CLUSTER NODE            where each host-port pod of a node could go
  report [--cluster C] [--format markdown|csv|json] [--as-of TIME]
                                      the port allocation document
  reserve create FROM-TO --owner O --purpose P [--protocol] [--cluster C]... [--selector k=v] [--expires TIME]
  reserve list [--cluster C] | reserve rm ID

flags:
  --url URL        server (PORTOLAN_URL, default http://127.0.0.1:8080)
  --token TOKEN    admin, read or agent token (PORTOLAN_TOKEN)
  --json           machine-readable output
  -h, --help       this text

exit codes: 0 done, 1 the server refused or could not be reached, 2 usage error,
            3 a check failed (headroom below --fail-below, plan does not fit or finds nothing,
              node not drainable)`;

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const consoleIo: CliIo = { out: (text) => console.log(text), err: (text) => console.error(text) };

export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  io: CliIo = consoleIo,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: "string" },
      token: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
      protocol: { type: "string" },
      "as-of": { type: "string" },
      cluster: { type: "string", multiple: true, default: [] },
      label: { type: "string", multiple: true, default: [] },
      limit: { type: "string" },
      clusters: { type: "string" },
      selector: { type: "string" },
      "fail-below": { type: "string" },
      ports: { type: "string" },
      replicas: { type: "string" },
      width: { type: "string" },
      min: { type: "string" },
      max: { type: "string" },
      "quiet-days": { type: "string" },
      "tolerate-all": { type: "boolean", default: false },
      format: { type: "string" },
      owner: { type: "string" },
      purpose: { type: "string" },
      expires: { type: "string" },
    },
  });
  const [command, ...args] = positionals;
  if (values.help || !command) {
    io.out(HELP);
    return values.help ? 0 : 2;
  }
  if (command === "serve") {
    await runServer();
    return 0;
  }
  const url = values.url ?? env.PORTOLAN_URL ?? "http://127.0.0.1:8080";
  const ctx = createCliContext({
    url,
    token: values.token ?? env.PORTOLAN_TOKEN,
    json: values.json,
    out: io.out,
  });
  const flags = {
    protocol: values.protocol,
    asOf: values["as-of"],
    cluster: values.cluster,
    label: values.label,
    limit: values.limit,
    clusters: values.clusters,
    selector: values.selector,
    failBelow: values["fail-below"],
    ports: values.ports,
    replicas: values.replicas,
    width: values.width,
    min: values.min,
    max: values.max,
    quietDays: values["quiet-days"],
    tolerateAll: values["tolerate-all"],
    format: values.format,
    owner: values.owner,
    purpose: values.purpose,
    expires: values.expires,
  };
  try {
    switch (command) {
      case "clusters":
        return await clustersCommand(ctx, args, flags);
      case "push":
        return await pushCommand(ctx, args);
      case "ports":
        return await portsCommand(ctx, args, flags);
      case "headroom":
        return await headroomCommand(ctx, flags);
      case "conflicts":
        return await conflictsCommand(ctx, flags);
      case "plan":
        return await planCommand(ctx, args, flags);
      case "drain-check":
        return await drainCheckCommand(ctx, args);
      case "report":
        return await reportCommand(ctx, flags);
      case "reserve":
        return await reserveCommand(ctx, args, flags);
      default:
        throw new UsageError(`unknown command "${command}" (portolan --help lists them)`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(error.message);
      return 2;
    }
    io.err(`error: ${describeCallError(error, url)}`);
    return 1;
  }
}
