/**
 * The `portolan` command: serve the API, or talk to one. Only `serve` loads the server (PGlite,
 * postgres.js, the app), through a dynamic import, so every other command starts in a fraction of
 * the time; test/unit/cli/import-graph.test.ts keeps it that way.
 */
import { Command, CommanderError } from "commander";
import { CHECK_FAILED, commandPath, type GlobalOptions, type Run } from "./command.js";
import { registerClusters } from "./commands/clusters.js";
import { registerListeners } from "./commands/listeners.js";
import { registerPlanning } from "./commands/planning.js";
import { registerPorts } from "./commands/ports.js";
import { registerPush } from "./commands/push.js";
import { registerReport } from "./commands/report.js";
import { registerReserve } from "./commands/reserve.js";
import { registerTokens } from "./commands/tokens.js";
import { registerTrends } from "./commands/trends.js";
import { createCliContext, describeCallError, InputError, UsageError } from "./context.js";

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** how requests are sent; the global fetch unless given (the binary gives node-fetch.ts's) */
  fetch?: typeof fetch;
  /** all of stdin; process.stdin unless given */
  stdin?: () => Promise<string>;
}

export const consoleIo: CliIo = { out: (text) => console.log(text), err: (text) => console.error(text) };

const USAGE = 2;
const REFUSED = 1;

const EXIT_CODES = `exit codes: 0 done, ${REFUSED} the server refused or could not be reached, ${USAGE} usage error
            or unreadable input (plan fit -f),
            ${CHECK_FAILED} a check failed (headroom below --fail-below, plan does not fit or finds nothing,
              no cluster can host the plan, the planned name exists, node not drainable)`;

/** What `serve` answers: the server runs on in this process; every other command answers its exit code. */
export const SERVING = "serving";

export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  io: CliIo = consoleIo,
): Promise<number | typeof SERVING> {
  let outcome: number | typeof SERVING = 0;
  const run: Run = (handler) =>
    async function (this: Command, ...args) {
      const globals = this.optsWithGlobals<GlobalOptions>();
      const url = globals.url ?? env.PORTOLAN_URL ?? "http://127.0.0.1:8080";
      const ctx = createCliContext({
        fetch: io.fetch ?? globalThis.fetch,
        url,
        token: globals.token ?? env.PORTOLAN_TOKEN,
        json: globals.json,
        out: io.out,
        err: io.err,
        ...(io.stdin ? { readStdin: io.stdin } : {}),
      });
      try {
        outcome = await handler(ctx, ...args);
      } catch (error) {
        if (error instanceof UsageError) this.error(`error: ${error.message}`, { code: "portolan.usage" });
        if (error instanceof InputError) {
          io.err(`error: ${error.message}`);
          outcome = USAGE;
          return;
        }
        io.err(`error: ${describeCallError(error, url, Boolean(globals.token ?? env.PORTOLAN_TOKEN))}`);
        outcome = REFUSED;
      }
    };

  const program = new Command("portolan")
    .description("fleet-wide inventory of Kubernetes host ports")
    .option("--url <url>", "server (PORTOLAN_URL, default http://127.0.0.1:8080)")
    .option("--token <token>", "admin, read or agent token (PORTOLAN_TOKEN)")
    .option("--json", "machine-readable output", false)
    .addHelpText("after", `\n${EXIT_CODES}`)
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .configureOutput({
      writeOut: (text) => io.out(text.trimEnd()),
      writeErr: (text) => io.err(text.trimEnd()),
    })
    .exitOverride();
  program
    .command("serve")
    .description("run the API (HOST, PORT, DATABASE_URL, PORTOLAN_DATA_DIR, PORTOLAN_ADMIN_TOKEN)")
    .action(async () => {
      const { runServer } = await import("../entry/node.js");
      await runServer();
      outcome = SERVING;
    });
  registerClusters(program, run);
  registerPush(program, run);
  registerPorts(program, run);
  registerPlanning(program, run);
  registerTrends(program, run);
  registerReport(program, run);
  registerReserve(program, run);
  registerListeners(program, run);
  registerTokens(program, run);
  showUsageAfterErrors(program);

  try {
    await program.parseAsync(argv, { from: "user" });
    return outcome;
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    return error.code === "commander.helpDisplayed" ? 0 : USAGE;
  }
}

/** A usage error prints the message, then the usage of the command it was about (not the whole help). */
function showUsageAfterErrors(command: Command): void {
  const path = commandPath(command);
  command.showHelpAfterError(`usage: ${path} ${command.usage()}\n(${path} --help for more)`);
  for (const sub of command.commands) showUsageAfterErrors(sub);
}
