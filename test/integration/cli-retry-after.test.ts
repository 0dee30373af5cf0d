import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { LimitSettings } from "../../src/api/limits/request-limits.js";
import { type RunningServer, startServer } from "../../src/entry/node.js";
import { runCli } from "../helpers/cli.js";
import { DEFAULT_LIMITS } from "../helpers/limits.js";

/** Each test opens a fresh embedded database (initdb and migrations): slow on a busy machine. */
const SLOW = 180_000;

const ADMIN = "cli-retry-admin-token-0123";
let server: RunningServer | undefined;
const dirs: string[] = [];

afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function serve(reads: LimitSettings["reads"]): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "portolan-cli-retry-"));
  dirs.push(dataDir);
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    dataDir,
    adminToken: ADMIN,
    limits: { ...DEFAULT_LIMITS, reads },
  });
  return server;
}

const cli = (url: string, ...argv: string[]) => runCli([...argv, "--url", url, "--token", ADMIN]);

describe("the CLI against a rate-limited server", { timeout: SLOW }, () => {
  it("waits for Retry-After and retries, so a throttled command still succeeds", async () => {
    const { url } = await serve({ perSecond: 0.25, burst: 1 });
    expect((await cli(url, "clusters", "list")).code).toBe(0);
    // The budget is spent: the server answers 429 with Retry-After 4, the CLI waits and retries.
    const sent = vi.spyOn(globalThis, "fetch");
    try {
      const second = await cli(url, "clusters", "list");
      expect(second).toMatchObject({ code: 0, err: "" });
      expect(sent).toHaveBeenCalledTimes(2);
    } finally {
      sent.mockRestore();
    }
  });

  it("exits 1 with a clear message when the server asks it to wait too long", async () => {
    const { url } = await serve({ perSecond: 0.001, burst: 1 });
    expect((await cli(url, "clusters", "list")).code).toBe(0);
    const refused = await cli(url, "clusters", "list");
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(
      /RATE_LIMITED: query rate limit reached; retry after \d+ s .*try again later/,
    );
  });
});
