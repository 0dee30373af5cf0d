/**
 * Every command README.md and docs/*.md show runs, in order, against the server they describe.
 *
 * How it runs (test/helpers/documented-commands.ts extracts the blocks):
 * - The block marked `<!-- docs-test: server -->` (README's `npm run demo`) is started as written, in
 *   the background, from the checkout, on a free port and an empty data directory of its own; later
 *   blocks wait for nothing else. The documented address http://127.0.0.1:8080 is replaced by the
 *   server's real one in every block, and PORTOLAN_URL (the CLI's default) is set to it.
 * - Every other command block runs with bash (`set -euo pipefail`) in a scratch copy of the
 *   checkout: every top-level entry symlinked, so `examples/…` resolve and files a command writes
 *   (review.html, agent.token) land in the scratch directory, never in the repository. HOME and
 *   PORTOLAN_DATA_DIR are scratch directories too.
 * - `portolan` and `portolan-agent` resolve to bin/portolan.js and agents/bin.js; `npx portolan…`
 *   does the same without npx's own second and a half per call (any other npx call goes to npx).
 * - A document's blocks share one shell's variables (TOKEN=… in one block, $TOKEN in the next), as
 *   in a reader's terminal; each document starts from a fresh environment.
 * - Blocks marked `<!-- docs-test: skip — reason -->` are listed as skipped with their reason; an
 *   unmarked block needing a cluster, containers, Cloudflare or a long-running server is refused.
 *
 * Embedded database only: the documents describe it, and the PostgreSQL run of the suite would
 * repeat the same commands against a server the newcomer does not start.
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  type CommandBlock,
  extractDocumentedCommands,
  unavailableFor,
} from "../helpers/documented-commands.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DOCUMENTED_URL = "http://127.0.0.1:8080";
const BLOCK_TIMEOUT_MS = 180_000;
const SERVER_START_TIMEOUT_MS = 300_000;

const { blocks, problems } = extractDocumentedCommands(ROOT);
const where = (block: CommandBlock) => `${block.file}:${block.line}`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** The scratch directory: a symlinked copy of the checkout, a HOME, a data directory and the shims. */
function scratch() {
  const dir = mkdtempSync(join(tmpdir(), "portolan-docs-"));
  const work = join(dir, "work");
  const bin = join(dir, "bin");
  for (const sub of [work, bin, join(dir, "home"), join(dir, "state")]) mkdirSync(sub);
  for (const entry of readdirSync(ROOT)) {
    if (entry === ".git" || entry === ".portolan") continue;
    symlinkSync(join(ROOT, entry), join(work, entry));
  }
  const realNpx = (process.env.PATH ?? "")
    .split(delimiter)
    .map((p) => join(p, "npx"))
    .find((p) => existsSync(p));
  const shim = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/usr/bin/env bash\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  shim("portolan", `exec node ${JSON.stringify(join(ROOT, "bin/portolan.js"))} "$@"`);
  shim("portolan-agent", `exec node ${JSON.stringify(join(ROOT, "agents/bin.js"))} "$@"`);
  shim(
    "npx",
    [
      'if [ "$#" -gt 0 ] && { [ "$1" = portolan ] || [ "$1" = portolan-agent ]; }; then',
      '  name=$1; shift; exec "$(dirname "$0")/$name" "$@"',
      "fi",
      realNpx ? `exec ${JSON.stringify(realNpx)} "$@"` : 'echo "npx not found" >&2; exit 127',
    ].join("\n"),
  );
  return { dir, work, bin, home: join(dir, "home"), data: join(dir, "data"), state: join(dir, "state") };
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(script: string, options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn("bash", ["-c", script], {
      ...options,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => {
      stderr += `\n(docs-test: killed after ${BLOCK_TIMEOUT_MS / 1000}s)`;
      killGroup(child);
    }, BLOCK_TIMEOUT_MS - 5_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Ends a process this test started, with everything it spawned (its own process group). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM") {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

const tail = (text: string, lines = 40) => text.trimEnd().split("\n").slice(-lines).join("\n");

function failure(block: CommandBlock, script: string, ran: Ran): string {
  return [
    `${where(block)}: the documented ${block.language} block failed (exit ${ran.code})`,
    "--- commands (as run) ---",
    script.trimEnd(),
    "--- stderr (tail) ---",
    tail(ran.stderr),
    "--- stdout (tail) ---",
    tail(ran.stdout),
  ].join("\n");
}

describe("the documents' blocks are marked and parsed", () => {
  it("every marker stands before a command block and says what it means", () => {
    expect(problems).toEqual([]);
  });

  it("every block the runner cannot run says why it is skipped", () => {
    const unmarked = blocks
      .filter((block) => block.marker === null)
      .map((block) => ({ block, needs: unavailableFor(block.script) }))
      .filter(({ needs }) => needs !== null)
      .map(({ block, needs }) => `${where(block)} needs ${needs}: mark it <!-- docs-test: skip — why -->`);
    expect(unmarked).toEqual([]);
  });

  it("README.md starts the one server the other blocks talk to", () => {
    const servers = blocks.filter((block) => block.marker?.kind === "server").map(where);
    expect(servers).toHaveLength(1);
    expect(servers[0]).toMatch(/^README\.md:/);
  });
});

describe.skipIf(Boolean(process.env.TEST_DATABASE_URL))("every documented command runs, in order", () => {
  it("finds bash, curl and jq, which the documented commands use (.ci/run installs them)", () => {
    const path = (process.env.PATH ?? "").split(delimiter);
    const missing = ["bash", "curl", "jq"].filter((tool) => !path.some((dir) => existsSync(join(dir, tool))));
    expect(missing).toEqual([]);
  });

  let dirs: ReturnType<typeof scratch> | undefined;
  let server: ChildProcess | undefined;
  let serverOutput = "";
  let url = "";
  let base: NodeJS.ProcessEnv = {};
  let ready: Promise<ReturnType<typeof scratch>> | undefined;
  const prepare = async () => {
    const made = scratch();
    dirs = made;
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // The runner's own environment, without anything that would point the commands elsewhere.
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !/^(PORTOLAN_|DATABASE_URL$|PORT$|HOST$)/.test(name)),
    );
    base = {
      ...inherited,
      PATH: `${made.bin}${delimiter}${process.env.PATH ?? ""}`,
      HOME: made.home,
      PORTOLAN_DATA_DIR: made.data,
      PORT: String(port),
      PORTOLAN_URL: url,
      NO_COLOR: "1",
    };
    return made;
  };
  const prepared = () => {
    ready ??= prepare();
    return ready;
  };

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.once("exit", resolve));
      killGroup(server);
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
      killGroup(server, "SIGKILL");
    }
    if (dirs) rmSync(dirs.dir, { recursive: true, force: true });
  }, 60_000);

  const skipped = blocks.filter((block) => block.marker?.kind === "skip");
  if (skipped.length > 0) {
    console.info(
      `documented command blocks not run here:\n${skipped
        .map((block) => `  ${where(block)}: ${block.marker?.kind === "skip" ? block.marker.reason : ""}`)
        .join("\n")}`,
    );
  }

  const checkoutBefore = readdirSync(ROOT).sort();
  let previousFile = "";
  let stateIndex = 0;
  for (const block of blocks) {
    const title = `${where(block)} (${block.language})`;
    const marker = block.marker;
    if (marker?.kind === "skip") {
      it.skip(`${title} — skipped: ${marker.reason}`, () => {});
      continue;
    }
    if (marker?.kind === "server") {
      it(
        `${title} starts the server`,
        async () => {
          await prepared();
          const script = `set -euo pipefail\n${block.script}`;
          server = spawn("bash", ["-c", script], {
            cwd: ROOT,
            env: base,
            detached: true,
            stdio: ["ignore", "pipe", "pipe"],
          });
          const started = new Promise<void>((resolve, reject) => {
            const timer = setTimeout(
              () =>
                reject(new Error(`${where(block)}: no URL line within ${SERVER_START_TIMEOUT_MS / 1000}s`)),
              SERVER_START_TIMEOUT_MS,
            );
            const watch = (chunk: Buffer) => {
              serverOutput += chunk.toString();
              if (/^\s*URL\s+\S+/m.test(serverOutput)) {
                clearTimeout(timer);
                resolve();
              }
            };
            server?.stdout?.on("data", watch);
            server?.stderr?.on("data", (chunk: Buffer) => {
              serverOutput += chunk.toString();
            });
            server?.once("exit", (code) => {
              clearTimeout(timer);
              reject(new Error(`${where(block)}: the server exited (${code})\n${tail(serverOutput)}`));
            });
          });
          await started;
          expect(serverOutput).toContain(`URL         ${url}/`);
        },
        SERVER_START_TIMEOUT_MS + 10_000,
      );
      continue;
    }
    if (block.file !== previousFile) stateIndex++;
    previousFile = block.file;
    const stateName = `${stateIndex}.env`;
    it(
      title,
      async () => {
        const { state, work } = await prepared();
        const stateFile = join(state, stateName);
        const commands = block.script.replaceAll(DOCUMENTED_URL, url);
        // set -a: every variable a block assigns is exported, so `export -p` hands it to the next block.
        const script = [
          "set -euo pipefail",
          "set -a",
          `if [ -f ${JSON.stringify(stateFile)} ]; then source ${JSON.stringify(stateFile)}; fi`,
          `cd ${JSON.stringify(work)}`,
          commands,
          `export -p > ${JSON.stringify(stateFile)}`,
        ].join("\n");
        const ran = await run(script, { cwd: work, env: base });
        if (ran.code !== 0) expect.fail(failure(block, commands, ran));
      },
      BLOCK_TIMEOUT_MS,
    );
  }

  it("wrote nothing into the checkout (the commands ran in a scratch copy)", () => {
    expect(readdirSync(ROOT).sort()).toEqual(checkoutBefore);
  });
});
