/** The CLI run in-process, its output collected: what every CLI test drives. */
import { type CliIo, main } from "../../src/cli/main.js";

export interface CliRun {
  code: Awaited<ReturnType<typeof main>>;
  out: string;
  err: string;
}

export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv = {},
  io: Pick<CliIo, "fetch" | "stdin"> = {},
): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, env, { ...io, out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}
