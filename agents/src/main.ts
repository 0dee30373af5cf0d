/** Entry point of `portolan-agent` (bin/portolan-agent.js imports this file). */
import { runCli } from "./cli/run-cli.js";

const code = await runCli(process.argv.slice(2), process.env);
// Let stdout drain (a --dry-run snapshot piped to jq can be megabytes) before leaving.
await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
process.exit(code);
